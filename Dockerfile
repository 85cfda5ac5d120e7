# The aggregator in a container: the compiled single binary (npm run build) in a slim glibc image. Build: docker build -t truebit-aggregator .
FROM debian:bookworm-slim

# The binary needs only glibc; ca-certificates lets it verify tls:// and wss:// servers.
RUN apt-get update \
 && apt-get install -y --no-install-recommends ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && useradd --system --uid 10001 --home-dir /data --shell /usr/sbin/nologin aggregator \
 && mkdir -p /data && chown aggregator /data

COPY --chmod=0755 dist/aggregator /usr/local/bin/aggregator

USER aggregator
WORKDIR /data
VOLUME /data
# Inside a container the health endpoint must listen beyond loopback to be reachable.
ENV DB_PATH=/data/aggregator.db HTTP_HOST=0.0.0.0 HTTP_PORT=9477
EXPOSE 9477

# bash's /dev/tcp answers the readiness question without adding curl to the image.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s \
  CMD ["bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/9477 && printf 'GET /readyz HTTP/1.0\\r\\nHost: localhost\\r\\n\\r\\n' >&3 && head -1 <&3 | grep -q ' 200 '"]

ENTRYPOINT ["/usr/local/bin/aggregator"]
CMD ["run"]
