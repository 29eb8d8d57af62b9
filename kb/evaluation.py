"""Retrieval quality on queries with gold answer spans: Recall@k, MRR@10, nDCG@10 per mode and query kind.

A returned chunk answers a query when it comes from the gold document and covers at least half of
the gold span, or lies wholly inside it. Gold spans are given in the source file's characters and
mapped onto the indexed text (Markdown escapes and CRLF removed at ingest shift offsets).
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import bm25s
import numpy as np

from kb.errors import UsageError
from kb.fusion import deduplicate, top_k
from kb.search import MODES, Searcher

CUTOFFS = (1, 5, 10)
BASELINE = "bm25-plain"


@dataclass(frozen=True)
class EvalQuery:
    id: str
    query: str
    doc_id: str | None
    path: str | None
    start: int
    end: int
    kind: str


@dataclass
class Scores:
    """Metric sums over some queries."""

    n: int = 0
    recall: dict[int, float] = field(default_factory=lambda: dict.fromkeys(CUTOFFS, 0.0))
    mrr: float = 0.0
    ndcg: float = 0.0

    def add(self, relevant: Sequence[bool], total_relevant: int) -> None:
        self.n += 1
        first = next((i for i, r in enumerate(relevant[:10]) if r), None)
        for cutoff in CUTOFFS:
            self.recall[cutoff] += 1.0 if first is not None and first < cutoff else 0.0
        self.mrr += 1.0 / (first + 1) if first is not None else 0.0
        dcg = sum(1.0 / math.log2(i + 2) for i, r in enumerate(relevant[:10]) if r)
        ideal = sum(1.0 / math.log2(i + 2) for i in range(min(10, max(total_relevant, 1))))
        self.ndcg += dcg / ideal

    def row(self) -> dict[str, float]:
        n = max(self.n, 1)
        return {**{f"R@{c}": self.recall[c] / n for c in CUTOFFS}, "MRR@10": self.mrr / n, "nDCG@10": self.ndcg / n}


@dataclass
class EvalReport:
    modes: list[str]
    overall: dict[str, Scores]
    by_kind: dict[str, dict[str, Scores]]
    misses: dict[str, list[str]]  # mode -> ids of queries with no answer in the top 10

    def table(self) -> list[dict[str, object]]:
        rows: list[dict[str, object]] = []
        for mode in self.modes:
            rows.append({"mode": mode, "kind": "all", "n": self.overall[mode].n, **self.overall[mode].row()})
            for kind in sorted(self.by_kind):
                scores = self.by_kind[kind][mode]
                rows.append({"mode": mode, "kind": kind, "n": scores.n, **scores.row()})
        return rows


class EvalError(UsageError, ValueError):
    """The queries file cannot be read, or a query names a document the index does not hold."""


def load_queries(path: Path) -> list[EvalQuery]:
    queries = []
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise EvalError(f"cannot read the queries file {path}: {exc}") from exc
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            queries.append(
                EvalQuery(
                    id=str(row.get("id", number)),
                    query=row["query"],
                    doc_id=row.get("doc_id"),
                    path=row.get("path"),
                    start=int(row["start"]),
                    end=int(row["end"]),
                    kind=str(row.get("kind", "all")),
                )
            )
        except (json.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise EvalError(f"{path} line {number}: not a query with query/doc_id/start/end ({exc})") from exc
    return queries


def answers(doc_id: str, start: int, end: int, gold: tuple[str, int, int]) -> bool:
    """Whether a chunk (doc_id, start, end) answers the gold span."""
    gold_doc, gold_start, gold_end = gold
    if doc_id != gold_doc:
        return False
    shared = min(end, gold_end) - max(start, gold_start)
    inside = start >= gold_start and end <= gold_end
    return inside or shared * 2 >= gold_end - gold_start


def evaluate(searcher: Searcher, queries: Sequence[EvalQuery], *, baseline: bool = True) -> EvalReport:
    """Run every query in every mode (and the plain BM25 baseline) and score the top 10."""
    table = searcher.table()
    by_path = {d.metadata.source_path: d.doc_id for d in table.documents}
    spans = table.spans()
    modes: list[str] = [*MODES, BASELINE] if baseline else list(MODES)
    plain = _plain_bm25(searcher) if baseline else None
    overall = {mode: Scores() for mode in modes}
    by_kind: dict[str, dict[str, Scores]] = {}
    misses: dict[str, list[str]] = {mode: [] for mode in modes}
    for query in queries:
        doc_id = query.doc_id if query.doc_id in {d.doc_id for d in table.documents} else by_path.get(query.path or "")
        if doc_id is None:
            raise EvalError(f"query {query.id}: document {query.doc_id or query.path!r} is not in the index")
        gold = (doc_id, searcher.kb.source_to_text(doc_id, query.start), searcher.kb.source_to_text(doc_id, query.end))
        total = sum(1 for s in spans if answers(*s, gold))
        for mode in modes:
            if mode == BASELINE:
                assert plain is not None
                results = [spans[row] for row in plain(query.query)]
            else:
                results = [(h.doc_id, h.char_start, h.char_end) for h in searcher.search(query.query, k=10, mode=mode)]  # type: ignore[arg-type]
            relevant = [answers(*r, gold) for r in results]
            overall[mode].add(relevant, total)
            by_kind.setdefault(query.kind, {m: Scores() for m in modes})[mode].add(relevant, total)
            if not any(relevant):
                misses[mode].append(query.id)
    return EvalReport(modes, overall, by_kind, misses)


def _plain_bm25(searcher: Searcher) -> Callable[[str], list[int]]:
    """The baseline a user would otherwise get: bm25s on lower-cased whitespace tokens, no Swedish handling."""
    table = searcher.table()
    texts = [c.text for c in table.chunks]

    def tokenise(text: str) -> list[str]:
        return re.findall(r"\w+", text.lower())

    retriever = bm25s.BM25()
    retriever.index([tokenise(t) or [""] for t in texts], show_progress=False)
    vocab = retriever.vocab_dict
    spans = table.spans()

    def run(query: str) -> list[int]:
        tokens = [t for t in tokenise(query) if t in vocab]
        scores = retriever.get_scores(tokens) if tokens else np.zeros(len(texts))
        return deduplicate(top_k(np.asarray(scores), 30), spans, texts, 10)

    return run
