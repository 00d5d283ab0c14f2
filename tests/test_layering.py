"""The core never imports a chat SDK or an adapter; only the CLI composes them."""

from __future__ import annotations

import ast
from pathlib import Path

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


def test_the_chat_grammar_is_platform_neutral() -> None:
    modules = imported_modules(ROOT / "handlers" / "commands.py", top_level_only=False)
    assert not {m for m in modules if is_forbidden(m)}
