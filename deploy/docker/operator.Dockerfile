# The dorgu operator image.  Build from the repository root:
#   docker build -f deploy/docker/operator.Dockerfile -t ghcr.io/dorgu-ai/dorgu-operator:0.1.0 .
# Runs as the numeric non-root user 10001 (matches the Helm chart's securityContext) with a
# read-only root filesystem; only /tmp (an emptyDir in the chart) is written.

FROM python:3.11-slim AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
COPY pyproject.toml README.md ./
COPY src ./src
RUN python -m venv /opt/dorgu \
 && /opt/dorgu/bin/pip install ".[operator]"

FROM python:3.11-slim
LABEL org.opencontainers.image.source="https://github.com/dorgu-ai/dorgu" \
      org.opencontainers.image.description="dorgu operator: personas, ClusterPersona discovery, admission webhook" \
      org.opencontainers.image.licenses="Apache-2.0"
ENV PATH=/opt/dorgu/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    HOME=/tmp
COPY --from=build /opt/dorgu /opt/dorgu
RUN groupadd --system --gid 10001 dorgu \
 && useradd --system --uid 10001 --gid 10001 --no-create-home --home-dir /tmp --shell /usr/sbin/nologin dorgu
USER 10001:10001
EXPOSE 9443 8080
ENTRYPOINT ["dorgu"]
CMD ["operator", "run"]
