"""Search: plan a query (terms, filters, weights), then run it with the mode's signals and fuse them.

The searcher works on a snapshot of the live chunks (`ChunkTable`) taken from the registry in one
read and rebuilt whenever the registry's generation changes, so a document is seen either fully old
or fully new. Filters (`kb.document_filters`) become a boolean mask over the snapshot's rows; each
signal (`kb.signals`: lexical, dense, …) returns its best allowed rows, scores the rows the others
found where it can, and `kb.fusion.fuse` ranks them together.
"""

from __future__ import annotations

import contextlib
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np

from kb.analysis import Analyzer
from kb.chunk_table import ChunkTable
from kb.document_filters import Filters, SearchError, UnknownFilterValue, document_counts, matches, validate
from kb.embedding import FUSION, LatentEncoder
from kb.fusion import SignalScores, Weights, deduplicate, fuse
from kb.highlight import make_snippet, match_spans
from kb.hits import Hit
from kb.knowledge_base import KnowledgeBase
from kb.latent_terms import LatentMatrix
from kb.layout import IndexLayout
from kb.lexical import LexicalIndex
from kb.matrix import VectorMatrix
from kb.records import Chunk, DocumentRecord
from kb.signals import SIGNALS, QueryContext, Scores, Signal, SignalFactory
from kb.temp_files import sweep
from kb.vectors import ModelMismatch

__all__ = [
    "MODES",
    "ChunkTable",
    "Filters",
    "Mode",
    "SearchError",
    "SearchPlan",
    "Searcher",
    "UnknownFilterValue",
    "document_counts",
]

Mode = Literal["hybrid", "dense", "lexical"]
MODES: tuple[Mode, ...] = ("hybrid", "dense", "lexical")
SINGLE = {"lexical": "lexical", "dense": "dense"}  # the one signal a single-signal mode uses
CANDIDATES = 100  # per signal, before fusion
MASK_CACHE = 32  # filter masks kept per snapshot
# Where a document's title counts: a separate, lighter field (Weights.title) or inside every chunk's
# text (the first design; measured in benchmarks/fusion_cv.py). The cache folder names the design.
TITLE_IN_TEXT = False
MAX_QUERY_CHARS = 2_000


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


class Searcher:
    """Runs searches over one knowledge base."""

    def __init__(
        self,
        kb: KnowledgeBase,
        analyzer: Analyzer | None = None,
        weights: Weights | None = None,
        signals: tuple[SignalFactory, ...] = SIGNALS,
    ) -> None:
        self.kb = kb
        self.analyzer = analyzer or Analyzer()
        self.weights = weights or FUSION.get(kb.embedder.name, Weights())
        self.signals: tuple[Signal, ...] = tuple(make(kb) for make in signals)
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
        folder = IndexLayout.at(self.kb.settings.index).search_cache / f"g{generation}-{design}"
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
        latent = self._load_latent(folder, chunk_ids)
        titles = None
        if not TITLE_IN_TEXT:
            titles = LexicalIndex.build(
                [d.doc_id for d in documents], [self.analyzer.terms(d.metadata.title) for d in documents]
            )
        return ChunkTable(generation, chunk_ids, chunks, doc_rows, documents, lexical, matrix, titles, latent)

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

    def _load_latent(self, folder: Path, chunk_ids: list[str]) -> LatentMatrix | None:
        """The chunks' latent terms, for a model that makes them (saved beside the vector copy)."""
        embedder = self.kb.embedder
        if not isinstance(embedder, LatentEncoder):
            return None
        try:
            latent = LatentMatrix.load(folder)
            if latent.chunk_ids == chunk_ids:
                return latent
        except (OSError, ValueError):
            pass
        latent = LatentMatrix.build(chunk_ids, self.kb.registry.terms, embedder.latent_features)
        with contextlib.suppress(OSError):  # a read-only index folder: keep it in memory
            latent.save(folder)
        return latent

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
            for old in folder.parent.iterdir():  # older generations; other processes' saves stay
                if old.name != folder.name and not old.name.endswith(".tmp"):
                    shutil.rmtree(old, ignore_errors=True)
            sweep(folder.parent)  # saves of processes that were killed
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
        if not filters.empty:
            validate(filters, self.table().allowed_values)

    def mask(self, table: ChunkTable, filters: Filters) -> np.ndarray | None:
        """Boolean row mask for the filters, or None for no restriction."""
        if filters.empty:
            return None
        cached = table.masks.get(filters)
        if cached is not None:
            return cached
        allowed_docs = np.array([matches(d.metadata, filters) for d in table.documents], dtype=bool)
        mask = allowed_docs[table.doc_rows] if len(allowed_docs) else np.zeros(len(table.chunk_ids), dtype=bool)
        mask.setflags(write=False)
        if len(table.masks) >= MASK_CACHE:
            table.masks.pop(next(iter(table.masks)))
        table.masks[filters] = mask
        return mask

    # --- running ----------------------------------------------------------------------------------
    def search(self, query: str, *, k: int = 10, filters: Filters | None = None, mode: Mode = "hybrid") -> list[Hit]:
        return self.run(self.plan(query, k=k, filters=filters, mode=mode))

    def signals_of(self, mode: Mode) -> tuple[Signal, ...]:
        """The signals a mode uses: one for lexical and dense, every signal for hybrid."""
        if mode in SINGLE:
            return tuple(signal for signal in self.signals if signal.name == SINGLE[mode])
        return self.signals

    def run(self, plan: SearchPlan) -> list[Hit]:
        table = self.table()
        if not table.chunk_ids or not plan.query:
            return []
        context = QueryContext(
            plan.query, plan.terms, table, self.mask(table, plan.filters), plan.weights, plan.candidates
        )
        signals = self.signals_of(plan.mode)
        # (encoding the query on a second thread while the lexical side runs was measured: slower at p95 on 2 cores)
        for signal in signals:  # a signal may start slow work (an encoding) that overlaps the others'
            prepare = getattr(signal, "prepare", None)
            if prepare is not None:
                prepare(context)
        found: dict[str, Scores] = {signal.name: signal.candidates(context) for signal in signals}
        if len(signals) > 1:  # each signal scores, where it can, the rows only the others found
            for signal in signals:
                own = found[signal.name]
                others = sorted({row for name, rows in found.items() if name != signal.name for row in rows} - set(own))
                if others:
                    found[signal.name] = {**signal.complete(context, others), **own}
        if len(signals) == 1:
            ranked = sorted(found[signals[0].name].items(), key=lambda item: (-item[1], item[0]))
        else:
            parts = [SignalScores(s.name, found[s.name], plan.weights.weight(s.name), s.normalise) for s in signals]
            ranked = fuse(parts, plan.weights.method, plan.weights.rrf_k)
        score_of = dict(ranked)
        rows = deduplicate([row for row, _ in ranked], table.span_list, table.texts, plan.k)
        found = {name: got for name, got in found.items() if got}  # a silent signal (off, or no match) has no score
        return [
            self._hit(table, rank, row, score_of[row], {name: got.get(row, 0.0) for name, got in found.items()}, plan)
            for rank, row in enumerate(rows, start=1)
        ]

    def _hit(
        self, table: ChunkTable, rank: int, row: int, score: float, scores: dict[str, float], plan: SearchPlan
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
            scores={name: round(value, 6) for name, value in scores.items()},
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
