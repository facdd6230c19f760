# immichbak in a container, to sit on Immich's docker-compose network and reach its database
# by the service name `database` (docs/immich.md). The build step is the project's own,
# tested install step (scripts/install-deps.sh), then a release build and install.
#
#   docker build -t immichbak .            (or: podman build -t immichbak .)
#   docker run --rm immichbak --version
#
# BASE: any Debian 12 image (an offline one: `podman import` of a debootstrap root, as
# contrib/docker/test-compose.sh does).
ARG BASE=debian:12-slim

FROM ${BASE} AS build
WORKDIR /src
COPY . .
RUN IMMICHBAK_SKIP_PG_SERVERS=1 bash scripts/install-deps.sh \
 && cmake --preset release -DIMMICHBAK_BUILD_TESTS=OFF -DIMMICHBAK_BUILD_EXAMPLES=OFF -DIMMICHBAK_BUILD_PYTHON=OFF \
 && cmake --build --preset release -j"$(nproc)" \
 && cmake --install build/release --strip --prefix /opt/immichbak

FROM ${BASE}
# The libraries the tool links (libimmichbak itself is static), and the zone database so
# that prune's calendar buckets follow TZ.
RUN apt-get update -qq \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
      libpq5 libzstd1 libdeflate0 libssl3 libfmt9 zlib1g tzdata ca-certificates >/dev/null \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /opt/immichbak/bin/immichbak /usr/local/bin/immichbak
# Not root: the backup folder must be writable by uid 10001 (or set `user:` in compose).
RUN useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin immichbak \
 && immichbak --version
USER 10001
ENTRYPOINT ["immichbak"]
CMD ["--help"]
