"""The dense signal: cosine similarity between the query's and the chunks' embeddings.

Readers answer exactly from the memory-mapped vector copy (`ChunkTable.matrix`) — always for an
embedded Chroma, whose in-memory HNSW index goes stale when another process (a `vkb ingest` beside
the app) writes and then fails ("Error finding id") or returns deleted chunks. The exact product costs
more (24 ms p50 for 100k chunks of 384 dimensions on 2 busy cores, against about 2 ms for HNSW) but
sees exactly the registry's generation. A Chroma server is one process for all clients, so its HNSW
index stays current: above `EXACT_DENSE_MAX` chunks an open or broadly filtered query goes there.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from kb.fusion import min_max
from kb.signals.base import QueryContext, Scores

if TYPE_CHECKING:
    from kb.knowledge_base import KnowledgeBase

# Up to this many chunks a query is answered exactly from the vector copy even with a Chroma server
# (one product over the matrix; at 100k chunks it is as fast as HNSW, see README).
EXACT_DENSE_MAX = 250_000
BROAD_FILTER = 0.5  # a filter allowing at least this share of chunks: over-fetch from HNSW, then mask


class DenseSignal:
    name = "dense"

    def __init__(self, kb: KnowledgeBase) -> None:
        self.kb = kb

    def vector(self, context: QueryContext) -> np.ndarray:
        """The query's embedding, encoded once per query."""
        vector = context.cache.get("query_vector")
        if not isinstance(vector, np.ndarray):
            vector = self.kb.embedder.embed_query(context.query)
            context.cache["query_vector"] = vector
        return vector

    def candidates(self, context: QueryContext) -> Scores:
        table, mask, n = context.table, context.mask, context.candidates
        allowed = int(mask.sum()) if mask is not None else len(table)
        if allowed == 0:
            return {}
        vector = self.vector(context)
        share = allowed / len(table)
        server = bool(self.kb.settings.chroma_url) and len(table) > EXACT_DENSE_MAX
        if not server or (mask is not None and share < BROAD_FILTER):  # few allowed rows: exact is faster
            return self._exact(context, vector, n)
        fetch = n if mask is None else int(n / share) + 40  # a broad filter: over-fetch, then mask
        found: Scores = {}
        for match in self.kb.vectors.query(vector, min(fetch, len(table))):
            row = table.row_of.get(match.chunk_id)  # stale versions and unknown ids are skipped
            if row is None or (mask is not None and not mask[row]):
                continue
            found[row] = max(0.0, 1.0 - match.distance)
            if len(found) >= n:
                break
        if mask is not None and len(found) < min(n, allowed):  # the filter excluded too many after all
            return self._exact(context, vector, n)
        return found

    def complete(self, context: QueryContext, rows: Sequence[int]) -> Scores:
        similarities = context.table.matrix.similarities(self.vector(context), list(rows))
        return {row: max(0.0, float(s)) for row, s in zip(rows, similarities, strict=True)}

    @staticmethod
    def normalise(scores: Scores) -> Scores:
        return min_max(scores)  # similarities crowd together: min-max over the candidates separates them

    @staticmethod
    def _exact(context: QueryContext, vector: np.ndarray, n: int) -> Scores:
        table = context.table
        rows = np.flatnonzero(context.mask) if context.mask is not None else np.arange(len(table))
        return {row: max(0.0, s) for row, s in table.matrix.nearest(vector, rows, n)}
