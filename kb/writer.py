"""One writer at a time per index, across threads and processes, and an index that is whole before it is written.

Every write to an index goes through a `WriteSession` (`KnowledgeBase.writing()`):
1. the write lock, a file lock in the index folder (`write.lock`) that the app, every `vkb` command
   and every thread share: a second writer waits for it (the app's uploads queue) or is refused
   (`IndexBusy`, the CLI);
2. free space: less than `min_free_mb` free on the index's disk stops the session before it writes;
3. a current Chroma client: an embedded client opened before another process wrote is stale and is
   reopened (a stale client persists its old HNSW index over the other process's writes);
4. a readable vector store in step with the registry: after a failed write, or when the collection
   cannot be read (a full disk leaves Chroma's HNSW files truncated to 0 bytes), it is rebuilt from
   the registry's vectors; after a kill, missing or extra ids are put right; an index made before the
   registry kept vectors gets them from Chroma;
5. `recover()`: what a killed writer staged is removed.
A write step that fails inside the session raises `IndexWriteError` (`DiskFull` for a full disk);
the session then leaves the marker `write-failed` in the index folder, so the next session rebuilds
the vector store before it writes. Readers never wait for the lock and never need Chroma: they read
the registry, whose transactions a full disk or a kill cannot tear.
"""

from __future__ import annotations

import logging
import random
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
from filelock import FileLock, Timeout

from kb.diskspace import IndexWriteError, ensure_free_space, is_disk_full, write_failure
from kb.errors import UsageError
from kb.layout import IndexLayout
from kb.vectors import ModelMismatch, VectorStore, model_mismatch, vector_metadata

if TYPE_CHECKING:
    from kb.knowledge_base import KnowledgeBase

log = logging.getLogger("vkb.writer")
BATCH = 1000
PROBES = 3


class IndexBusy(UsageError, RuntimeError):
    """Another writer (another vkb process, or another upload of this app) holds the index's write lock."""


def acquire_write_lock(index_dir: Path, *, wait: float = 0, on_wait: Callable[[], None] | None = None) -> FileLock:
    """The index's write lock. When busy: wait up to `wait` seconds (calling `on_wait` first), else IndexBusy."""
    index_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(IndexLayout(index_dir).write_lock))
    try:
        lock.acquire(timeout=0)
        return lock
    except Timeout:
        if wait <= 0:
            raise _busy(index_dir) from None
    if on_wait is not None:
        on_wait()
    try:
        lock.acquire(timeout=wait, poll_interval=0.1)
    except Timeout:
        raise _busy(index_dir) from None
    return lock


def _busy(index_dir: Path) -> IndexBusy:
    return IndexBusy(f"another vkb process or upload is writing to the index at {index_dir}; wait for it to finish")


@contextmanager
def step(index_dir: Path, what: str, *, vectors: bool = True) -> Iterator[None]:
    """Run one write step; its failure becomes IndexWriteError (DiskFull for a full disk).
    `vectors`: the step writes to the vector store (a failure may leave it torn)."""
    try:
        yield
    except (IndexWriteError, IndexBusy, ModelMismatch):
        raise
    except Exception as exc:
        raise write_failure(exc, index_dir, what, vectors=vectors) from exc


class WriteSession:
    """The write lock and a checked, current index for one batch of writes (see the module docstring)."""

    def __init__(self, kb: KnowledgeBase, *, wait: float = 0, on_wait: Callable[[], None] | None = None) -> None:
        self.kb = kb
        self.index_dir = Path(kb.settings.index).expanduser()
        self.layout = IndexLayout(self.index_dir)
        self.wait = wait
        self.on_wait = on_wait
        self.recovered = 0  # abandoned versions removed
        self.repaired: str | None = None  # what was done to the vector store, when anything was
        self._lock: FileLock | None = None
        self._marked = False  # this session created the session marker

    def __enter__(self) -> WriteSession:
        self._lock = acquire_write_lock(self.index_dir, wait=self.wait, on_wait=self.on_wait)
        try:
            ensure_free_space(self.index_dir, self.kb.settings.min_free_mb)
            failed = self.layout.failed_marker.exists()
            killed = self.layout.session_marker.exists()
            with step(self.index_dir, "starting to write", vectors=False):
                self.layout.session_marker.touch()
            self._marked = True
            with self.kb.chroma.lock:
                self.kb.chroma.writing = True
            with step(self.index_dir, "checking the vector store", vectors=False):  # (its writes: their own steps)
                self._refresh_client()
                self._prepare(failed=failed, killed=killed)
        except BaseException as exc:
            self._end(failed=isinstance(exc, IndexWriteError) and exc.vectors_suspect)
            raise
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: Any) -> None:
        self._end(failed=isinstance(exc, IndexWriteError) and exc.vectors_suspect)

    def _end(self, *, failed: bool) -> None:
        connection = self.kb.chroma
        try:
            marker = self.layout.session_marker
            try:
                if failed:
                    marker.replace(self.layout.failed_marker)  # a rename: needs no free space
                elif self._marked:  # (a marker a killed session left stays for the next one)
                    marker.unlink(missing_ok=True)
            except OSError:
                log.exception("could not update the write marker in %s", self.index_dir)
            with connection.lock:
                connection.writing = False
                try:
                    connection.stamp = _stamp(self.kb)
                except Exception:  # the next reader or writer reopens the client: safe
                    connection.stamp = None
        finally:
            if self._lock is not None:
                self._lock.release()
                self._lock = None

    # --- a current client -------------------------------------------------------------------------
    def _refresh_client(self) -> None:
        """Reopen an embedded client opened before another process wrote; then sign the index as ours."""
        connection = self.kb.chroma
        with connection.lock:
            if connection.embedded and connection.is_open and connection.stamp != _stamp(self.kb):
                log.info("another process wrote to %s: reopening the Chroma client", self.index_dir)
                connection.reopen()
            self.kb.registry.set_meta("chroma_writer", uuid.uuid4().hex)
            connection.stamp = _stamp(self.kb)

    # --- a readable vector store in step with the registry ------------------------------------------
    def _prepare(self, *, failed: bool, killed: bool) -> None:
        registry, embedder = self.kb.registry, self.kb.embedder
        registry.ensure_vector_column()
        index_model = registry.vector_model()
        if index_model is not None and index_model != embedder.name:
            raise model_mismatch(index_model, embedder.name)
        store = self._open_store(index_model)
        if index_model is None:  # a new index, or one from before the registry kept vectors: copy them over once
            missing = registry.missing_vectors()
            registry.set_vectors(self._vectors_for(store, missing) if missing else {}, embedder.name)
        if store is None or failed:
            self._rebuild("after a failed write" if failed else "it could not be opened")
            with step(self.index_dir, "removing what an interrupted ingest left"):
                self.recovered = self.kb.recover()
            return
        try:
            self._probe(store)
            self.recovered = self.kb.recover()
            self.repaired = self._sync(store, thorough=killed)
        except Exception as exc:
            if isinstance(exc, IndexWriteError):
                raise
            if is_disk_full(exc):  # a delete or add of the recovery did not fit: the store may be torn
                raise write_failure(exc, self.index_dir, "checking the vector store") from exc
            self._rebuild(f"it was unreadable: {type(exc).__name__}")
            with step(self.index_dir, "removing what an interrupted ingest left"):
                self.recovered = self.kb.recover()

    def _open_store(self, index_model: str | None) -> VectorStore | None:
        try:
            return self.kb.vectors
        except ModelMismatch:
            if index_model != self.kb.embedder.name:
                raise
            return None  # the registry holds this model's vectors: the collection is from before a reindex
        except Exception as exc:
            if not self.kb.chroma.embedded:  # a server that cannot be reached is not a torn store
                raise
            log.warning("the vector store of %s cannot be opened (%s)", self.index_dir, exc)
            return None

    def _probe(self, store: VectorStore) -> None:
        """A few stored vectors must each be found under their own id, and an open query must run (an
        unreadable HNSW index raises here). (HNSW is approximate: an open query need not return the
        vector itself, so only the restricted query is compared.)"""
        ids = self.kb.registry.live_chunk_ids()
        sample = random.Random(len(ids)).sample(ids, min(PROBES, len(ids)))
        for cid, vector in self.kb.registry.vectors(sample).items():
            store.query(vector, 1)
            matches = store.query(vector, 1, ids=[cid])
            if not matches or matches[0].chunk_id != cid or matches[0].distance > 1e-3:
                raise LookupError(f"the vector store does not hold chunk {cid} as the registry does")

    def _sync(self, store: VectorStore, *, thorough: bool) -> str | None:
        """Delete ids the registry does not know, add live chunks Chroma lacks (compared in full after a kill)."""
        live = set(self.kb.registry.live_chunk_ids())
        if store.count() == len(live) and not thorough:
            return None
        stored = set(store.ids())
        extra, missing = sorted(stored - live), live - stored
        with step(self.index_dir, "putting the vector store in step"):
            for start in range(0, len(extra), BATCH):
                store.collection.delete(ids=extra[start : start + BATCH])
            if missing:
                self._add(store, missing)
        if not extra and not missing:
            return None
        self.repaired = f"put in step: {len(extra)} stale and {len(missing)} missing vectors"
        log.warning("vector store of %s %s", self.index_dir, self.repaired)
        return self.repaired

    def _rebuild(self, why: str) -> None:
        """A new collection from the registry's vectors (no model needed), replacing whatever is there."""
        log.warning("rebuilding the vector store of %s from the registry: %s", self.index_dir, why)
        connection, name = self.kb.chroma, self.kb.settings.collection
        with connection.lock, step(self.index_dir, "rebuilding the vector store"):
            try:
                connection.client().delete_collection(name)
            except Exception as exc:  # not there, or too broken even to delete
                log.info("could not delete the collection of %s (%s)", self.index_dir, exc)
                if connection.embedded:
                    connection.wipe()
            connection.collections_changed()
            self._add(self.kb.vectors, set(self.kb.registry.live_chunk_ids()))
            connection.remove_orphan_segments()
        self.layout.failed_marker.unlink(missing_ok=True)
        self.repaired = f"rebuilt from the registry ({why})"

    def _add(self, store: VectorStore, chunk_ids: set[str]) -> None:
        registry = self.kb.registry
        documents = {record.doc_id: record for record in registry.documents()}
        rows = [row for row in registry.live_vector_rows() if row[0] in chunk_ids]
        lacking = [row[0] for row in rows if row[4] is None]
        again = self._embed_again(lacking) if lacking else {}
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            vectors = np.stack([row[4] if row[4] is not None else again[row[0]] for row in batch])
            metadatas = [
                vector_metadata(documents[doc_id].metadata, documents[doc_id].version, ordinal, page)
                for _, doc_id, ordinal, page, _ in batch
            ]
            store.add([row[0] for row in batch], vectors, metadatas)

    def _vectors_for(self, store: VectorStore | None, chunk_ids: list[str]) -> dict[str, np.ndarray]:
        """Vectors for chunks the registry lacks: from Chroma when it has them, else embedded again."""
        found: dict[str, np.ndarray] = {}
        if store is not None:
            try:
                for start in range(0, len(chunk_ids), BATCH):
                    got = store.collection.get(ids=chunk_ids[start : start + BATCH], include=["embeddings"])
                    for cid, vector in zip(got["ids"], got["embeddings"], strict=True):
                        found[cid] = np.asarray(vector, dtype=np.float32)
            except Exception as exc:
                log.warning("could not read vectors from the vector store of %s: %s", self.index_dir, exc)
        rest = [cid for cid in chunk_ids if cid not in found]
        if rest:
            found.update(self._embed_again(rest))
        return found

    def _embed_again(self, chunk_ids: list[str]) -> dict[str, np.ndarray]:
        """The last resort for vectors that are nowhere: embed the chunks' stored texts again."""
        from kb.knowledge_base import passage_text

        log.warning("embedding %d chunks of %s again: their vectors were lost", len(chunk_ids), self.index_dir)
        wanted = set(chunk_ids)
        chunks = [(cid, chunk) for cid, _, chunk in self.kb.registry.live_chunks() if cid in wanted]
        vectors: dict[str, np.ndarray] = {}
        for start in range(0, len(chunks), 64):
            batch = chunks[start : start + 64]
            embedded = self.kb.embedder.embed_passages([passage_text(chunk) for _, chunk in batch])
            vectors.update((cid, vector) for (cid, _), vector in zip(batch, embedded, strict=True))
        return vectors


def _stamp(kb: KnowledgeBase) -> tuple[str | None, int]:
    """Who last wrote the index's vector store, and the registry's generation."""
    return kb.registry.get_meta("chroma_writer"), kb.registry.generation()
