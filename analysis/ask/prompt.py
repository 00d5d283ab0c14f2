"""The question prompt: templates next to this module (``prompts/*.md``) and their version.

Untrusted text (title, overview, earlier turns, passages, the question) goes
inside its own tag; any tag of ours written inside it is neutralised
(:func:`fence`), so it cannot close the data early. :data:`ASK_PROMPT_VERSION`
changes with any template or the answer schema, and with it the answer cache key.
"""

from __future__ import annotations

import hashlib
import json
import re
from functools import cache
from importlib import resources
from string import Template

from analysis.ask.answer_schema import answer_schema

_PACKAGE = "analysis.ask"
_TAG = re.compile(
    r"<(\s*/?\s*(?:overview|conversation|passages|question|paper|turn)\b[^>]*)>", re.IGNORECASE
)


@cache
def _template(name: str) -> Template:
    text = resources.files(_PACKAGE).joinpath("prompts", f"{name}.md").read_text(encoding="utf-8")
    return Template(text)


def render(name: str, **values: object) -> str:
    """Fill ``prompts/<name>.md``; a missing value is an error."""
    return _template(name).substitute(**values).strip()


def fence(text: str) -> str:
    """Untrusted text whose ``<question>``-like tags cannot close or open our data blocks."""
    return _TAG.sub(r"&lt;\1>", text)


def _version() -> str:
    digest = hashlib.sha256()
    folder = resources.files(_PACKAGE).joinpath("prompts")
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".md"):
            digest.update(f"{entry.name}\0{entry.read_text(encoding='utf-8')}\0".encode())
    digest.update(json.dumps(answer_schema(), sort_keys=True).encode())
    return "ask-" + digest.hexdigest()[:12]


ASK_PROMPT_VERSION = _version()
