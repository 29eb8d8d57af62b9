"""Pure ranking maths: score normalisation, weighted fusion, overlap and near-duplicate removal."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

FusionMethod = Literal["weighted", "rrf"]


@dataclass(frozen=True)
class Weights:
    """How much each signal counts in hybrid ranking (measured on the evaluation queries), and how
    they are combined: a weighted sum of normalised scores, or reciprocal-rank fusion."""

    lexical: float = 1.0
    dense: float = 0.2
    title: float = 0.25  # the document title's BM25 score, added to each of its chunks' lexical score
    latent: float = 0.0  # the latent-terms signal (`kb.latent_terms`; 0: not used)
    method: FusionMethod = "weighted"
    rrf_k: int = 60
    others: tuple[tuple[str, float], ...] = ()  # weights of further signals, by name

    def weight(self, signal: str) -> float:
        """A signal's weight: its field here (lexical, dense, latent), else `others`, else 1."""
        named = dict(self.others)
        if signal in named:
            return named[signal]
        value = getattr(self, signal, None) if signal in ("lexical", "dense", "latent") else None
        return float(value) if value is not None else 1.0


def top_k(scores: np.ndarray, k: int, mask: np.ndarray | None = None) -> list[int]:
    """Row indexes of the k highest positive scores (within the mask), best first."""
    if mask is not None:
        scores = np.where(mask, scores, 0.0)
    k = min(k, int(np.count_nonzero(scores > 0)))
    if k <= 0:
        return []
    part = np.argpartition(-scores, k - 1)[:k]
    return [int(i) for i in part[np.argsort(-scores[part], kind="stable")]]


def normalise(scores: dict[int, float]) -> dict[int, float]:
    """Scale to [0, 1] by the best score (0 stays 0)."""
    if not scores:
        return {}
    best = max(scores.values())
    return {row: (s / best if best > 0 else 0.0) for row, s in scores.items()}


def min_max(scores: dict[int, float]) -> dict[int, float]:
    """Scale to [0, 1] between the lowest and the highest score."""
    if not scores:
        return {}
    low, high = min(scores.values()), max(scores.values())
    span = high - low
    return {row: ((s - low) / span if span > 0 else 1.0) for row, s in scores.items()}


@dataclass(frozen=True)
class SignalScores:
    """One signal's scores for a query, with its fusion weight and its 0–1 normalisation."""

    name: str
    scores: dict[int, float]
    weight: float
    normalise: Callable[[dict[int, float]], dict[int, float]] = normalise


def fuse(
    signals: Sequence[SignalScores], method: FusionMethod = "weighted", rrf_k: int = 60
) -> list[tuple[int, float]]:
    """Rows ranked best first by all signals together: a weighted sum of each signal's normalised
    scores, or reciprocal-rank fusion. A row a signal did not score gets no share from it, so a weak
    signal cannot push rows the others matched well out (the dense signal scores every other signal's
    candidates exactly, see `Signal.complete`)."""
    if method == "rrf":
        return reciprocal_rank(signals, rrf_k)
    fused: dict[int, float] = {}
    for signal in signals:
        for row, score in signal.normalise(signal.scores).items():
            fused[row] = fused.get(row, 0.0) + signal.weight * score
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))


def reciprocal_rank(signals: Sequence[SignalScores], rrf_k: int = 60) -> list[tuple[int, float]]:
    """Reciprocal-rank fusion: each signal adds weight / (k + rank); scores' scales do not matter."""
    fused: dict[int, float] = {}
    for signal in signals:
        ranked = sorted(signal.scores.items(), key=lambda item: (-item[1], item[0]))
        for rank, (row, _) in enumerate(ranked, start=1):
            fused[row] = fused.get(row, 0.0) + signal.weight / (rrf_k + rank)
    return sorted(fused.items(), key=lambda item: (-item[1], item[0]))


def overlaps(a: tuple[str, int, int], b: tuple[str, int, int], threshold: float = 0.5) -> bool:
    """Whether two (doc_id, start, end) spans of the same document overlap by more than `threshold`."""
    if a[0] != b[0]:
        return False
    shared = min(a[2], b[2]) - max(a[1], b[1])
    shorter = min(a[2] - a[1], b[2] - b[1])
    return shorter > 0 and shared / shorter > threshold


def shingles(text: str, size: int = 4) -> frozenset[tuple[str, ...]]:
    """The text's runs of `size` consecutive lower-cased words (the whole text if it is shorter)."""
    words = text.lower().split()
    if len(words) <= size:
        return frozenset([tuple(words)])
    return frozenset(zip(*(words[i:] for i in range(size)), strict=False))


def near_duplicate(a: frozenset[tuple[str, ...]], b: frozenset[tuple[str, ...]], threshold: float = 0.8) -> bool:
    if not a or not b:
        return False
    return len(a & b) / len(a | b) >= threshold


def deduplicate(
    rows: Sequence[int], spans: Sequence[tuple[str, int, int]], texts: Sequence[str], limit: int
) -> list[int]:
    """Keep rows in order, dropping overlapping chunks of one document and near-identical passages."""
    kept: list[int] = []
    kept_shingles: list[frozenset[tuple[str, ...]]] = []
    for row in rows:
        if any(overlaps(spans[row], spans[other]) for other in kept):
            continue
        current = shingles(texts[row])
        if any(near_duplicate(current, seen) for seen in kept_shingles):
            continue
        kept.append(row)
        kept_shingles.append(current)
        if len(kept) >= limit:
            break
    return kept
