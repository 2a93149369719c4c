# Strata's container image: `docker build -t strata .`, then
#   docker run -d -p 6379:6379 -v strata-data:/data strata
#   docker run -d -p 6379:6379 strata --maxmemory 1gb --maxmemory-policy allkeys-lru
#   docker run -d -v "$PWD/strata.conf:/etc/strata/strata.conf:ro" strata /etc/strata/strata.conf
# The entry point (deploy/docker-entrypoint.sh) takes arguments as the official Redis image does.

# Build stage: the same set-up script a developer runs on Debian 12 (without the Node.js client
# tests' packages), then an install into /out.
FROM debian:bookworm AS build
WORKDIR /src
COPY . .
RUN STRATA_JOBS="$(nproc)" STRATA_NODE_CLIENTS=no scripts/setup \
 && DESTDIR=/out meson install -C build --no-rebuild --skip-subprojects --strip \
 && scripts/runtime-packages build/src/strata-server build/src/strata-check-rdb > /out/runtime-packages

# Run stage: only the libraries the binaries load (listed by scripts/runtime-packages), python3 for
# strata-backup and strata-restore, and redis-cli from Debian's redis-tools. The server's user is
# strata, the same uid and gid as redis (which redis-tools creates), for runbooks that
# `chown redis:redis` a dump.
FROM debian:bookworm-slim
COPY --from=build /out/runtime-packages /tmp/runtime-packages
RUN apt-get update \
 && xargs -a /tmp/runtime-packages apt-get install -y --no-install-recommends python3 redis-tools \
 && rm -rf /var/lib/apt/lists/* /tmp/runtime-packages \
 && { getent group redis >/dev/null || groupadd --system redis; } \
 && { getent passwd redis >/dev/null || useradd --system --gid redis --home-dir /data --no-create-home redis; } \
 && groupadd --non-unique --gid "$(id -g redis)" strata \
 && useradd --non-unique --uid "$(id -u redis)" --gid strata --home-dir /data --no-create-home strata \
 && mkdir /data && chown strata:strata /data
COPY --from=build /out/usr/local/bin/ /usr/local/bin/
COPY deploy/docker-entrypoint.sh /usr/local/bin/docker-entrypoint.sh
COPY conf/ /etc/strata/

WORKDIR /data
VOLUME /data
# 6379: clients. 9121: the metrics endpoint, when started with --metrics-port 9121.
EXPOSE 6379 9121
# The process answers: PONG, or NOAUTH when a password is set. STRATA_PORT (default 6379) is the
# port it pings: set it with -e when the server listens elsewhere.
HEALTHCHECK --interval=10s --timeout=3s --start-period=30s \
  CMD redis-cli -p "${STRATA_PORT:-6379}" ping | grep -Eq '^(PONG|NOAUTH)'
ENTRYPOINT ["docker-entrypoint.sh"]
CMD ["strata-server"]
