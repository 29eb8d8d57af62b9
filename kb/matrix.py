"""A read-only copy of the live chunk vectors, memory-mapped from disk, for exact similarity on few rows.

Chroma's HNSW index answers the open dense query. Two things it does slowly are done here instead:
the exact similarity of the lexical candidates (hybrid re-ranking), and a dense search restricted
by a filter (a Chroma `where` filter or `ids=` list costs far more than a dot product over the
allowed rows: measured at 100k chunks, 5 ms for all rows against 8-240 ms for a Chroma filter).
The matrix is stored per index generation beside the lexical index as float32 (1,536 bytes per
chunk for 384 dimensions; float16 would halve that but numpy has no fast float16 product) and
memory-mapped, so the operating system keeps in memory only what queries read.
Building a new generation copies the rows of chunks that did not change and fetches only new ones
(from the registry, which holds every chunk's vector: no Chroma client is needed to read).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import numpy as np
from threadpoolctl import ThreadpoolController

from kb.temp_files import write_together

FILE = "vectors.f32.npy"
IDS = "vector_ids.json"
FETCH_BATCH = 5000
Fetch = Callable[[list[str]], Mapping[str, np.ndarray]]  # chunk ids -> the vectors found for them
# A product of one vector with at most a few hundred MB is fastest on one thread; more BLAS threads
# spin against torch's own threads and turned a 0.2 ms product into 70 ms spikes (measured).
_BLAS = ThreadpoolController()


class VectorMatrix:
    """Row i is the (unit-length) vector of chunk_ids[i]."""

    def __init__(self, chunk_ids: list[str], vectors: np.ndarray) -> None:
        if len(chunk_ids) != len(vectors):
            raise ValueError(f"{len(chunk_ids)} ids but {len(vectors)} vectors")
        self.chunk_ids = chunk_ids
        self.vectors = vectors

    def __len__(self) -> int:
        return len(self.chunk_ids)

    def similarities(self, query: np.ndarray, rows: Sequence[int] | np.ndarray) -> np.ndarray:
        """Cosine similarity of the query to each given row."""
        if len(rows) == 0:
            return np.zeros(0, dtype=np.float32)
        rows = np.asarray(rows, dtype=np.int64)
        query = np.asarray(query, dtype=np.float32)
        with _BLAS.limit(limits=1, user_api="blas"):
            if len(rows) > len(self) // 5:  # many rows: one pass over the whole matrix beats gathering them
                return np.asarray((self.vectors @ query)[rows])
            return np.asarray(self.vectors[rows] @ query)

    def nearest(self, query: np.ndarray, rows: np.ndarray, n: int) -> list[tuple[int, float]]:
        """The n rows among `rows` most similar to the query, exactly, best first."""
        if len(rows) == 0 or n <= 0:
            return []
        scores = self.similarities(query, rows)
        n = min(n, len(rows))
        part = np.argpartition(-scores, n - 1)[:n]
        order = part[np.argsort(-scores[part], kind="stable")]
        return [(int(rows[i]), float(scores[i])) for i in order]

    # --- persistence -------------------------------------------------------------------------------
    def save(self, folder: Path) -> None:
        """Write the copy beside any old one and move it into place (processes may save the same
        generation at once: each writes its own temporary files)."""
        write_together(
            folder,
            {
                IDS: lambda path: path.write_text(json.dumps(self.chunk_ids), encoding="utf-8"),
                FILE: self._write_vectors,
            },
        )

    def _write_vectors(self, path: Path) -> None:
        with path.open("wb") as handle:
            np.save(handle, np.asarray(self.vectors, dtype=np.float32))

    @classmethod
    def load(cls, folder: Path) -> VectorMatrix:
        chunk_ids = json.loads((folder / IDS).read_text(encoding="utf-8"))
        vectors = np.load(folder / FILE, mmap_mode="r")
        return cls(chunk_ids, vectors)

    @classmethod
    def build(cls, chunk_ids: list[str], fetch: Fetch, previous: VectorMatrix | None = None) -> VectorMatrix:
        """Vectors for `chunk_ids`: rows of `previous` where the id is unchanged, the rest fetched."""
        known = {cid: row for row, cid in enumerate(previous.chunk_ids)} if previous is not None else {}
        dimension = previous.vectors.shape[1] if previous is not None and len(previous) else None
        missing = [cid for cid in chunk_ids if cid not in known]
        fetched: dict[str, np.ndarray] = {}
        for start in range(0, len(missing), FETCH_BATCH):
            batch = missing[start : start + FETCH_BATCH]
            for cid, vector in fetch(batch).items():
                fetched[cid] = np.asarray(vector, dtype=np.float32)
        if len(fetched) != len(missing):
            lost = [cid for cid in missing if cid not in fetched][:3]
            raise LookupError(f"the vector store lacks vectors for live chunks, e.g. {lost}; run `vkb ingest` again")
        if dimension is None:
            dimension = len(next(iter(fetched.values()))) if fetched else 0
        vectors = np.zeros((len(chunk_ids), dimension), dtype=np.float32)
        for row, cid in enumerate(chunk_ids):
            if cid in known:
                vectors[row] = previous.vectors[known[cid]]  # type: ignore[union-attr]
            else:
                vectors[row] = fetched[cid]
        return cls(chunk_ids, vectors)
