"""The LLM engine as the pipeline holds it: openai is imported only to analyse.

The label and version are all that a cache look-up needs, so ``analyze`` on a
cached paper (and every command that only names the engine) never loads the
openai client; :class:`analysis.engines.llm.LlmEngine` is built on the first analysis.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from analysis import prompts
from analysis.choices import EngineKind, llm_label
from analysis.document import Document
from analysis.schema import EngineResult, Subject
from bot.kernel.config import LlmConfig

if TYPE_CHECKING:
    from analysis.engines.llm import LlmEngine


class DeferredLlmEngine:
    """An :class:`~analysis.schema.Engine` that builds the real LLM engine when it analyses."""

    def __init__(self, config: LlmConfig, api_key: str) -> None:
        self.config = config
        self._api_key = api_key
        self._engine: LlmEngine | None = None

    kind = EngineKind.LLM

    @property
    def label(self) -> str:
        return llm_label(self.config.model)

    @property
    def version(self) -> str:
        return prompts.PROMPT_VERSION

    async def analyze(self, document: Document, subject: Subject) -> EngineResult:
        if self._engine is None:
            from analysis.engines.llm import LlmEngine

            self._engine = LlmEngine(self.config, self._api_key)
        return await self._engine.analyze(document, subject)
