"""The memory-mapped vector copy: agrees with Chroma, reuses unchanged rows, searches exactly."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ingest import ingest_paths
from kb import KnowledgeBase, load_settings
from kb.matrix import VectorMatrix
from tests.conftest import SEED_CORPUS, HashEmbedder


def test_matrix_of_a_real_index_agrees_with_chroma(tmp_path: Path) -> None:
    kb = KnowledgeBase.open(load_settings(index=tmp_path / "index"), embedder=HashEmbedder())
    ingest_paths([SEED_CORPUS], kb)
    table = kb.searcher.table()
    assert table.matrix.chunk_ids == table.chunk_ids
    assert isinstance(table.matrix.vectors, np.memmap)  # read from disk, not held in memory
    query = kb.embedder.embed_query("sjuksköterskor vidareutbildning")
    chroma = {m.chunk_id: 1.0 - m.distance for m in kb.vectors.query(query, 10)}  # HNSW: approximate top 10
    assert len(chroma) >= 5
    rows = [table.row_of[cid] for cid in chroma]
    mine = table.matrix.similarities(query, rows)
    assert np.allclose(mine, list(chroma.values()), atol=1e-4)
    exact_best = table.matrix.nearest(query, np.arange(len(table.chunk_ids)), 1)[0][0]
    assert table.chunk_ids[exact_best] in chroma
    kb.close()


def test_nearest_is_exact_and_restricted_to_the_rows() -> None:
    rng = np.random.default_rng(1)
    vectors = rng.normal(size=(200, 8)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    matrix = VectorMatrix([f"c{i}" for i in range(200)], vectors)
    query = vectors[17]
    for rows in (np.arange(200), np.arange(0, 200, 7), np.array([3, 17, 150])):  # the full-pass and gather paths
        found = matrix.nearest(query, rows, 5)
        expected = sorted(rows.tolist(), key=lambda r: -float(vectors[r] @ query))[:5]
        assert [row for row, _ in found] == expected
        assert all(row in set(rows.tolist()) for row, _ in found)
    assert matrix.nearest(query, np.array([], dtype=np.int64), 5) == []


class _Store:
    """Records which ids the build asks the store for."""

    def __init__(self, vectors: dict[str, list[float]]) -> None:
        self.vectors = vectors
        self.asked: list[str] = []

    def __call__(self, ids: list[str]) -> dict[str, np.ndarray]:
        self.asked += ids
        return {i: np.asarray(self.vectors[i]) for i in ids if i in self.vectors}


def test_build_reuses_unchanged_rows_and_fetches_only_new_ones(tmp_path: Path) -> None:
    store = _Store({"a": [1.0, 0.0], "b": [0.0, 1.0], "c": [0.6, 0.8]})
    first = VectorMatrix.build(["a", "b"], store)
    assert store.asked == ["a", "b"]
    store.asked.clear()
    second = VectorMatrix.build(["b", "c"], store, previous=first)
    assert store.asked == ["c"]
    assert np.allclose(second.vectors, [[0.0, 1.0], [0.6, 0.8]])
    second.save(tmp_path)
    loaded = VectorMatrix.load(tmp_path)
    assert loaded.chunk_ids == ["b", "c"] and np.allclose(loaded.vectors, second.vectors)
    with pytest.raises(LookupError, match="run `vkb ingest` again"):
        VectorMatrix.build(["b", "missing"], store, previous=None)
