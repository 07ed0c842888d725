# Portico container image: build stage and runtime stage, both Debian 12 (bookworm).
# Every package step is a call to a script the README and the tests also run, so the image is
# built from tested steps (docs/operations.md, "Container": what is and is not tested).
#
#   docker build -t portico .
#   docker run -p 8080:8080 -p 15000:15000 portico
#
# The image serves config/ (the README's default config) until /etc/portico/config is replaced
# by a mount (deploy/kubernetes/ mounts a ConfigMap there).

FROM debian:12 AS build
WORKDIR /src
COPY scripts/install-deps.sh scripts/
RUN scripts/install-deps.sh build
COPY . .
RUN scripts/build.sh

FROM debian:12-slim AS runtime
COPY scripts/install-deps.sh /tmp/install-deps.sh
RUN /tmp/install-deps.sh runtime && rm -rf /var/lib/apt/lists/* /tmp/install-deps.sh
RUN groupadd --system --gid 10001 portico \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /nonexistent \
      --shell /usr/sbin/nologin portico \
 && mkdir -p /etc/portico/config /etc/portico/credentials
COPY --from=build /src/build/release/portico /usr/local/bin/portico
COPY config/ /etc/portico/config/
USER 10001:10001
# 8080 HTTP listener, 8443 HTTPS listener, 15000 admin (/ready, /stats, ...).
EXPOSE 8080 8443 15000
HEALTHCHECK --interval=10s --timeout=3s --start-period=5s --retries=3 \
  CMD ["curl", "-fsS", "-o", "/dev/null", "http://127.0.0.1:15000/ready"]
# SIGTERM: /ready turns 503, listeners stop accepting, requests in flight get --drain-time-s.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/portico"]
CMD ["-c", "/etc/portico/config", "--credentials-dir", "/etc/portico/credentials", "--admin-address", "0.0.0.0:15000"]
