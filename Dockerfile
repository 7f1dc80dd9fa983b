# The neo4j-cluster-agent image: built with the project's own scripts on Debian bookworm (the
# toolchain CI uses), run on debian:bookworm-slim with only the runtime libraries the binary links
# (tests/deploy/check-image.sh checks that list against `ldd` of the built binary). The shipped
# alert rules are compiled into the binary. Runs as the numeric user 65534 ("nobody"): the
# kubelet refuses a named user under runAsNonRoot. Deployment: deploy/daemonset/.
FROM debian:bookworm-slim AS build
WORKDIR /src
COPY . .
RUN ./scripts/setup.sh --build-only \
 && ./scripts/build-release.sh /out

FROM debian:bookworm-slim
ARG VERSION=0.1.0
LABEL org.opencontainers.image.title="neo4j-cluster-agent" \
      org.opencontainers.image.description="Per-node agent and Prometheus exporter for Neo4j Enterprise clusters: role, quorum, replication lag, failovers, zone skew, cross-cluster latency, local alert evaluation" \
      org.opencontainers.image.source="https://github.com/neo4j-cluster-agent/neo4j-cluster-agent" \
      org.opencontainers.image.url="https://github.com/neo4j-cluster-agent/neo4j-cluster-agent" \
      org.opencontainers.image.documentation="https://github.com/neo4j-cluster-agent/neo4j-cluster-agent/blob/main/deploy/daemonset/README.md" \
      org.opencontainers.image.version="${VERSION}"
# Runtime libraries of the binary (one package per directly linked library; their own
# dependencies come with them).
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      ca-certificates \
      libcivetweb1 \
      libcrypt1 \
      libcurl4 \
      libfmt9 \
      libprometheus-cpp-core1.0 \
      libre2-9 \
      libspdlog1.10 \
      libssl3 \
      libstdc++6 \
      libyaml-cpp0.7 \
      zlib1g \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/neo4j-cluster-agent /usr/local/bin/neo4j-cluster-agent
USER 65534:65534
EXPOSE 9474
ENTRYPOINT ["/usr/local/bin/neo4j-cluster-agent"]
