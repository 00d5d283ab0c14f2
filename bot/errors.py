"""The one error hierarchy of the core.

Every subclass of :class:`RadarError` carries ``user_message``: the sentence a
chat user or CLI user sees. Adapters turn these errors into replies; nothing
else should reach a user.
"""

from __future__ import annotations

from bot.redact import redact


class RadarError(Exception):
    """Base of every error arxiv-radar reports to a person."""

    def __init__(self, user_message: str) -> None:
        safe = redact(user_message)  # a secret echoed by a server never reaches a person
        super().__init__(safe)
        self.user_message = safe


class ConfigError(RadarError):
    """The configuration file or environment is invalid."""


class InvalidArxivIdError(RadarError):
    """A user-supplied string is not an arXiv ID or arXiv URL."""


class PaperNotFoundError(RadarError):
    """arXiv has no paper with that ID."""


class FetchError(RadarError):
    """A download from arXiv or another configured endpoint failed.

    ``retryable`` says whether trying again later may succeed.
    """

    def __init__(self, user_message: str, *, retryable: bool = True) -> None:
        super().__init__(user_message)
        self.retryable = retryable


class FeedError(FetchError):
    """A feed could not be fetched or parsed; nothing stored is touched."""


class PdfError(RadarError):
    """A PDF cannot be used; ``reason`` is a short machine-readable code."""

    def __init__(self, user_message: str, *, reason: str) -> None:
        super().__init__(user_message)
        self.reason = reason


class AnalysisError(RadarError):
    """The analysis engine failed (LLM error, invalid output, deadline)."""

    def __init__(self, user_message: str, *, retryable: bool = False) -> None:
        super().__init__(user_message)
        self.retryable = retryable


class BudgetExceededError(RadarError):
    """A daily token or per-user budget is used up."""


class StoreError(RadarError):
    """The SQLite database or the data folder cannot be opened, read or written.

    ``retryable`` says whether the same step may succeed later on its own.
    """

    retryable = False


class StorageBusyError(StoreError):
    """Another program held the database's write lock past the busy timeout."""

    retryable = True


class StorageFullError(StoreError):
    """The disk holding the database, the cache or the reports is full (ENOSPC)."""

    retryable = True


class EmbeddingsError(RadarError):
    """The embeddings endpoint failed; ``reason`` is a short machine-readable code.

    Codes: ``disabled``, ``auth``, ``not_found``, ``rate_limited``, ``timeout``,
    ``unreachable``, ``server_error``, ``rejected``, ``bad_response``.
    """

    def __init__(self, user_message: str, *, reason: str, retryable: bool = False) -> None:
        super().__init__(user_message)
        self.reason = reason
        self.retryable = retryable
