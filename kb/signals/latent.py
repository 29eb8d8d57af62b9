"""The latent-terms signal: the dot product of the query's and each chunk's latent terms
(`kb.latent_terms`), for a model that makes them (the e5 default). Zero weight or no terms: silent."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from kb.embedding import LatentEncoder
from kb.fusion import top_k
from kb.signals.base import MaxNormalised, QueryContext, Scores

if TYPE_CHECKING:
    from kb.knowledge_base import KnowledgeBase


class LatentSignal(MaxNormalised):
    name = "latent"

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb

    def scores(self, context: QueryContext) -> np.ndarray | None:
        """Every row's score for the query (None: the signal is off), computed once per query."""
        if "latent_scores" in context.cache:
            cached = context.cache["latent_scores"]
            return cached if isinstance(cached, np.ndarray) else None
        latent, embedder = context.table.latent, self.kb.embedder
        found = None
        if (
            context.weights.latent > 0
            and latent is not None
            and not latent.empty
            and isinstance(embedder, LatentEncoder)
        ):
            found = latent.scores(embedder.query_terms(context.query))
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
