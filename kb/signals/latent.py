"""The latent-terms signal: the dot product of the query's and each chunk's latent terms
(`kb.latent_terms`), for a model that makes them (the e5 default). Zero weight or no terms: silent.

The query's terms take an engine pass of their own (~20 ms); `prepare` starts it on a worker thread
before the other signals run, so it overlaps the dense vector's pass on the second core (the engine
releases the GIL)."""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING

import numpy as np

from kb.embedding import LatentEncoder
from kb.fusion import top_k
from kb.signals.base import MaxNormalised, QueryContext, Scores

if TYPE_CHECKING:
    from kb.knowledge_base import KnowledgeBase
    from kb.latent_terms import LatentTerms

_ENCODER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="vkb-latent")


class LatentSignal(MaxNormalised):
    name = "latent"

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb

    def prepare(self, context: QueryContext) -> None:
        """Start encoding the query's terms (when the signal is on) while the other signals work."""
        latent, embedder = context.table.latent, self.kb.embedder
        on = context.weights.latent > 0 and latent is not None and not latent.empty
        if on and isinstance(embedder, LatentEncoder):
            context.cache["latent_terms"] = _ENCODER.submit(embedder.query_terms, context.query)

    def scores(self, context: QueryContext) -> np.ndarray | None:
        """Every row's score for the query (None: the signal is off), computed once per query."""
        if "latent_scores" in context.cache:
            cached = context.cache["latent_scores"]
            return cached if isinstance(cached, np.ndarray) else None
        if "latent_terms" not in context.cache:
            self.prepare(context)
        pending = context.cache.get("latent_terms")
        found = None
        if isinstance(pending, Future) and context.table.latent is not None:
            terms: LatentTerms = pending.result()
            found = context.table.latent.scores(terms)
        context.cache["latent_scores"] = found
        return found

    def candidates(self, context: QueryContext) -> Scores:
        scores = self.scores(context)
        if scores is None:
            return {}
        return {row: float(scores[row]) for row in top_k(scores, context.candidates, context.mask)}

    def complete(self, context: QueryContext, rows: Sequence[int]) -> Scores:
        scores = self.scores(context)
        if scores is None:
            return {}
        return {row: float(scores[row]) for row in rows if scores[row] > 0}
