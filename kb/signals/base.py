"""What a search signal is: something that scores the snapshot's rows for one query.

`Searcher.run` asks every signal of the search mode for its best candidates, lets each signal score
the rows only the others found (`complete`, when it can do so cheaply and exactly), and fuses the
scores (`kb.fusion.fuse`) with each signal's weight and normalisation.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol

import numpy as np

from kb.chunk_table import ChunkTable
from kb.fusion import Weights, normalise

if TYPE_CHECKING:
    from kb.knowledge_base import KnowledgeBase

Scores = dict[int, float]  # row of the chunk table -> score (higher is better; 0 is no match)


@dataclass
class QueryContext:
    """One query as every signal sees it: its text and terms, the snapshot, the filters' row mask
    (None: every row allowed), the fusion weights and how many candidates each signal returns.
    `cache` holds what signals compute once per query (the dense query vector, say)."""

    query: str
    terms: dict[str, float]
    table: ChunkTable
    mask: np.ndarray | None
    weights: Weights
    candidates: int
    cache: dict[str, object] = field(default_factory=dict)


class Signal(Protocol):
    """A search signal. `name` keys its weight (`Weights.weight`) and its score on `Hit.scores`.
    A signal may also have `prepare(context)`, called before any signal's `candidates`, to start slow
    work that can overlap the others' (`LatentSignal` encodes the query's terms on a worker thread)."""

    name: str

    def candidates(self, context: QueryContext) -> Scores:
        """The best `context.candidates` allowed rows with a positive score."""
        ...

    def complete(self, context: QueryContext, rows: Sequence[int]) -> Scores:
        """Scores for rows other signals found (or {} when this signal cannot score given rows)."""
        ...

    def normalise(self, scores: Scores) -> Scores:
        """The signal's scores on a 0–1 scale for weighted fusion."""
        ...


SignalFactory = Callable[["KnowledgeBase"], Signal]


class MaxNormalised:
    """Normalisation by the best score: for signals whose zero means "no match" (BM25)."""

    @staticmethod
    def normalise(scores: Scores) -> Scores:
        return normalise(scores)
