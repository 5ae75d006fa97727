# Container image of the playground: the README's steps in two stages. The build
# stage is a fresh Debian 12 running `make build` and `make install` (the same
# Makefile: it installs its own apt and npm dependencies); the runtime stage holds
# only the installed files, their shared libraries and a non-root user. No model
# weights are baked in besides the demo model: mount them at /var/lib/playground.
# Used by compose.yaml; docs/DEPLOY.md tells how to run it.
FROM debian:12 AS build
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      make ca-certificates git nodejs npm \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY . .
RUN make build JOBS="$(nproc)" \
 && make install PREFIX=/usr DESTDIR=/out

FROM debian:12-slim
# The shared libraries the binary links (ldd build/playground, mapped to packages),
# and curl for the health check.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
      libb64-0d libbrotli1 libcpp-httplib0.11 libfmt9 libfreetype6 libgumbo1 libharfbuzz0b \
      libjansson4 libjbig2dec0 libjpeg62-turbo libjwt0 libmujs2 libopenjp2-7 libpng16-16 \
      libsodium23 libspdlog1.10 libsqlite3-0 libssl3 libtomlplusplus3 libuchardet0 libpq5 zlib1g \
      curl ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --home-dir /var/lib/playground --create-home --shell /usr/sbin/nologin playground
COPY --from=build /out/usr/ /usr/
USER playground
ENV PLAYGROUND_DATA_DIR=/var/lib/playground \
    PLAYGROUND_HOST=0.0.0.0 \
    PLAYGROUND_PORT=8080
VOLUME ["/var/lib/playground"]
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD curl -fsS http://127.0.0.1:8080/api/v1/health || exit 1
# Listening on 0.0.0.0 turns auth on: create the first admin once with
#   docker compose run --rm playground playground user add admin --role admin
CMD ["playground", "serve"]
