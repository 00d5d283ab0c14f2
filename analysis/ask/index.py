"""Passages of each paper version in SQLite FTS5, searched with BM25 (and vectors, if set up).

A paper version is split and indexed once (:meth:`PassageIndex.add`); every
question and channel reuses it. With ``[embeddings]`` configured the passages are
embedded once too (vectors cached in the ``passages`` table) and the lexical
ranking is fused with the vector ranking by reciprocal-rank fusion
(:func:`analysis.ask.fusion.fuse`). SQL lives in :mod:`bot.store.passages`.
"""

from __future__ import annotations

import json
import logging
from collections import OrderedDict
from dataclasses import dataclass

from sqlite_utils import Database

from analysis.ask.fusion import Vectors, fuse, vector_ranking
from analysis.ask.hits import Hit
from analysis.ask.language import words
from analysis.ask.passages import split_document
from analysis.ask.query import Query, build_query, has_cjk, spaced
from analysis.ask.types import Passage
from analysis.document import Document
from analysis.embeddings import embed_texts, enabled
from bot.config import Config
from bot.errors import EmbeddingsError
from bot.store import Store
from bot.store import passages as table
from bot.store.passages import IndexedText, PassageRow, Span

log = logging.getLogger(__name__)

SPLITTER_VERSION = "passages-1"  # change when split_document changes: papers are re-split
CANDIDATES = 40
PAPERS_IN_MEMORY = 16


def doc_key(arxiv_id: str, version: int) -> str:
    return f"{arxiv_id}v{version}"


@dataclass(frozen=True)
class IndexedPaper:
    """A paper version whose passages are in the index."""

    key: str
    arxiv_id: str
    version: int
    document: Document
    latest_version: int
    cjk: bool
    fallback_reason: str | None = None  # why only the abstract was read, if so


@dataclass(frozen=True)
class Retrieval:
    """The relevant passages, best first (empty when the paper is silent), and notes."""

    hits: tuple[Hit, ...]
    warnings: tuple[str, ...] = ()


class PassageIndex:
    """Indexes and searches paper passages; one per process."""

    def __init__(self, store: Store, config: Config) -> None:
        self.store = store
        self.config = config
        self._passages: OrderedDict[str, dict[int, Passage]] = OrderedDict()

    async def paper(self, key: str) -> IndexedPaper | None:
        """The indexed paper under ``key``, or None (also when split by an older splitter)."""
        row = await self.store.run(table.stored_doc, self.store.db, key)
        if row is None or row["splitter"] != SPLITTER_VERSION:
            return None
        return IndexedPaper(
            key=key,
            arxiv_id=row["arxiv_id"],
            version=row["version"],
            document=Document.from_dict(json.loads(row["document"])),
            latest_version=row["latest_version"],
            cjk=bool(row["cjk"]),
            fallback_reason=row["fallback_reason"],
        )

    async def add(
        self,
        arxiv_id: str,
        version: int,
        document: Document,
        latest_version: int,
        fallback_reason: str | None = None,
    ) -> IndexedPaper:
        """Split ``document`` and index its passages under ``arxiv_id`` v``version``."""
        key = doc_key(arxiv_id, version)
        passages = split_document(document)
        paper = IndexedPaper(
            key=key,
            arxiv_id=arxiv_id,
            version=version,
            document=document,
            latest_version=max(latest_version, version),
            cjk=has_cjk(document.all_text()),
            fallback_reason=fallback_reason,
        )
        row = {
            "doc_key": key,
            "arxiv_id": arxiv_id,
            "version": version,
            "splitter": SPLITTER_VERSION,
            "text_source": document.text_source,
            "fallback_reason": fallback_reason,
            "latest_version": paper.latest_version,
            "cjk": int(paper.cjk),
            "document": json.dumps(document.to_dict(), ensure_ascii=False),
            "created": self.store.now(),
        }
        texts = [_indexed(passage) for passage in passages]
        await self.store.run(table.replace_doc, self.store.db, row, texts)
        self._passages.pop(key, None)
        log.info("indexed %s: %d passages", key, len(passages))
        return paper

    async def forget(self, key: str) -> None:
        """Drop a paper version from the index."""
        await self.store.run(table.forget_doc, self.store.db, key)
        self._passages.pop(key, None)

    async def note_latest(self, paper: IndexedPaper, latest: int) -> IndexedPaper:
        """Remember that arXiv's newest version of the paper is ``latest``."""
        if latest <= paper.latest_version:
            return paper
        await self.store.run(table.set_latest_version, self.store.db, paper.key, latest)
        return IndexedPaper(**{**paper.__dict__, "latest_version": latest})

    async def search(self, paper: IndexedPaper, question: str, language: str) -> Retrieval:
        """The passages relevant to ``question``, best first."""
        query = build_query(question, cjk_paper=paper.cjk)
        passages = await self._all_passages(paper.key)
        lexical: list[Hit] = []
        if query.match() and passages:
            span = (min(passages), max(passages))
            found = await self.store.run(_lexical, self.store.db, span, query)
            lexical = [Hit(i, passages[i], c, score) for i, c, score in found if i in passages]
        if not enabled(self.config.embeddings):
            return Retrieval(tuple(lexical))
        try:
            vectors = await self._vectors(paper, passages, question)
        except EmbeddingsError as exc:
            log.warning("%s: embeddings unavailable: %s", paper.key, exc.user_message)
            note = words(language).embeddings_failed.format(reason=exc.reason)
            return Retrieval(tuple(lexical), (note,))
        ranking = vector_ranking(vectors)
        return Retrieval(fuse(lexical, ranking, passages))

    async def _all_passages(self, key: str) -> dict[int, Passage]:
        if key in self._passages:
            self._passages.move_to_end(key)
            return self._passages[key]
        rows = await self.store.run(table.passages_of, self.store.db, key)
        found = {row.id: _passage(row) for row in rows}
        self._passages[key] = found
        while len(self._passages) > PAPERS_IN_MEMORY:
            self._passages.popitem(last=False)
        return found

    async def _vectors(
        self, paper: IndexedPaper, passages: dict[int, Passage], question: str
    ) -> Vectors:
        """The question's vector and every passage's (embedding the missing ones, once)."""
        config = self.config.embeddings
        cached = await self.store.run(table.embeddings, self.store.db, paper.key, config.model)
        missing = [i for i in passages if i not in cached]
        texts = [_embedding_text(passages[i]) for i in missing]
        fresh = await embed_texts(config, [question, *texts])
        new = [(i, Vectors.pack(vector)) for i, vector in zip(missing, fresh[1:], strict=True)]
        if new:
            await self.store.run(table.save_embeddings, self.store.db, config.model, new)
        return Vectors(fresh[0], {**cached, **dict(new)})


def _lexical(db: Database, span: Span, query: Query) -> list[tuple[int, int, float]]:
    """(id, groups covered, BM25) of the relevant candidates, best first; on the DB thread."""
    candidates = table.ranked(db, span, query.match(), CANDIDATES)
    covered = dict.fromkeys((i for i, _ in candidates), 0)
    specific: set[int] = set()
    counted = [group for group in query.groups if group.counts]
    for group in counted:
        for passage_id in table.matching_ids(db, span, group.match()) & covered.keys():
            covered[passage_id] += 1
            if not group.weak:
                specific.add(passage_id)
    needed = query.needed(len(counted)) if counted else len(query.groups) + 1
    relevant = [
        (i, covered[i], score)
        for i, score in candidates
        if covered[i] >= needed and (i in specific or not query.needs_specific())
    ]
    return sorted(relevant, key=lambda hit: (-hit[1], hit[2]))


def _indexed(passage: Passage) -> IndexedText:
    row = {
        "position": passage.position,
        "kind": passage.kind,
        "section_number": passage.section_number,
        "section_title": passage.section_title,
        "label": passage.label,
        "text": passage.text,
    }
    kind_word = passage.kind if passage.kind != "section" else ""
    heading = spaced(f"{kind_word} {passage.label or ''} {passage.heading}".strip())
    return IndexedText(row, heading, spaced(passage.text))


def _passage(row: PassageRow) -> Passage:
    return Passage(
        row.position, row.kind, row.section_number, row.section_title, row.label, row.text
    )


def _embedding_text(passage: Passage) -> str:
    return f"{passage.heading}\n{passage.text}"
