"""Counting tokens without ever touching the network.

tiktoken downloads its encoding files on first use, which fails (or hangs until a
timeout) offline and in CI. It is therefore used only when it is installed *and*
its cache (``$TIKTOKEN_CACHE_DIR``, ``$DATA_GYM_CACHE_DIR`` or the temp-dir
default) already holds the encoding file. Otherwise :func:`estimate_tokens`
counts from the string: one token per CJK character and one per four other
characters (the usual rule of thumb for English text; BPE encodings usually
need fewer tokens than this for Chinese, so the estimate errs on the safe side).
"""

from __future__ import annotations

import hashlib
import math
import os
import re
import tempfile
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

ENCODINGS = ("o200k_base", "cl100k_base")
_ENCODING_URL = "https://openaipublic.blob.core.windows.net/encodings/{name}.tiktoken"
CHARS_PER_TOKEN = 4
_CJK = re.compile(
    "[\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af\uf900-\ufaff\uff00-\uffef]"
)

TokenCounter = Callable[[str], int]


def estimate_tokens(text: str) -> int:
    """The offline estimate: CJK characters count one each, other characters 1/4."""
    cjk = len(_CJK.findall(text))
    return cjk + math.ceil((len(text) - cjk) / CHARS_PER_TOKEN)


def count_tokens(text: str) -> int:
    """Tokens in ``text`` with the best counter available offline."""
    return _counter()[1](text)


def tokenizer_name() -> str:
    """``tiktoken:<encoding>`` or ``estimate``: which counter :func:`count_tokens` uses."""
    return _counter()[0]


def reset() -> None:
    """Forget the chosen counter (after the environment or cache changed)."""
    _counter.cache_clear()


@lru_cache(maxsize=1)
def _counter() -> tuple[str, TokenCounter]:
    for name in ENCODINGS:
        encoder = _cached_tiktoken(name)
        if encoder is not None:
            return f"tiktoken:{name}", encoder
    return "estimate", estimate_tokens


def _cached_tiktoken(name: str) -> TokenCounter | None:
    """A tiktoken counter for ``name`` if its file is already cached, else None."""
    cache_dir = _tiktoken_cache_dir()
    if cache_dir is None:
        return None
    key = hashlib.sha1(_ENCODING_URL.format(name=name).encode()).hexdigest()
    if not (cache_dir / key).is_file():
        return None
    try:
        import tiktoken

        encoding = tiktoken.get_encoding(name)
    except Exception:  # any failure (missing package, bad cache file) means: estimate
        return None
    return lambda text: len(encoding.encode(text, disallowed_special=()))


def _tiktoken_cache_dir() -> Path | None:
    for variable in ("TIKTOKEN_CACHE_DIR", "DATA_GYM_CACHE_DIR"):
        if variable in os.environ:
            value = os.environ[variable]
            return Path(value) if value else None  # "" disables tiktoken's cache
    return Path(tempfile.gettempdir()) / "data-gym-cache"
