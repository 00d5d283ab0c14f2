"""The chat platforms, found through package entry points rather than module names.

Each adapter package declares what it offers in ``pyproject.toml``; the core asks
for it by platform (or command) name and never names or imports an adapter
module itself. Loading an entry point imports only the module it points at.
"""

from __future__ import annotations

from importlib.metadata import entry_points
from typing import Any

from bot.kernel.errors import ConfigError

PLATFORMS = ("slack", "discord")  # also the names of their config tables
ADAPTERS = "arxiv_radar.adapters"  # platform -> create_adapter(config, service) -> Adapter
ONLINE_CHECKS = "arxiv_radar.online_checks"  # platform -> async check_connection(config) -> str
COMMANDS = "arxiv_radar.commands"  # CLI command name -> click.Command


def load(group: str, name: str) -> Any:
    """The object entry point ``name`` of ``group`` names (importing its module)."""
    found = entry_points(group=group, name=name)
    for entry in found:
        return entry.load()
    raise ConfigError(
        f"arxiv-radar has no {name!r} in {group}: reinstall the package (make install)."
    )
