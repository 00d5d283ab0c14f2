"""``python -m bot.runtime.healthcheck``: exit 0 when the running bot's ``/healthz`` answers 200.

The Docker image's ``HEALTHCHECK`` runs it. It reads the config the bot reads
(``$ARXIV_RADAR_CONFIG``, else ``./config.toml``), so the port and host come from
``[server]`` and a changed ``server.port`` needs no second setting.
"""

from __future__ import annotations

import sys
import urllib.request

from bot.kernel.config import ServerConfig, load_config, resolve_config_path
from bot.kernel.errors import RadarError

TIMEOUT_S = 4.0
_ANY_ADDRESS = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}


def healthz_url(server: ServerConfig) -> str:
    """Where the bot's liveness endpoint listens, as seen from the same host."""
    host = _ANY_ADDRESS.get(server.host, server.host)
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{server.port}/healthz"


def main() -> int:
    """0 when ``/healthz`` answers 200, else 1 with the reason on stderr."""
    try:
        url = healthz_url(load_config(resolve_config_path(None)).server)
        with urllib.request.urlopen(url, timeout=TIMEOUT_S) as response:
            status = response.status
    except RadarError as exc:
        print(f"unhealthy: {exc.user_message}", file=sys.stderr)
        return 1
    except OSError as exc:  # refused, timed out, HTTP error status
        print(f"unhealthy: {exc}", file=sys.stderr)
        return 1
    return 0 if status == 200 else 1


if __name__ == "__main__":
    sys.exit(main())
