# arxiv-radar: the always-on bot (`arxiv-radar run`), one process, state in /data.
#
# Build:  docker build -t arxiv-radar .
# Run:    docker run -d -v radar-data:/data -v ./config.toml:/config/config.toml:ro \
#           -e SLACK_BOT_TOKEN -e SLACK_APP_TOKEN -e OPENAI_API_KEY -p 8080:8080 arxiv-radar
# See docs/operations.md for the config, secrets and the health endpoint.

FROM python:3.12-slim AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
ENV PATH=/opt/venv/bin:$PATH
WORKDIR /src
COPY pyproject.toml README.md ./
COPY bot ./bot
COPY handlers ./handlers
COPY analysis ./analysis
# The project itself; its dependencies' bounds are in pyproject.toml.
# hadolint ignore=DL3013
RUN pip install ".[metrics]"

FROM python:3.12-slim
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    ARXIV_RADAR_CONFIG=/config/config.toml
# The default config keeps every file under /data and listens on all interfaces;
# mount your own /config/config.toml (with the same [storage], [report] and [server]
# settings) to configure monitors and chat platforms.
RUN useradd --system --uid 10001 --user-group --home-dir /data --shell /usr/sbin/nologin radar \
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
# 8080: /healthz, /readyz, /metrics; 3000: Slack HTTP mode (slack.mode = "http") only.
EXPOSE 8080 3000
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8080/healthz', timeout=4)"]
STOPSIGNAL SIGTERM
ENTRYPOINT ["arxiv-radar"]
CMD ["run"]
