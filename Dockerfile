# arxiv-radar: the always-on bot (`arxiv-radar run`), one process, state in /data.
#
# Build:  docker build -t arxiv-radar .
# Run:    docker run -d -v radar-data:/data -v ./config.toml:/config/config.toml:ro \
#           -e SLACK_BOT_TOKEN -e SLACK_APP_TOKEN -e OPENAI_API_KEY -p 8080:8080 arxiv-radar
# See docs/operations.md for the config, secrets, the health endpoint and how to
# refresh the pinned base image and the lock file.

# The official image, pinned by digest so that a rebuild gets the same base; the tag
# says which one it is. Refresh both together (docs/operations.md, "Updating").
ARG PYTHON_IMAGE=python:3.12.3-slim-bookworm@sha256:541d45d3d675fb8197f534525a671e2f8d66c882b89491f9dda271f4f94dcd06

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    UV_PROJECT_ENVIRONMENT=/opt/venv \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_NO_CACHE=1
# uv installs exactly what uv.lock pins; same version as UV_VERSION in the Makefile.
RUN pip install --no-cache-dir uv==0.13.9
WORKDIR /src
# The dependencies first (a layer that changes only with the lock), then the project.
COPY pyproject.toml uv.lock README.md ./
RUN uv sync --locked --no-dev --no-install-project
COPY bot ./bot
COPY handlers ./handlers
COPY analysis ./analysis
RUN uv sync --locked --no-dev --no-editable

FROM ${PYTHON_IMAGE}
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    ARXIV_RADAR_CONFIG=/config/config.toml
# tini is PID 1: it forwards SIGTERM to the bot and reaps the PDF worker processes.
# The default config keeps every file under /data and listens on all interfaces;
# mount your own /config/config.toml (with the same [storage], [report] and [server]
# settings) to configure monitors and chat platforms.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends tini \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /data --shell /usr/sbin/nologin radar \
    && mkdir -p /data /config \
    && chown radar:radar /data \
    && printf '%s\n' \
        '[storage]' 'path = "/data/arxiv-radar.db"' 'cache_dir = "/data/cache"' \
        '[report]' 'dir = "/data/reports"' \
        '[server]' 'host = "0.0.0.0"' 'port = 8080' \
        > /config/config.toml
COPY --from=build /opt/venv /opt/venv
USER 10001:10001
WORKDIR /data
VOLUME ["/data"]
# 8080 (server.port): /healthz, /readyz, /metrics; 3000: Slack HTTP mode (slack.mode = "http") only.
EXPOSE 8080 3000
# Asks /healthz on server.host:server.port as read from $ARXIV_RADAR_CONFIG.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-m", "bot.runtime.healthcheck"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["tini", "--", "arxiv-radar"]
CMD ["run"]
