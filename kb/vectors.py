"""The vector store: a Chroma collection, embedded (PersistentClient) or on a Chroma server (HttpClient).

vkb always hands Chroma its own embeddings (`embeddings=` / `query_embeddings=`) and creates the
collection with `embedding_function=None`, so Chroma never loads or downloads a model of its own.
The collection records which embedding model filled it; opening it with another model is refused.

The registry holds every chunk's vector too, and is what readers use; the collection is a derived
index that a writer keeps in step (and rebuilds from the registry when it is unreadable). An
embedded Chroma client keeps the HNSW index of the collection in memory and never notices another
process writing to the same folder: a stale client returns ids that are gone ("Error finding id")
and, worse, persists its stale index over the other process's writes. So each process holds one
client per index folder (`ChromaConnection`), and a writer reopens it when another process has
written since it was opened (see `kb.writer`).
"""

from __future__ import annotations

import logging
import shutil
import sqlite3
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import numpy as np

from kb.errors import UsageError
from kb.layout import IndexLayout
from kb.records import DocumentMetadata
from kb.registry import Registry

# HNSW parameters cannot be changed after the collection exists; chosen for recall at 100k+ vectors.
HNSW = {"space": "cosine", "ef_construction": 200, "max_neighbors": 32, "ef_search": 128}
ADD_BATCH = 1000

logging.getLogger("chromadb.telemetry.product.posthog").setLevel(logging.CRITICAL)
log = logging.getLogger("vkb.vectors")


class ModelMismatch(UsageError, RuntimeError):
    """The index was built with another embedding model (another vector space)."""


def model_mismatch(index_model: str | None, configured: str) -> ModelMismatch:
    return ModelMismatch(
        f"this index was built with embedding model {index_model!r}; the configured model is "
        f"{configured!r}. Use the model the index was built with, or build a new index for the new model "
        "(`vkb reindex` re-embeds this index for the configured model)."
    )


def vector_metadata(metadata: DocumentMetadata, version: str, ordinal: int, page: int | None) -> dict[str, Any]:
    """The filterable fields stored with a chunk's vector."""
    meta = {**metadata.store_fields(), "version": version, "ordinal": ordinal}
    if page is not None:
        meta["page"] = page
    return meta


@dataclass(frozen=True)
class VectorMatch:
    chunk_id: str
    distance: float


def make_client(index_dir: Path, chroma_url: str | None) -> Any:
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False, allow_reset=False)
    if chroma_url:
        url = urlparse(chroma_url)  # its form was checked with the settings (kb.settings)
        return chromadb.HttpClient(
            host=url.hostname or "",  # never empty: the settings refuse a URL without a host
            port=url.port or (443 if url.scheme == "https" else 8000),
            ssl=url.scheme == "https",
            settings=chroma_settings,
        )
    return chromadb.PersistentClient(path=str(IndexLayout(index_dir).chroma), settings=chroma_settings)


STAGING_SUFFIX = "__reindex"  # a collection being filled by `vkb reindex`, swapped in when complete


def finish_interrupted_swap(client: Any, name: str, index_model: str | None = None) -> bool:
    """If a reindex stopped after its staging collection was complete, finish it: rename the staging
    collection (deleting the old one first when the registry already holds the new model's vectors,
    `index_model`). Returns whether it did. (A staging collection that is not complete is left to the
    next reindex, which starts it afresh; the old collection still serves.)"""
    existing = {c if isinstance(c, str) else c.name for c in client.list_collections()}
    staging = name + STAGING_SUFFIX
    if staging not in existing:
        return False
    collection = client.get_collection(staging)
    meta = collection.metadata or {}
    if not meta.get("vkb_complete"):
        return False
    if name in existing:
        if index_model is None or meta.get("vkb_model") != index_model:
            return False
        if (client.get_collection(name).metadata or {}).get("vkb_model") == index_model:
            return False
        client.delete_collection(name)
    collection.modify(name=name)
    return True


class VectorStore:
    """The chunk vectors of one knowledge base."""

    def __init__(
        self, client: Any, name: str, *, model_name: str, dimension: int, index_model: str | None = None
    ) -> None:
        self._client = client
        finish_interrupted_swap(client, name, index_model)
        self._collection = client.get_or_create_collection(
            name=name,
            embedding_function=None,
            configuration={"hnsw": HNSW},
            metadata={"vkb_model": model_name, "vkb_dimension": dimension},
        )
        meta = self._collection.metadata or {}
        if meta.get("vkb_model") != model_name or int(meta.get("vkb_dimension", dimension)) != dimension:
            raise model_mismatch(meta.get("vkb_model"), model_name)

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

    def query(self, embedding: np.ndarray, n: int, *, ids: Sequence[str] | None = None) -> list[VectorMatch]:
        """The n nearest stored vectors (among `ids`, if given) by HNSW."""
        if n <= 0:
            return []
        result = self._collection.query(
            query_embeddings=[embedding],
            n_results=n,
            ids=list(ids) if ids is not None else None,
            include=["distances"],  # metadata would cost as much again; vkb keeps it in the registry
        )
        return [
            VectorMatch(chunk_id=cid, distance=float(dist))
            for cid, dist in zip(result["ids"][0], result["distances"][0], strict=True)
        ]


class ChromaConnection:
    """This process's one Chroma client for an index folder (or a server), opened on first use.

    `stamp` is what the index's registry said about its last Chroma writer when this client was
    opened or last written through; a writer compares it with the registry and reopens a stale client.
    """

    def __init__(self, index_dir: Path, chroma_url: str | None) -> None:
        self.index_dir = index_dir
        self.chroma_url = chroma_url
        self.lock = threading.RLock()
        self.epoch = 0  # bumped on every (re)open: VectorStores of an older epoch are stale
        self.stamp: tuple[str | None, int] | None = None
        self.writing = False  # a write session of this process is using the client
        self.users = 0
        self._client: Any = None

    @property
    def embedded(self) -> bool:
        return not self.chroma_url

    @property
    def is_open(self) -> bool:
        return self._client is not None

    def client(self) -> Any:
        with self.lock:
            if self._client is None:
                self._client = make_client(self.index_dir, self.chroma_url)
                self.epoch += 1
            return self._client

    def close(self) -> None:
        """Close the client (an embedded one releases its in-memory index and files)."""
        with self.lock:
            client, self._client = self._client, None
            if client is not None:
                try:
                    client.close()
                except Exception:  # closing a client whose index is broken must not hide the real error
                    log.debug("closing the Chroma client of %s failed", self.index_dir, exc_info=True)

    def collections_changed(self) -> None:
        """A collection was deleted or replaced: every VectorStore opened before is stale."""
        with self.lock:
            self.epoch += 1

    def reopen(self) -> Any:
        with self.lock:
            self.close()
            return self.client()

    def wipe(self) -> None:
        """Delete the embedded store's folder (its collections are all derived from the registry)."""
        if not self.embedded:
            raise RuntimeError("a Chroma server's data cannot be wiped from here")
        with self.lock:
            self.close()
            shutil.rmtree(IndexLayout(self.index_dir).chroma, ignore_errors=True)

    def remove_orphan_segments(self) -> None:
        """Delete segment folders Chroma left behind when their collection was deleted (embedded only)."""
        folder = IndexLayout(self.index_dir).chroma
        if not self.embedded or not (folder / "chroma.sqlite3").exists():
            return
        try:
            with sqlite3.connect(f"file:{folder / 'chroma.sqlite3'}?mode=ro", uri=True) as conn:
                live = {row[0] for row in conn.execute("SELECT id FROM segments")}
        except sqlite3.Error:
            return
        for child in folder.iterdir():
            if child.is_dir() and child.name not in live and _looks_like_uuid(child.name):
                shutil.rmtree(child, ignore_errors=True)


class VectorAccess:
    """A KnowledgeBase's way to its vector store: opened on first use, reopened when another process wrote.

    Outside a write session of this process, a change of the registry's generation or last Chroma
    writer means another process wrote: the client is reopened before it is used again.
    """

    def __init__(
        self, connection: ChromaConnection, registry: Registry, name: str, *, model_name: str, dimension: int
    ) -> None:
        self.connection = connection
        self.registry = registry
        self.name = name
        self.model_name = model_name
        self.dimension = dimension
        self._store: VectorStore | None = None
        self._epoch = -1

    def store(self) -> VectorStore:
        connection = self.connection
        with connection.lock:
            stamp = (self.registry.get_meta("chroma_writer"), self.registry.generation())
            if not connection.is_open:
                connection.client()
                connection.stamp = stamp
            elif connection.embedded and not connection.writing and connection.stamp != stamp:
                connection.reopen()
                connection.stamp = stamp
            if self._store is None or self._epoch != connection.epoch:
                self._store = VectorStore(
                    connection.client(),
                    self.name,
                    model_name=self.model_name,
                    dimension=self.dimension,
                    index_model=self.registry.vector_model(),
                )
                self._epoch = connection.epoch
            return self._store


_CONNECTIONS: dict[tuple[str, str | None], ChromaConnection] = {}
_CONNECTIONS_LOCK = threading.Lock()


def connect(index_dir: Path, chroma_url: str | None) -> ChromaConnection:
    """The process's connection for this index folder or server (shared by every KnowledgeBase on it)."""
    key = (str(Path(index_dir).expanduser().resolve()), chroma_url or None)
    with _CONNECTIONS_LOCK:
        connection = _CONNECTIONS.get(key)
        if connection is None:
            connection = _CONNECTIONS[key] = ChromaConnection(Path(key[0]), key[1])
        connection.users += 1
        return connection


def disconnect(connection: ChromaConnection) -> None:
    """One user fewer; the last one closes the client."""
    with _CONNECTIONS_LOCK:
        connection.users -= 1
        if connection.users > 0:
            return
        key = (str(connection.index_dir), connection.chroma_url)
        if _CONNECTIONS.get(key) is connection:
            del _CONNECTIONS[key]
    connection.close()


def _looks_like_uuid(name: str) -> bool:
    parts = name.split("-")
    return [len(p) for p in parts] == [8, 4, 4, 4, 12] and all(c in "0123456789abcdef-" for c in name.lower())
