#!/bin/bash
# Container HEALTHCHECK for the KafkaTrace image: GET /health on the daemon's own HTTP port.
# Needs no curl/wget: bash's /dev/tcp is enough (the runtime image carries only the C libraries).
# Port: $KAFKATRACE_HTTP_PORT if set, else the daemon's default from docs/CONTRACT.md,
# chosen by the name of PID 1 (8080 producer, 8081 consumer).
set -euo pipefail

port="${KAFKATRACE_HTTP_PORT:-}"
if [[ -z "$port" ]]; then
  case "$(cat /proc/1/comm 2>/dev/null || true)" in
    kafkatrace-cons*) port=8081 ;;
    *) port=8080 ;;
  esac
fi

exec 3<>"/dev/tcp/127.0.0.1/${port}"
printf 'GET /health HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n' >&3
IFS= read -r -t 3 status_line <&3
exec 3<&-
case "$status_line" in
  "HTTP/1."[01]" 200"*) exit 0 ;;
  *) echo "unhealthy: ${status_line:-no response} on port ${port}" >&2; exit 1 ;;
esac
