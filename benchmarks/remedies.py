"""Ranking remedies measured by `fusion_cv.py --remedies` (issue #10), outside the product until they win.

Each remedy is general IR practice, parameterised by a small grid chosen by cross-validation:
- `TermProximity`: a BM25TP-style proximity signal (Rasolofo & Savoy 2003): every pair of distinct
  query terms within `window` words of each other adds 1/distance² to both terms' accumulators,
  which are saturated like BM25 term frequencies and weighted by the terms' idf and query weight.
- within-document re-rank: a document's chunks keep the slots they hold, reordered by one signal.
- document evidence: every chunk gets `gamma` times its document's best fused score (passage and
  document evidence combined, Callan 1994).
- score normalisation before the weighted sum: lexical by its maximum or min-max, dense min-max or
  by its spread ((s - min) / standard deviation, a z-score shifted to start at 0), as in the
  CombSUM normalisation studies (Lee 1997; Montague & Aslam 2001).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from kb.analysis import Analyzer
from kb.fusion import min_max
from kb.hits import Hit
from kb.lexical import LexicalIndex
from kb.signals.base import MaxNormalised, QueryContext, Scores
from kb.signals.dense import DenseSignal
from kb.signals.lexical import LexicalSignal


@dataclass(frozen=True)
class ProximitySettings:
    window: int = 5
    k1: float = 1.2


class TermProximity(MaxNormalised):
    """Prototype of a term-proximity signal: scores only the rows the other signals found."""

    name = "proximity"

    def __init__(self, settings: ProximitySettings, analyzer: Analyzer) -> None:
        self.settings = settings
        self.analyzer = analyzer
        self._positions: dict[tuple[int, int], dict[str, list[int]]] = {}

    @classmethod
    def factory(cls, settings: ProximitySettings, analyzer: Analyzer) -> Callable[[object], TermProximity]:
        signal = cls(settings, analyzer)  # one instance: its cache of word positions outlives searchers
        return lambda kb: signal

    def positions(self, context: QueryContext, row: int) -> dict[str, list[int]]:
        key = (context.table.generation, row)
        found = self._positions.get(key)
        if found is None:
            found = {}
            for position, token in enumerate(self.analyzer.tokens(context.table.texts[row])):
                for term in token.terms:
                    found.setdefault(term, []).append(position)
            self._positions[key] = found
        return found

    def candidates(self, context: QueryContext) -> Scores:
        return {}

    def complete(self, context: QueryContext, rows: Sequence[int]) -> Scores:
        lexical = context.table.lexical
        n = len(lexical)
        idf = {
            t: math.log(1 + (n - document_frequency(lexical, t) + 0.5) / (document_frequency(lexical, t) + 0.5))
            for t in context.terms
        }
        window, k1 = self.settings.window, self.settings.k1
        scores: Scores = {}
        for row in rows:
            where = self.positions(context, row)
            present = [(t, where[t]) for t in context.terms if t in where]
            if len(present) < 2:
                continue
            acc = dict.fromkeys((t for t, _ in present), 0.0)
            for i, (a, pa) in enumerate(present):
                for b, pb in present[i + 1 :]:
                    for x in pa:
                        for y in pb:
                            d = abs(x - y)
                            if 0 < d <= window:
                                acc[a] += 1 / d**2
                                acc[b] += 1 / d**2
            score = sum(context.terms[t] * idf[t] * v * (k1 + 1) / (v + k1) for t, v in acc.items() if v)
            if score > 0:
                scores[row] = score
        return scores


def document_frequency(index: LexicalIndex, term: str) -> int:
    """How many rows of the BM25 index contain the term (bm25s keeps one sparse column per term)."""
    retriever = index._retriever
    if retriever is None or term not in retriever.vocab_dict:
        return 0
    indptr = retriever.scores["indptr"]
    token = retriever.vocab_dict[term]
    return int(indptr[token + 1] - indptr[token])


def within_document(hits: list[Hit], signal: str) -> list[Hit]:
    """Each document's chunks keep their slots, reordered among themselves by `signal`'s raw score."""
    slots: dict[str, list[int]] = {}
    for i, hit in enumerate(hits):
        slots.setdefault(hit.doc_id, []).append(i)
    out = list(hits)
    for indexes in slots.values():
        ordered = sorted((hits[i] for i in indexes), key=lambda h: -h.scores.get(signal, 0.0))
        for i, hit in zip(indexes, ordered, strict=True):
            out[i] = hit
    return out


def document_evidence(hits: list[Hit], gamma: float) -> list[Hit]:
    """Re-sort with every chunk's score raised by gamma times its document's best score."""
    best: dict[str, float] = {}
    for hit in hits:
        best[hit.doc_id] = max(best.get(hit.doc_id, 0.0), hit.score)
    return sorted(hits, key=lambda h: -(h.score + gamma * best[h.doc_id]))


def by_spread(scores: Scores) -> Scores:
    """(s - min) / standard deviation: a z-score shifted so that the lowest score is 0."""
    if not scores:
        return {}
    values = list(scores.values())
    low, mean = min(values), sum(values) / len(values)
    spread = math.sqrt(sum((v - mean) ** 2 for v in values) / len(values))
    return {row: ((s - low) / spread if spread > 0 else 1.0) for row, s in scores.items()}


class MinMaxLexical(LexicalSignal):
    @staticmethod
    def normalise(scores: Scores) -> Scores:
        return min_max(scores)


class SpreadDense(DenseSignal):
    @staticmethod
    def normalise(scores: Scores) -> Scores:
        return by_spread(scores)
