#!/bin/bash
# Container HEALTHCHECK for the KafkaTrace image: GET /health on the daemon's own HTTP port.
# Needs no curl/wget: bash's /dev/tcp is enough (the runtime image carries only the C libraries).
# Port: $KAFKATRACE_HTTP_PORT if set, else the default of the daemon running in the container
# (docs/CONTRACT.md: 8080 producer, 8081 consumer). The daemon is found by its process name in
# /proc, not assumed to be PID 1: under `docker run --init` PID 1 is the init (tini/catatonit).
set -euo pipefail

# The default port of the first kafkatrace daemon found in /proc (comm is cut to 15 characters).
daemon_port() {
  local comm name
  for comm in /proc/[0-9]*/comm; do
    name=""
    { IFS= read -r name <"$comm"; } 2>/dev/null || continue
    case "$name" in
      kafkatrace-prod*) echo 8080; return 0 ;;
      kafkatrace-cons*) echo 8081; return 0 ;;
    esac
  done
  return 1
}

port="${KAFKATRACE_HTTP_PORT:-}"
if [[ -z "$port" ]] && ! port="$(daemon_port)"; then
  echo "unhealthy: no kafkatrace-producer or kafkatrace-consumer process in /proc" >&2
  exit 1
fi

exec 3<>"/dev/tcp/127.0.0.1/${port}"
printf 'GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' >&3
IFS= read -r -t 3 status_line <&3
exec 3<&-
case "$status_line" in
  "HTTP/1."[01]" 200"*) exit 0 ;;
  *) echo "unhealthy: ${status_line:-no response} on port ${port}" >&2; exit 1 ;;
esac
