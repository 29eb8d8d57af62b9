"""The vector store: a Chroma collection, embedded (PersistentClient) or on a Chroma server (HttpClient).

vkb always hands Chroma its own embeddings (`embeddings=` / `query_embeddings=`) and creates the
collection with `embedding_function=None`, so Chroma never loads or downloads a model of its own.
The collection records which embedding model filled it; opening it with another model is refused.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from kb.errors import UsageError
from kb.settings import Settings, SettingsError

# HNSW parameters cannot be changed after the collection exists; chosen for recall at 100k+ vectors.
HNSW = {"space": "cosine", "ef_construction": 200, "max_neighbors": 32, "ef_search": 128}
ADD_BATCH = 1000

logging.getLogger("chromadb.telemetry.product.posthog").setLevel(logging.CRITICAL)


class ModelMismatch(UsageError, RuntimeError):
    """The index was built with another embedding model (another vector space)."""


@dataclass(frozen=True)
class VectorMatch:
    chunk_id: str
    distance: float


def model_key(settings: Settings) -> str:
    """The registry key recording which model filled the collection at this Chroma location."""
    return f"vector_model:{settings.chroma_url or 'embedded'}:{settings.collection}"


def make_client(index_dir: Path, chroma_url: str | None) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if chroma_url:
        url = urlparse(chroma_url)
        if url.scheme not in ("http", "https") or not url.hostname:
            raise SettingsError(f"chroma URL must look like http://host:port, got {chroma_url!r}")
        return chromadb.HttpClient(
            host=url.hostname,
            port=url.port or (443 if url.scheme == "https" else 8000),
            ssl=url.scheme == "https",
            settings=chroma_settings,
        )
    return chromadb.PersistentClient(path=str(index_dir / "chroma"), settings=chroma_settings)


STAGING_SUFFIX = "__reindex"  # a collection being filled by `vkb reindex`, swapped in when complete


def finish_interrupted_swap(client: Any, name: str) -> bool:
    """If a reindex stopped between deleting the old collection and renaming the complete new one,
    rename it now. Returns whether it did. (A staging collection that is not complete is left to the
    next reindex, which starts it afresh; the old collection still serves searches.)"""
    existing = {c if isinstance(c, str) else c.name for c in client.list_collections()}
    staging = name + STAGING_SUFFIX
    if name in existing or staging not in existing:
        return False
    collection = client.get_collection(staging)
    if not (collection.metadata or {}).get("vkb_complete"):
        return False
    collection.modify(name=name)
    return True


class VectorStore:
    """The chunk vectors of one knowledge base."""

    def __init__(self, client: Any, name: str, *, model_name: str, dimension: int) -> None:
        self._client = client
        finish_interrupted_swap(client, name)
        self._collection = client.get_or_create_collection(
            name=name,
            embedding_function=None,
            configuration={"hnsw": HNSW},
            metadata={"vkb_model": model_name, "vkb_dimension": dimension},
        )
        meta = self._collection.metadata or {}
        if meta.get("vkb_model") != model_name or int(meta.get("vkb_dimension", dimension)) != dimension:
            raise ModelMismatch(
                f"this index was built with embedding model {meta.get('vkb_model')!r}; the configured model is "
                f"{model_name!r}. Use the model the index was built with, or build a new index for the new model "
                "(`vkb reindex` re-embeds this index for the configured model)."
            )

    @property
    def collection(self) -> Any:
        return self._collection

    def count(self) -> int:
        return int(self._collection.count())

    def add(self, ids: Sequence[str], embeddings: np.ndarray, metadatas: Sequence[dict[str, Any]]) -> None:
        for start in range(0, len(ids), ADD_BATCH):
            end = start + ADD_BATCH
            self._collection.upsert(
                ids=list(ids[start:end]), embeddings=embeddings[start:end], metadatas=list(metadatas[start:end])
            )

    def delete_document(self, doc_id: str, *, keep_version: str | None = None) -> None:
        """Delete a document's vectors, all of them or all but one version's."""
        where: dict[str, Any] = {"doc_id": doc_id}
        if keep_version is not None:
            where = {"$and": [{"doc_id": doc_id}, {"version": {"$ne": keep_version}}]}
        self._collection.delete(where=where)

    def delete_version(self, doc_id: str, version: str) -> None:
        self._collection.delete(where={"$and": [{"doc_id": doc_id}, {"version": version}]})

    def ids(self, where: dict[str, Any] | None = None) -> list[str]:
        result = self._collection.get(where=where, include=[])
        return list(result["ids"])

    def query(
        self, embedding: np.ndarray, n: int, *, ids: Sequence[str] | None = None, where: dict[str, Any] | None = None
    ) -> list[VectorMatch]:
        if n <= 0:
            return []
        result = self._collection.query(
            query_embeddings=[embedding],
            n_results=n,
            ids=list(ids) if ids is not None else None,
            where=where,
            include=["distances"],  # metadata would cost as much again; vkb keeps it in the registry
        )
        return [
            VectorMatch(chunk_id=cid, distance=float(dist))
            for cid, dist in zip(result["ids"][0], result["distances"][0], strict=True)
        ]
