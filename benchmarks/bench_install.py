"""Installed size of a fresh environment built from uv.lock, as a user or the image gets it.

Run: ``.venv/bin/python benchmarks/bench_install.py``.

``uv sync --locked --no-dev --no-editable --compile-bytecode`` into a temporary
environment (what the Dockerfile does; packages come from PyPI or uv's cache),
then prints its size, the largest installed packages, and whether anything of
PyMuPDF's layout stack (pymupdf_layout, pymupdf4llm, onnxruntime, numpy,
networkx) can be imported there.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYOUT_STACK = ("pymupdf_layout", "pymupdf4llm", "onnxruntime", "numpy", "networkx")
PROBE = (
    "import importlib.util, sys; print(*[m for m in sys.argv[1:] if importlib.util.find_spec(m)])"
)
MB = 1024 * 1024


def size(path: Path) -> int:
    """Bytes of the regular files under ``path``."""
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def main() -> int:
    uv = Path(sys.executable).with_name("uv")
    if not uv.is_file():
        sys.exit(f"uv is not installed beside {sys.executable} (run make install)")
    with tempfile.TemporaryDirectory() as tmp:
        venv = Path(tmp) / "venv"
        subprocess.run(
            [str(uv), "sync", "--locked", "--no-dev", "--no-editable", "--compile-bytecode"],
            cwd=ROOT,
            env={**os.environ, "UV_PROJECT_ENVIRONMENT": str(venv)},
            check=True,
            capture_output=True,
        )
        site = next(venv.glob("lib/python*/site-packages"))
        packages = sorted(
            ((size(p), p.name) for p in site.iterdir() if p.is_dir() and "dist-info" not in p.name),
            reverse=True,
        )
        found = subprocess.run(
            [str(venv / "bin" / "python"), "-c", PROBE, *LAYOUT_STACK],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.split()
        print(f"fresh environment from uv.lock (no dev tools): {size(venv) / MB:.0f} MB")
        print("largest packages: " + ", ".join(f"{n} {b / MB:.0f} MB" for b, n in packages[:6]))
        print(f"layout stack importable: {', '.join(found) if found else 'none'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
