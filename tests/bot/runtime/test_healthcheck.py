"""``python -m bot.runtime.healthcheck`` (Docker HEALTHCHECK) follows the configured port."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiohttp import web

from bot.kernel.config import ServerConfig
from bot.runtime.healthcheck import healthz_url
from tests.support.fakes.server import LoopbackServer

ROOT = Path(__file__).resolve().parents[3]


class Liveness(LoopbackServer):
    """Answers /healthz like the bot, with a status the test chooses."""

    def __init__(self) -> None:
        super().__init__()
        self.status = 200

    def routes(self, app: web.Application) -> None:
        app.router.add_get("/healthz", self._healthz)

    async def _healthz(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "alive"}, status=self.status)


@pytest.fixture
def liveness() -> Iterator[Liveness]:
    server = Liveness()
    server.start()
    yield server
    server.stop()


def healthcheck(config: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "bot.runtime.healthcheck"],
        env={**os.environ, "ARXIV_RADAR_CONFIG": str(config)},
        cwd=config.parent,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_healthy_only_while_healthz_on_the_configured_port_answers(liveness, tmp_path) -> None:
    port = liveness.port
    config = tmp_path / "config.toml"
    config.write_text(f'[server]\nhost = "0.0.0.0"\nport = {port}\n')
    assert healthcheck(config).returncode == 0
    liveness.status = 503
    assert healthcheck(config).returncode == 1
    config.write_text(f'[server]\nhost = "0.0.0.0"\nport = {port + 1 if port < 65535 else 1}\n')
    failed = healthcheck(config)
    assert failed.returncode == 1
    assert failed.stderr.startswith("unhealthy:")


def test_a_broken_config_is_unhealthy_with_its_reason(tmp_path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[server]\nport = 'eighty'\n")
    failed = healthcheck(config)
    assert failed.returncode == 1
    assert "server.port: expected int" in failed.stderr


def test_wildcard_hosts_are_asked_on_loopback() -> None:
    assert healthz_url(ServerConfig(host="0.0.0.0", port=9000)) == "http://127.0.0.1:9000/healthz"
    assert healthz_url(ServerConfig(host="::", port=9000)) == "http://[::1]:9000/healthz"
    assert healthz_url(ServerConfig(host="10.0.0.5", port=80)) == "http://10.0.0.5:80/healthz"


def test_the_image_checks_health_this_way_under_an_init_process() -> None:
    dockerfile = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert 'CMD ["python", "-m", "bot.runtime.healthcheck"]' in dockerfile
    assert 'ENTRYPOINT ["tini", "--", "arxiv-radar"]' in dockerfile
    assert "@sha256:" in dockerfile.split("FROM", 1)[0]  # the base image pinned by digest
    assert "uv sync --locked --no-dev" in dockerfile
