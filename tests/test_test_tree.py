"""The test tree mirrors the code, and no test module imports another."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
TESTS = ROOT / "tests"
# Folders of tests/ that hold no mirrored code: helpers, data, whole-system checks.
OWN_FOLDERS = {"support", "fixtures", "netaudit", "reliability", "__pycache__"}


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


def is_test_module(name: str) -> bool:
    return name.startswith("tests.") and name.rpartition(".")[2].startswith("test_")


def test_no_module_imports_a_test_module() -> None:
    """Shared builders and fakes live in tests/support/, so test modules stay independent."""
    for path in sorted([*TESTS.rglob("*.py"), *(ROOT / "benchmarks").rglob("*.py")]):
        bad = sorted(name for name in imported(path) if is_test_module(name))
        assert not bad, f"{path.relative_to(ROOT)} imports {bad}"


def test_every_test_folder_mirrors_a_package() -> None:
    for folder in sorted(p for p in TESTS.rglob("*") if p.is_dir()):
        relative = folder.relative_to(TESTS)
        if relative.parts[0] in OWN_FOLDERS or "__pycache__" in relative.parts:
            continue
        assert (ROOT / relative).is_dir(), f"tests/{relative} mirrors no folder of the code"
        assert (folder / "__init__.py").is_file(), f"tests/{relative} needs an __init__.py"
