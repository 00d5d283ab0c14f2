"""The import directions of the house.

kernel <- storage and arXiv <- analysis <- use cases <- runtime and CLI <- handlers;
the core never imports a chat SDK or an adapter, and finds adapters by entry point.
"""

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


# The layers of the house, lowest first; a module imports only from its own layer or
# below (imports for type checking alone are exempt). Every module must be placed.
KERNEL = {
    *("bot", "bot.errors", "bot.models", "bot.ids", "bot.config", "bot.commands"),
    *("bot.platform", "bot.taxonomy", "bot.matching", "bot.logs", "bot.log_noise"),
    *("bot.sanitize", "bot.redact", "bot.links", "bot.commonmark"),
}
STORAGE_AND_ARXIV = {
    "bot.arxiv",
    "bot.feeds",
    "bot.http",
    "bot.files",
    "bot.usage",
    "bot.supervise",
    "bot.limits",
}
USE_CASES = {
    *("bot.service", "bot.announce", "bot.posting", "bot.workers", "bot.scheduler"),
    *("bot.digest", "bot.poll", "bot.cards", "bot.report", "bot.repeats", "bot.uploads"),
    *("bot.progress", "bot.health", "bot.health_state", "bot.questions"),
    "bot.answering",
}
RUNTIME_AND_CLI = {
    *("bot.runtime", "bot.cli", "bot.cli_context", "bot.cli_runtime", "bot.radar"),
    *("bot.plugins", "bot.__main__", "bot.preflight", "bot.online", "bot.healthcheck"),
    "analysis.cli",
    "analysis.ask.cli",
}
LAYERS = ("kernel", "storage and arXiv", "analysis", "use cases", "runtime and CLI", "handlers")


def layer(module: str) -> int | None:
    """The index in :data:`LAYERS` of ``module``, or None when it has not been placed."""
    placed = [
        module in KERNEL,
        module.startswith("bot.store") or module in STORAGE_AND_ARXIV,
        module.startswith("analysis") and module not in RUNTIME_AND_CLI,
        module in USE_CASES,
        module in RUNTIME_AND_CLI,
        module == "handlers" or module.startswith("handlers."),
    ]
    return placed.index(True) if True in placed else None


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def runtime_imports(path: Path, modules: set[str]) -> set[str]:
    """The project modules ``path`` imports, leaving out ``if TYPE_CHECKING:`` blocks."""
    found: set[str] = set()

    def owner(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            return
        if isinstance(node, ast.Import):
            found.update(m for a in node.names if (m := owner(a.name)))
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.update(m for a in node.names if (m := owner(f"{node.module}.{a.name}")))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return found


def test_every_module_imports_only_its_layer_or_lower() -> None:
    paths = {
        module_name(p): p
        for package in ("bot", "analysis", "handlers")
        for p in (ROOT / package).rglob("*.py")
    }
    unplaced = sorted(m for m in paths if layer(m) is None)
    assert not unplaced, f"place these modules in a layer: {unplaced}"
    upward = [
        f"{module} ({LAYERS[layer(module) or 0]}) imports {target} ({LAYERS[layer(target) or 0]})"
        for module, path in sorted(paths.items())
        for target in sorted(runtime_imports(path, set(paths)))
        if (layer(target) or 0) > (layer(module) or 0)
    ]
    assert not upward, "\n".join(upward)


def test_the_layer_check_sees_an_upward_import() -> None:
    assert layer("bot.store.jobs") == LAYERS.index("storage and arXiv")
    assert layer("analysis.cli") == LAYERS.index("runtime and CLI")
    assert (layer("bot.service") or 0) > (layer("analysis.pipeline") or 0)
    assert layer("bot.new_module") is None
