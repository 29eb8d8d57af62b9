"""The lexical signal: Swedish-aware BM25 over each chunk's headings and text, plus the document
title as a separate, lighter field (`Weights.title`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from kb.fusion import top_k
from kb.signals.base import MaxNormalised, QueryContext, Scores

if TYPE_CHECKING:
    from kb.knowledge_base import KnowledgeBase


class LexicalSignal(MaxNormalised):
    name = "lexical"

    def __init__(self, kb: KnowledgeBase | None = None) -> None:
        pass  # BM25 needs nothing beyond the snapshot

    def candidates(self, context: QueryContext) -> Scores:
        table = context.table
        scores = table.lexical.scores(context.terms)
        if table.titles is not None and context.weights.title:
            scores = scores + context.weights.title * table.titles.scores(context.terms)[table.doc_rows]
        return {row: float(scores[row]) for row in top_k(scores, context.candidates, context.mask)}

    def complete(self, context: QueryContext, rows: Sequence[int]) -> Scores:
        return {}  # a row outside the lexical top candidates gets no lexical share
