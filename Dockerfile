# Attune server image.
#
#   docker build -t attune .
#   docker run --rm -p 8080:8080 \
#     -e ATTUNE_DATABASE_URL=postgresql://attune:secret@db:5432/attune \
#     -e ATTUNE_ADMIN_KEY=... attune
#
# The build stage runs the same scripts as CI (scripts/install-deps and
# scripts/build), so the image is built the way the tests were. The runtime
# stage holds only the shared libraries the binary links against, and runs as
# an unprivileged user. deploy/docker-compose.yml runs it next to PostgreSQL.

# ---------------------------------------------------------------- build
FROM debian:bookworm AS build

WORKDIR /src
# Dependencies first, in their own layer: they change far less often than the
# code, so a code change does not reinstall the toolchain.
COPY scripts/install-deps scripts/install-deps
RUN scripts/install-deps --build-only && rm -rf /var/lib/apt/lists/*

COPY . .
# Tests are built and run in CI; the image only needs the server binary.
RUN ATTUNE_BUILD_DIR=/src/build scripts/build -DATTUNE_BUILD_TESTS=OFF \
 && strip --strip-debug /src/build/attune \
 && /src/build/attune version

# ---------------------------------------------------------------- runtime
# Same Debian release as the build stage (same library versions, same ABI);
# the slim variant leaves out documentation and locales we do not need.
FROM debian:bookworm-slim AS runtime

# The runtime halves of the -dev packages in scripts/install-deps --build-only
# (checked with `objdump -p build/attune | grep NEEDED`: spdlog 1.10, fmt 9,
# protobuf 32, pqxx 6.4 with libpq, libcrypto from libssl3, FFTW3 double). Today's binary
# uses Boost.System header-only, but CMake links Boost::system, so its small
# runtime package stays to keep a future build from failing at start-up.
# curl is here only for the HEALTHCHECK below.
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      libboost-system1.74.0 \
      libprotobuf32 \
      libspdlog1.10 libfmt9 \
      libpqxx-6.4 libpq5 \
      libssl3 \
      libfftw3-double3 \
      ca-certificates \
      curl \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --user-group --no-create-home \
      --home-dir /nonexistent --shell /usr/sbin/nologin attune

COPY --from=build /src/build/attune /usr/local/bin/attune

# The server keeps nothing on local disk (PostgreSQL holds what is kept), so
# it needs no writable folder and no root.
USER attune

# Listen on every interface inside the container; publish the port to decide
# who can reach it (see deploy/README.md for TLS in front of it).
ENV ATTUNE_LISTEN=0.0.0.0:8080
EXPOSE 8080

# /healthz answers "ok" while the process is alive (it does not ask the
# database; /readyz does). The port is taken from ATTUNE_LISTEN so that the
# check follows a changed listen address.
HEALTHCHECK --interval=15s --timeout=3s --start-period=60s --retries=3 \
  CMD curl -fsS "http://127.0.0.1:${ATTUNE_LISTEN##*:}/healthz" >/dev/null || exit 1

# SIGTERM (docker stop) ends every live session, writes its summary and exits
# 0; allow it more than Docker's default 10 s (compose sets stop_grace_period).
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/attune"]
CMD ["serve"]
