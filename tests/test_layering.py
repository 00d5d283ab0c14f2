"""The core never imports a chat SDK or an adapter; only the CLI composes them."""

from __future__ import annotations

import ast
from pathlib import Path

from bot import plugins
from bot.cli import PLATFORM_COMMANDS

ROOT = Path(__file__).resolve().parents[1]
FORBIDDEN = ("slack_bolt", "slack_sdk", "discord", "handlers.slack", "handlers.discord")
COMPOSITION_ROOTS = {"cli.py", "cli_runtime.py"}


def imported_modules(path: Path, *, top_level_only: bool) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    names: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def is_forbidden(module: str) -> bool:
    return any(module == f or module.startswith(f + ".") for f in FORBIDDEN)


def test_core_and_analysis_never_import_chat_sdks() -> None:
    for package in ("bot", "analysis"):
        for path in sorted((ROOT / package).rglob("*.py")):
            top_only = path.name in COMPOSITION_ROOTS
            bad = {m for m in imported_modules(path, top_level_only=top_only) if is_forbidden(m)}
            assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def imports_handlers(module: str) -> bool:
    return module == "handlers" or module.startswith("handlers.")


def test_core_and_analysis_never_import_the_adapters() -> None:
    """Not even lazily: the CLI finds adapters through the ``arxiv_radar.platforms`` registry."""
    for package in ("bot", "analysis"):
        for path in sorted((ROOT / package).rglob("*.py")):
            bad = {m for m in imported_modules(path, top_level_only=False) if imports_handlers(m)}
            assert not bad, f"{path.relative_to(ROOT)} imports {sorted(bad)}"


def names_a_module(text: str) -> bool:
    """Whether ``text`` (``package.module`` or ``package.module:attr``) names a project module."""
    if not text.startswith("handlers"):
        return False
    path = ROOT.joinpath(*text.split(":")[0].split("."))
    return path.is_dir() or path.with_suffix(".py").is_file()


def test_the_core_names_no_adapter_module() -> None:
    """No module-name string of an adapter in the core (``importlib`` by name)."""
    for package in ("bot", "analysis"):
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            named = {
                node.value
                for node in ast.walk(tree)
                if isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and names_a_module(node.value)
            }
            assert not named, f"{path.relative_to(ROOT)} names {sorted(named)}"


def test_every_platform_offers_its_entry_points() -> None:
    """The registry the CLI loads adapters from: one factory and one online check each."""
    for name in plugins.PLATFORMS:
        assert callable(plugins.load(plugins.ADAPTERS, name)), name
        assert callable(plugins.load(plugins.ONLINE_CHECKS, name)), name
    for command in PLATFORM_COMMANDS:
        assert plugins.load(plugins.COMMANDS, command).name == command


def test_the_adapters_never_import_the_cli() -> None:
    """Adapter CLI commands use :mod:`bot.cli_context`, so nothing imports ``bot.cli`` back."""
    for path in sorted((ROOT / "handlers").rglob("*.py")):
        modules = imported_modules(path, top_level_only=False)
        assert "bot.cli" not in modules, f"{path.relative_to(ROOT)} imports bot.cli"


def test_the_command_vocabulary_is_platform_neutral() -> None:
    modules = imported_modules(ROOT / "bot" / "commands.py", top_level_only=False)
    assert not {m for m in modules if is_forbidden(m)}
