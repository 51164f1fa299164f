# syntax=docker/dockerfile:1
#
# KafkaTrace image: both daemons (kafkatrace-producer, kafkatrace-consumer) in one image.
# The Helm chart picks the daemon with `command:`; plain `docker run` starts the producer.
#
#   docker build -t kafkatrace:dev .
#   docker run --rm -p 8080:8080 -e KAFKATRACE_KAFKA_BROKERS=broker:9092 kafkatrace:dev
#   docker run --rm -p 8081:8081 -e KAFKATRACE_POSTGRES_URL=postgresql://... kafkatrace:dev kafkatrace-consumer
#
# Checked statically by tests/deploy/test_dockerfile.py (hadolint, package names, COPY paths).

# ---------------------------------------------------------------------------------------------
# Build stage: Swift 6.3 toolchain on Debian 12, static Swift stdlib, C libraries from Debian.
# ---------------------------------------------------------------------------------------------
FROM swift:6.3-bookworm AS build

# Versions are not pinned on purpose: Debian 12 security updates replace them in place
# (bookworm-security), and an old pin would make the build fail instead of picking the fix.
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      librdkafka-dev \
      libpq-dev \
      libsystemd-dev \
      pkg-config \
 && rm -rf /var/lib/apt/lists/*

WORKDIR /src

# SwiftPM writes a dependency's trait flags (swift-configuration: -DJSON -DYAML ...) in hash order,
# and Swift seeds hashing at random per process: each new build manifest reordered them and
# recompiled swift-configuration (~70 s) in every build. A fixed seed keeps the order.
ENV SWIFT_DETERMINISTIC_HASHING=1

# The whole package as SwiftPM sees it: the manifest and every target's folder (Sources/ and
# Tests/; SwiftPM checks all targets, test targets included, before building any product).
# tests/deploy/test_dockerfile.py runs `swift package describe` on exactly these files.
COPY Package.swift ./
COPY Sources ./Sources
COPY Tests ./Tests

# Release build of both daemons. /src/.build and /root/.cache are cache mounts (BuildKit,
# buildah/podman): dependency checkouts, object files, SwiftPM's and clang's caches stay between
# builds on one machine, so a rebuild after an edit compiles only what changed; the binaries are
# copied out of the mount to /out.
# No debug info and no symbol table (-debug-info-format none, linker --strip-all): ~18 MB per
# daemon instead of ~40 MB, most of it the static Swift runtime (the daemons do not link Foundation).
RUN --mount=type=cache,id=kafkatrace-swift-build,target=/src/.build,sharing=locked \
    --mount=type=cache,id=kafkatrace-swift-home-cache,target=/root/.cache,sharing=locked \
    swift build -c release --static-swift-stdlib -debug-info-format none -Xlinker --strip-all \
      --product kafkatrace-producer \
 && swift build -c release --static-swift-stdlib -debug-info-format none -Xlinker --strip-all \
      --product kafkatrace-consumer \
 && install -d /out \
 && install -m 0755 .build/release/kafkatrace-producer /out/kafkatrace-producer \
 && install -m 0755 .build/release/kafkatrace-consumer /out/kafkatrace-consumer

# ---------------------------------------------------------------------------------------------
# Runtime stage: slim Debian 12 with only the shared C libraries the daemons link.
# ---------------------------------------------------------------------------------------------
FROM debian:12-slim AS runtime

ARG VERSION=0.0.0-dev
ARG REVISION=unknown
ARG CREATED=unknown

LABEL org.opencontainers.image.title="kafkatrace" \
      org.opencontainers.image.description="KafkaTrace order producer and consumer daemons (Kafka -> PostgreSQL)" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.source="https://github.com/kafkatrace/kafkatrace" \
      org.opencontainers.image.documentation="https://github.com/kafkatrace/kafkatrace/blob/main/docs/deployment.md" \
      org.opencontainers.image.base.name="docker.io/library/debian:12-slim"

# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      librdkafka1 \
      libpq5 \
      libsystemd0 \
      ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && groupadd --system --gid 10001 kafkatrace \
 && useradd --system --uid 10001 --gid 10001 --no-create-home \
      --home-dir /nonexistent --shell /usr/sbin/nologin kafkatrace

COPY --from=build /out/kafkatrace-producer /out/kafkatrace-consumer /usr/local/bin/
COPY --chmod=0755 deploy/docker/healthcheck.sh /usr/local/bin/kafkatrace-healthcheck

# Numeric user so Kubernetes `runAsNonRoot` can verify it without /etc/passwd.
USER 10001:10001

# 8080 = producer HTTP, 8081 = consumer HTTP (docs/CONTRACT.md).
EXPOSE 8080 8081

# Logs to stdout as JSON (log.format=json is the default); no writable paths needed.
ENV KAFKATRACE_LOG_FORMAT=json

HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["/usr/local/bin/kafkatrace-healthcheck"]

STOPSIGNAL SIGTERM
CMD ["/usr/local/bin/kafkatrace-producer"]
