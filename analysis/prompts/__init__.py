"""Prompt templates, stored as files next to this module, and their version.

Templates use :class:`string.Template` placeholders (``$name``) so JSON braces in
them need no escaping. :data:`PROMPT_VERSION` is a hash of every template and of
the answer schema: editing either changes the analysis cache key.
"""

from __future__ import annotations

import hashlib
import json
from functools import cache
from importlib import resources
from string import Template

from analysis.schema import LlmAnswer, strict_json_schema

_PACKAGE = "analysis.prompts"


def _files() -> dict[str, str]:
    folder = resources.files(_PACKAGE)
    return {
        entry.name: entry.read_text(encoding="utf-8")
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".md")
    }


@cache
def template(name: str) -> Template:
    """The template in ``<name>.md``."""
    return Template(resources.files(_PACKAGE).joinpath(f"{name}.md").read_text(encoding="utf-8"))


def render(name: str, **values: object) -> str:
    """Fill ``<name>.md``; a missing value is an error, not a silent ``$name``."""
    return template(name).substitute(**values).strip()


def _version() -> str:
    digest = hashlib.sha256()
    for name, text in _files().items():
        digest.update(f"{name}\0{text}\0".encode())
    digest.update(json.dumps(strict_json_schema(LlmAnswer), sort_keys=True).encode())
    return "p-" + digest.hexdigest()[:12]


PROMPT_VERSION = _version()
