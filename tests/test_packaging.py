"""The install is lean and reproducible: PyMuPDF without its layout stack, from uv.lock."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import re
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# What the full `pymupdf` package pulls in and arxiv-radar never uses.
LAYOUT_STACK = ("pymupdf_layout", "pymupdf4llm", "onnxruntime", "numpy", "networkx")
UNBOUNDED = {"tzdata"}  # calendar-versioned time zone data: every release is compatible


def pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def requirement_name(requirement: str) -> str:
    match = re.match(r"[A-Za-z0-9._-]+", requirement)
    assert match, requirement
    return re.sub(r"[-_.]+", "-", match.group()).lower()


@pytest.mark.parametrize("module", LAYOUT_STACK)
def test_nothing_of_the_layout_stack_is_installed(module: str) -> None:
    assert importlib.util.find_spec(module) is None, f"{module} is importable"


def test_pymupdf_comes_from_pymupdf_lite() -> None:
    assert importlib.util.find_spec("pymupdf") is not None
    assert importlib.metadata.distribution("pymupdf-lite").requires in (None, [])
    with pytest.raises(importlib.metadata.PackageNotFoundError):
        importlib.metadata.distribution("pymupdf")


def test_the_lock_has_no_layout_stack_and_pins_every_dependency() -> None:
    lock = tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))
    locked = {package["name"]: package.get("version") for package in lock["package"]}
    forbidden = {requirement_name(m) for m in LAYOUT_STACK} | {"pymupdf", "pymupdf-layout"}
    assert forbidden.isdisjoint(locked)
    for requirement in pyproject()["project"]["dependencies"]:
        assert locked.get(requirement_name(requirement)), f"{requirement} is not in uv.lock"


def test_dependencies_have_compatible_ranges() -> None:
    for requirement in pyproject()["project"]["dependencies"]:
        if requirement_name(requirement) not in UNBOUNDED:
            assert ">=" in requirement, requirement
            assert "<" in requirement.replace("<=", ""), requirement


def test_metrics_are_part_of_every_install_and_dev_tools_are_not_published() -> None:
    project = pyproject()["project"]
    names = {requirement_name(r) for r in project["dependencies"]}
    assert "prometheus-client" in names
    assert importlib.util.find_spec("prometheus_client") is not None
    assert "optional-dependencies" not in project
    dev = {requirement_name(r) for r in pyproject()["dependency-groups"]["dev"]}
    assert {"pytest", "ruff", "mypy"} <= dev
    assert names.isdisjoint(dev)


def test_the_sdist_ships_the_example_config() -> None:
    manifest = (ROOT / "MANIFEST.in").read_text(encoding="utf-8").splitlines()
    assert "include config.example.toml" in manifest


def test_user_docs_link_only_to_files_shipped_with_the_project() -> None:
    link = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")
    for doc in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        text = doc.read_text(encoding="utf-8")
        assert "../shared" not in text, f"{doc.name} points outside the repository"
        prose = re.sub(r"`[^`]*`", "", re.sub(r"```.*?```", "", text, flags=re.DOTALL))
        for target in link.findall(prose):
            if "://" not in target and not target.startswith("mailto:"):
                assert (doc.parent / target).exists(), f"{doc.name}: broken link {target}"


def test_make_ci_and_the_image_install_the_locked_uv() -> None:
    lock = tomllib.loads((ROOT / "uv.lock").read_text(encoding="utf-8"))
    locked = next(p["version"] for p in lock["package"] if p["name"] == "uv")
    makefile = re.search(r"^UV_VERSION := (\S+)$", (ROOT / "Makefile").read_text(), re.MULTILINE)
    dockerfile = re.search(r"pip install .*\buv==(\S+)", (ROOT / "Dockerfile").read_text())
    assert makefile
    assert dockerfile
    assert makefile.group(1) == dockerfile.group(1) == locked
