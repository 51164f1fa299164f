#!/bin/sh
# Install the KafkaTrace daemons as systemd services.
#
#   swift build -c release --static-swift-stdlib
#   sudo deploy/systemd/install.sh            # binaries from .build/release
#   sudo systemctl enable --now kafkatrace-producer kafkatrace-consumer
#
# Installs binaries to $PREFIX/bin (/usr/local/bin), units to $UNITDIR (/etc/systemd/system),
# example env files to $ENVDIR/kafkatrace-<name> (/etc/default) ONLY when absent (mode 0600),
# and the deployment guide to $PREFIX/share/doc/kafkatrace (the units' Documentation=).
# Options (environment):
#   BIN_DIR=.build/release   where the built binaries are
#   DESTDIR=                 staging root (packaging, tests); nothing outside it is touched
#   COMPONENTS="producer consumer"
#   NO_RELOAD=1              skip "systemctl daemon-reload" (implied when DESTDIR is set)
set -eu

here=$(CDPATH= cd -- "$(dirname -- "$0")" && pwd)
root=$(CDPATH= cd -- "$here/../.." && pwd)

BIN_DIR=${BIN_DIR:-$root/.build/release}
DESTDIR=${DESTDIR:-}
PREFIX=${PREFIX:-/usr/local}
UNITDIR=${UNITDIR:-/etc/systemd/system}
ENVDIR=${ENVDIR:-/etc/default}
COMPONENTS=${COMPONENTS:-producer consumer}

for c in $COMPONENTS; do
  case "$c" in
    producer|consumer) ;;
    *) echo "install.sh: unknown component '$c' (allowed: producer consumer)" >&2; exit 2 ;;
  esac
  if [ ! -x "$BIN_DIR/kafkatrace-$c" ]; then
    echo "install.sh: $BIN_DIR/kafkatrace-$c is missing or not executable;" \
         "build it first (swift build -c release --static-swift-stdlib) or set BIN_DIR" >&2
    exit 1
  fi
done

install -d -m 0755 "$DESTDIR$PREFIX/bin" "$DESTDIR$UNITDIR" "$DESTDIR$ENVDIR" \
  "$DESTDIR$PREFIX/share/doc/kafkatrace"

for c in $COMPONENTS; do
  name=kafkatrace-$c
  install -m 0755 "$BIN_DIR/$name" "$DESTDIR$PREFIX/bin/$name"
  # The units name /usr/local paths; follow PREFIX when it differs.
  sed "s#/usr/local/#$PREFIX/#g" "$here/$name.service" > "$DESTDIR$UNITDIR/$name.service.tmp"
  chmod 0644 "$DESTDIR$UNITDIR/$name.service.tmp"
  mv "$DESTDIR$UNITDIR/$name.service.tmp" "$DESTDIR$UNITDIR/$name.service"
  if [ -e "$DESTDIR$ENVDIR/$name" ]; then
    echo "kept existing $ENVDIR/$name"
  else
    install -m 0600 "$here/env/$name.env" "$DESTDIR$ENVDIR/$name"
    echo "installed example $ENVDIR/$name (edit it, then: systemctl restart $name)"
  fi
done
install -m 0644 "$root/docs/deployment.md" "$DESTDIR$PREFIX/share/doc/kafkatrace/deployment.md"

if [ -z "$DESTDIR" ] && [ -z "${NO_RELOAD:-}" ] && command -v systemctl >/dev/null 2>&1 \
   && [ -d /run/systemd/system ]; then
  systemctl daemon-reload
fi
echo "done: systemctl enable --now $(for c in $COMPONENTS; do printf 'kafkatrace-%s ' "$c"; done)"
