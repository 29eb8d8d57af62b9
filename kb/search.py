"""Search: plan a query (terms, filters, weights), then run it lexically, densely or as a hybrid.

The searcher works on a snapshot of the live chunks (`ChunkTable`) taken from the registry in one
read and rebuilt whenever the registry's generation changes, so a document is seen either fully old
or fully new. Filters become a boolean mask over the snapshot's rows, applied to the lexical scores
directly and to dense results after (or, when selective, before) the vector query.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np

from kb.analysis import Analyzer
from kb.embedding import FUSION
from kb.errors import UsageError
from kb.fusion import Weights, deduplicate, fuse, top_k
from kb.highlight import make_snippet, match_spans
from kb.hits import Hit
from kb.knowledge_base import KnowledgeBase
from kb.lexical import LexicalIndex
from kb.matrix import VectorMatrix
from kb.records import Chunk, DocumentRecord
from kb.vectors import ModelMismatch
from kb.vocabulary import DOC_TYPES, STAKEHOLDERS

Mode = Literal["hybrid", "dense", "lexical"]
MODES: tuple[Mode, ...] = ("hybrid", "dense", "lexical")
CANDIDATES = 100  # per signal, before fusion
MASK_CACHE = 32  # filter masks kept per snapshot
# Where a document's title counts: a separate, lighter field (Weights.title) or inside every chunk's
# text (the first design; measured in benchmarks/fusion_cv.py). The cache folder names the design.
TITLE_IN_TEXT = False
BROAD_FILTER = 0.5  # a filter allowing at least this share of chunks: over-fetch from HNSW, then mask
# Up to this many chunks an open dense query is answered exactly from the memory-mapped vector copy
# (one product over the matrix; at 100k chunks it is as fast as Chroma's HNSW, see README) and Chroma
# is not even opened; larger indexes use HNSW, which reads only part of the vectors per query.
EXACT_DENSE_MAX = 250_000
MAX_QUERY_CHARS = 2_000


class SearchError(UsageError, ValueError):
    """The search request cannot be run as given."""


class UnknownFilterValue(SearchError):
    def __init__(self, field_name: str, value: str, allowed: Sequence[str]) -> None:
        shown = ", ".join(allowed[:25]) + (f", … ({len(allowed)} in all)" if len(allowed) > 25 else "")
        super().__init__(f"unknown {field_name} {value!r}; allowed: {shown}")
        self.field = field_name
        self.value = value
        self.allowed = tuple(allowed)


@dataclass(frozen=True)
class Filters:
    """What to search among. Empty tuples and None mean no restriction."""

    doc_types: tuple[str, ...] = ()
    stakeholders: tuple[str, ...] = ()
    organisations: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    languages: tuple[str, ...] = ()
    doc_ids: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return self == Filters()


@dataclass(frozen=True)
class SearchPlan:
    """What a search will do, inspectable before it runs."""

    query: str
    mode: Mode
    k: int
    terms: dict[str, float]
    filters: Filters
    weights: Weights
    candidates: int


@dataclass
class ChunkTable:
    """A consistent snapshot of the live chunks, their documents and the lexical index."""

    generation: int
    chunk_ids: list[str]
    chunks: list[Chunk]
    doc_rows: np.ndarray  # document index per chunk row
    documents: list[DocumentRecord]
    lexical: LexicalIndex  # headings and text of each chunk
    matrix: VectorMatrix
    titles: LexicalIndex | None = None  # one row per document: its title, a lighter field of every chunk
    row_of: dict[str, int] = field(default_factory=dict)
    span_list: list[tuple[str, int, int]] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    allowed_values: dict[str, list[str]] = field(default_factory=dict)
    masks: dict[Filters, np.ndarray] = field(default_factory=dict)  # recent filters (a user keeps theirs)

    def __post_init__(self) -> None:
        self.row_of = {chunk_id: row for row, chunk_id in enumerate(self.chunk_ids)}
        self.span_list = [
            (self.documents[d].doc_id, c.char_start, c.char_end)
            for d, c in zip(self.doc_rows, self.chunks, strict=True)
        ]
        self.texts = [c.text for c in self.chunks]
        metas = [d.metadata for d in self.documents]
        self.allowed_values = {
            "doc_type": list(DOC_TYPES),
            "stakeholder": list(STAKEHOLDERS),
            "organisation": sorted({m.organisation for m in metas if m.organisation}),
            "language": sorted({m.language for m in metas}),
            "doc_id": sorted(m.doc_id for m in metas),
        }

    def spans(self) -> list[tuple[str, int, int]]:
        return self.span_list


class Searcher:
    """Runs searches over one knowledge base."""

    def __init__(self, kb: KnowledgeBase, analyzer: Analyzer | None = None, weights: Weights | None = None) -> None:
        self.kb = kb
        self.analyzer = analyzer or Analyzer()
        self.weights = weights or FUSION.get(kb.embedder.name, Weights())
        self._table: ChunkTable | None = None
        self._lock = threading.Lock()

    # --- the snapshot ----------------------------------------------------------------------------
    def table(self) -> ChunkTable:
        generation = self.kb.registry.generation()
        with self._lock:
            if self._table is None or self._table.generation != generation:
                self._table = self._load_table(generation)
            return self._table

    def _load_table(self, generation: int) -> ChunkTable:
        recorded = self.kb.registry.vector_model()
        if recorded is not None and recorded != self.kb.embedder.name:  # `vkb reindex` ran in another process
            raise ModelMismatch(
                f"the index was re-embedded with {recorded!r} while this process uses {self.kb.embedder.name!r}; "
                "restart vkb (the app) with the index's model"
            )
        documents = self.kb.documents()
        index_of = {record.doc_id: i for i, record in enumerate(documents)}
        live = self.kb.registry.live_chunks()
        live = [(cid, doc_id, chunk) for cid, doc_id, chunk in live if doc_id in index_of]
        chunk_ids = [cid for cid, _, _ in live]
        doc_rows = np.array([index_of[doc_id] for _, doc_id, _ in live], dtype=np.int32)
        chunks = [chunk for _, _, chunk in live]
        design = "t" if TITLE_IN_TEXT else "f"
        folder = Path(self.kb.settings.index).expanduser() / "lexical" / f"g{generation}-{design}"
        lexical = None
        if folder.exists():
            try:
                lexical = LexicalIndex.load(folder)
            except (OSError, ValueError):
                lexical = None
            if lexical is not None and lexical.chunk_ids != chunk_ids:
                lexical = None
        if lexical is None:
            texts = [self._lexical_text(documents[d], c) for d, c in zip(doc_rows, chunks, strict=True)]
            lexical = LexicalIndex.build(chunk_ids, [self.analyzer.terms(t) for t in texts])
            self._save_lexical(lexical, folder)
        matrix = self._load_matrix(folder, chunk_ids)
        titles = LexicalIndex.build(
            [d.doc_id for d in documents], [self.analyzer.terms(d.metadata.title) for d in documents]
        )
        return ChunkTable(generation, chunk_ids, chunks, doc_rows, documents, lexical, matrix, titles)

    def _load_matrix(self, folder: Path, chunk_ids: list[str]) -> VectorMatrix:
        try:
            matrix = VectorMatrix.load(folder)
            if matrix.chunk_ids == chunk_ids:
                return matrix
        except (OSError, ValueError):
            pass
        previous = self._table.matrix if self._table is not None else None
        matrix = VectorMatrix.build(chunk_ids, self.kb.chunk_vectors, previous)
        try:
            matrix.save(folder)
            return VectorMatrix.load(folder)  # memory-mapped: pages are read as queries touch them
        except OSError:
            return matrix  # a read-only index folder: keep the copy in memory

    @staticmethod
    def _lexical_text(document: DocumentRecord, chunk: Chunk) -> str:
        # As a field of its own (ChunkTable.titles) the title cannot lift every chunk of a matching
        # document alike over the passage that answers.
        title = [document.metadata.title] if TITLE_IN_TEXT else []
        return "\n".join([*title, *chunk.heading_path, chunk.text])

    @staticmethod
    def _save_lexical(lexical: LexicalIndex, folder: Path) -> None:
        try:
            lexical.save(folder)
            for old in folder.parent.iterdir():
                if old.name != folder.name and not old.name.endswith(".tmp"):
                    shutil.rmtree(old, ignore_errors=True)
        except OSError:
            pass  # a read-only index folder: the index still works, it is rebuilt per process

    # --- planning ---------------------------------------------------------------------------------
    def plan(self, query: str, *, k: int = 10, filters: Filters | None = None, mode: Mode = "hybrid") -> SearchPlan:
        if mode not in MODES:
            raise SearchError(f"unknown search mode {mode!r}; choose one of {', '.join(MODES)}")
        if not 1 <= k <= 1000:
            raise SearchError("k must be between 1 and 1000")
        filters = filters or Filters()
        self.validate(filters)
        query = " ".join(query.split())[:MAX_QUERY_CHARS]
        return SearchPlan(
            query, mode, k, self.analyzer.query_terms(query), filters, self.weights, max(CANDIDATES, 3 * k)
        )

    def validate(self, filters: Filters) -> None:
        """Raise `UnknownFilterValue` for any value that cannot match (listing the allowed ones)."""
        if filters.empty:
            return
        allowed = self.table().allowed_values
        checks = [
            ("doc_type", filters.doc_types),
            ("stakeholder", filters.stakeholders),
            ("organisation", filters.organisations),
            ("language", filters.languages),
            ("doc_id", filters.doc_ids),
        ]
        for name, values in checks:
            for value in values:
                if value not in allowed[name]:
                    raise UnknownFilterValue(name, value, allowed[name])
        if filters.year_from is not None and filters.year_to is not None and filters.year_from > filters.year_to:
            raise SearchError(f"year range is empty: {filters.year_from}–{filters.year_to}")

    def mask(self, table: ChunkTable, filters: Filters) -> np.ndarray | None:
        """Boolean row mask for the filters, or None for no restriction."""
        if filters.empty:
            return None
        cached = table.masks.get(filters)
        if cached is not None:
            return cached
        allowed_docs = np.array([_matches(d, filters) for d in table.documents], dtype=bool)
        mask = allowed_docs[table.doc_rows] if len(allowed_docs) else np.zeros(len(table.chunk_ids), dtype=bool)
        mask.setflags(write=False)
        if len(table.masks) >= MASK_CACHE:
            table.masks.pop(next(iter(table.masks)))
        table.masks[filters] = mask
        return mask

    # --- running ----------------------------------------------------------------------------------
    def search(self, query: str, *, k: int = 10, filters: Filters | None = None, mode: Mode = "hybrid") -> list[Hit]:
        return self.run(self.plan(query, k=k, filters=filters, mode=mode))

    def run(self, plan: SearchPlan) -> list[Hit]:
        table = self.table()
        if not table.chunk_ids or not plan.query:
            return []
        mask = self.mask(table, plan.filters)
        lexical: dict[int, float] = {}
        dense: dict[int, float] = {}
        if plan.mode in ("lexical", "hybrid"):
            scores = table.lexical.scores(plan.terms)
            if table.titles is not None and plan.weights.title and not TITLE_IN_TEXT:
                scores = scores + plan.weights.title * table.titles.scores(plan.terms)[table.doc_rows]
            lexical = {row: float(scores[row]) for row in top_k(scores, plan.candidates, mask)}
        if plan.mode in ("dense", "hybrid"):
            # (encoding on a second thread while the lexical side runs was measured: slower at p95 on 2 cores)
            vector = self.kb.embedder.embed_query(plan.query)
            dense = self._dense(table, plan.candidates, mask, vector)
            if plan.mode == "hybrid" and lexical:  # exact similarity for every lexical candidate
                rows = list(lexical)
                exact = table.matrix.similarities(vector, rows)
                dense = {**{row: max(0.0, float(s)) for row, s in zip(rows, exact, strict=True)}, **dense}
        if plan.mode == "lexical":
            ranked = sorted(lexical.items(), key=lambda item: (-item[1], item[0]))
        elif plan.mode == "dense":
            ranked = sorted(dense.items(), key=lambda item: (-item[1], item[0]))
        else:
            ranked = fuse(lexical, dense, plan.weights)
        score_of = dict(ranked)
        rows = deduplicate([row for row, _ in ranked], table.span_list, table.texts, plan.k)
        return [
            self._hit(table, rank, row, score_of[row], lexical.get(row, 0.0), dense.get(row, 0.0), plan)
            for rank, row in enumerate(rows, start=1)
        ]

    def _dense(self, table: ChunkTable, n: int, mask: np.ndarray | None, vector: np.ndarray) -> dict[int, float]:
        """The n nearest allowed chunks: exact over the vector copy (embedded Chroma, or few allowed rows),
        else Chroma's HNSW index on the server.

        An embedded Chroma client is never queried by readers: its in-memory HNSW index goes stale when
        another process (a `vkb ingest` beside the app) writes, and then fails ("Error finding id") or
        returns deleted chunks. The exact product costs more (24 ms p50 for 100k chunks of 384
        dimensions on 2 busy cores, against about 2 ms for HNSW) but sees exactly the registry's
        generation. A Chroma server is one process for all clients, so its HNSW index stays current."""
        allowed = int(mask.sum()) if mask is not None else len(table.chunk_ids)
        if allowed == 0:
            return {}
        if len(table.chunk_ids) <= EXACT_DENSE_MAX:
            every = np.ones(len(table.chunk_ids), dtype=bool) if mask is None else mask
            return self._exact(table, vector, every, n)
        share = allowed / len(table.chunk_ids)
        if not self.kb.settings.chroma_url:
            every = np.ones(len(table.chunk_ids), dtype=bool)
            return self._exact(table, vector, mask if mask is not None else every, n)
        if mask is not None and share < BROAD_FILTER:  # exact among the allowed rows, faster than a Chroma filter
            return self._exact(table, vector, mask, n)
        fetch = n if mask is None else int(n / share) + 40  # a broad filter: over-fetch, then mask
        matches = self.kb.vectors.query(vector, min(fetch, len(table.chunk_ids)))
        found: dict[int, float] = {}
        for match in matches:
            row = table.row_of.get(match.chunk_id)  # stale versions and unknown ids are skipped
            if row is None or (mask is not None and not mask[row]):
                continue
            found[row] = max(0.0, 1.0 - match.distance)
            if len(found) >= n:
                break
        if mask is not None and len(found) < min(n, allowed):  # the filter excluded too many after all
            return self._exact(table, vector, mask, n)
        return found

    @staticmethod
    def _exact(table: ChunkTable, vector: np.ndarray, mask: np.ndarray, n: int) -> dict[int, float]:
        return {row: max(0.0, s) for row, s in table.matrix.nearest(vector, np.flatnonzero(mask), n)}

    def _hit(
        self, table: ChunkTable, rank: int, row: int, score: float, lexical: float, dense: float, plan: SearchPlan
    ) -> Hit:
        chunk = table.chunks[row]
        document = table.documents[int(table.doc_rows[row])]
        meta = document.metadata
        spans = match_spans(chunk.text, plan.terms, self.analyzer)
        return Hit(
            rank=rank,
            score=round(score, 6),
            chunk_id=table.chunk_ids[row],
            doc_id=meta.doc_id,
            title=meta.title,
            organisation=meta.organisation,
            doc_type=meta.doc_type,
            stakeholder=meta.stakeholder,
            date=meta.date,
            source_path=meta.source_path,
            page=chunk.page,
            char_start=chunk.char_start,
            char_end=chunk.char_end,
            heading_path=chunk.heading_path,
            text=chunk.text,
            snippet=make_snippet(chunk.text, spans),
            lexical_score=round(lexical, 6),
            dense_score=round(dense, 6),
            ocr=chunk.page is not None and chunk.page in document.ocr_pages,
        )

    def similar(self, hit: Hit, *, k: int = 5) -> list[Hit]:
        """Passages like this one (its own text as a hybrid query), from anywhere but the passage itself."""
        plan = self.plan(hit.text, k=k + 5, mode="hybrid")
        hits = [
            h
            for h in self.run(plan)
            if not (h.doc_id == hit.doc_id and h.char_start < hit.char_end and hit.char_start < h.char_end)
        ]
        return [Hit(**{**h.__dict__, "rank": i}) for i, h in enumerate(hits[:k], start=1)]


def _matches(document: DocumentRecord, filters: Filters) -> bool:
    meta = document.metadata
    if filters.doc_types and meta.doc_type not in filters.doc_types:
        return False
    if filters.stakeholders and meta.stakeholder not in filters.stakeholders:
        return False
    if filters.organisations and meta.organisation not in filters.organisations:
        return False
    if filters.languages and meta.language not in filters.languages:
        return False
    if filters.doc_ids and meta.doc_id not in filters.doc_ids:
        return False
    year = meta.year
    if filters.year_from is not None and (year is None or year < filters.year_from):
        return False
    return not (filters.year_to is not None and (year is None or year > filters.year_to))


def document_counts(documents: Sequence[DocumentRecord]) -> dict[str, dict[str, int]]:
    """How many documents carry each doc_type, stakeholder, organisation and year: the filters' counts."""
    counts: dict[str, dict[str, int]] = {"doc_type": {}, "stakeholder": {}, "organisation": {}, "year": {}}
    for document in documents:
        meta = document.metadata
        values = {"doc_type": meta.doc_type, "stakeholder": meta.stakeholder, "organisation": meta.organisation,
                  "year": str(meta.year) if meta.year else None}  # fmt: skip
        for name, value in values.items():
            if value:
                counts[name][value] = counts[name].get(value, 0) + 1
    return counts
