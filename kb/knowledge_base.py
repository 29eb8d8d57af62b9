"""The knowledge base: one registry (SQLite) and one vector collection (Chroma), kept consistent.

Write path for one document (atomic as seen by readers and across crashes):
  1. stage the new version's chunks in the registry (recorded as pending),
  2. add its vectors to Chroma under ids `doc_id:version:ordinal`,
  3. publish: one SQLite transaction makes the new version live,
  4. delete the old version's vectors.
A kill between any two steps leaves the old version live; `recover()` (run by every writer before
it starts) deletes whatever a killed writer staged, so a re-run repairs the index.
Writes happen inside a `WriteSession` (`writing()`, see `kb.writer`): one writer across threads and
processes, free space checked, the vector store checked and repaired first. A write step that fails
raises `IndexWriteError` (`DiskFull` for a full disk) and leaves the live version as it was.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
from filelock import FileLock

from kb.citations import Citation, Context, cite, passage_context
from kb.diskspace import ensure_free_space
from kb.embedding import CHUNK_TOKENS, Embedder, EncodedPassages, LatentEncoder, encode_passages, load_embedder
from kb.hits import Hit
from kb.layout import IndexLayout
from kb.records import Chunk, DocumentContent, DocumentLookup, DocumentMetadata, DocumentRecord, FailureRecord, PageSpan
from kb.registry import Registry, chunk_id
from kb.settings import Settings, load_settings
from kb.vectors import ChromaConnection, VectorAccess, VectorStore, connect, disconnect, model_mismatch, vector_metadata
from kb.writer import IndexBusy, WriteSession, acquire_write_lock, step

if TYPE_CHECKING:
    from collections.abc import Callable

    from kb.latent_terms import LatentTerms
    from kb.search import Filters, Mode, Searcher

__all__ = ["IndexBusy", "KnowledgeBase", "open_documents", "passage_text"]


class KnowledgeBase:
    """A document index: open it, write documents into it, read them back (search comes with `kb.search`)."""

    def __init__(self, settings: Settings, embedder: Embedder, registry: Registry, chroma: ChromaConnection) -> None:
        self.settings = settings
        self.embedder = embedder
        self.registry = registry
        self.chroma = chroma  # this process's Chroma client for the index, opened on first use
        self._vectors = VectorAccess(
            chroma, registry, settings.collection, model_name=embedder.name, dimension=embedder.dimension
        )
        self._searcher: Searcher | None = None
        self._searcher_made = threading.Lock()  # the app's sessions share one knowledge base

    @classmethod
    def open(cls, settings: Settings | None = None, *, embedder: Embedder | None = None) -> KnowledgeBase:
        """Open (creating if needed) the index the settings name."""
        settings = settings or load_settings()
        embedder = embedder or load_embedder(settings)
        index_dir = Path(settings.index).expanduser()
        index_dir.mkdir(parents=True, exist_ok=True)
        registry = Registry(IndexLayout(index_dir).registry)
        index_model = registry.vector_model()
        if index_model is not None and index_model != embedder.name:
            registry.close()
            raise model_mismatch(index_model, embedder.name)
        kb = cls(settings, embedder, registry, connect(index_dir, settings.chroma_url))
        if index_model is None:  # an index older than the registry's vectors: its collection knows the model
            try:
                kb.vectors  # noqa: B018 - opening it checks the model
            except BaseException:
                kb.close()
                raise
        return kb

    @property
    def vectors(self) -> VectorStore:
        """The Chroma collection (opened on first use; writers keep it in step with the registry)."""
        return self._vectors.store()

    def close(self) -> None:
        self.registry.close()
        disconnect(self.chroma)

    # --- sizes ------------------------------------------------------------------------------------
    @property
    def chunk_tokens(self) -> int:
        """Chunk size in model tokens: the setting, else the size measured for the model, capped at what it reads."""
        limit = self.embedder.max_tokens
        return min(self.settings.chunk_tokens or CHUNK_TOKENS.get(self.embedder.name) or limit, limit)

    def pipeline_signature(self) -> str:
        """What, besides a file's bytes and metadata, decides its chunks and vectors."""
        parts = [
            self.embedder.name,
            str(self.chunk_tokens),
            str(self.settings.chunk_overlap_tokens),
            self.settings.passage_prefix,
            CHUNKER_VERSION,
        ]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:16]

    # --- writing ----------------------------------------------------------------------------------
    def writing(self, *, wait: float = 0, on_wait: Callable[[], None] | None = None) -> WriteSession:
        """A write session (`with kb.writing(): ...`): the write lock, waited for up to `wait` seconds
        (`on_wait` is called once when another writer holds it), free space checked and the vector store
        repaired before the first write. IndexBusy when the lock stays taken."""
        return WriteSession(self, wait=wait, on_wait=on_wait)

    def writer_lock(self, timeout: float = 0) -> FileLock:
        """Only the write lock of this index (what another writer holds); `writing()` is the way to write."""
        return acquire_write_lock(Path(self.settings.index).expanduser(), wait=timeout)

    def recover(self) -> int:
        """Remove what interrupted writers left behind. Returns the number of abandoned versions removed."""
        removed = 0
        live = self.registry.live_versions()
        for doc_id, version in self.registry.pending_versions():
            if live.get(doc_id) == version:  # published, old vectors maybe not yet deleted
                self.vectors.delete_document(doc_id, keep_version=version)
            else:
                self.vectors.delete_version(doc_id, version)
                removed += 1
            self.registry.discard_pending(doc_id, version)
        return removed

    def embed_chunks(self, chunks: Sequence[Chunk]) -> EncodedPassages:
        """The chunks' vectors, and their latent terms when the model makes them."""
        return encode_passages(self.embedder, [passage_text(c) for c in chunks])

    def replace_document(
        self,
        metadata: DocumentMetadata,
        content: DocumentContent,
        *,
        abs_path: str,
        fingerprint: str,
        chunks: Sequence[Chunk],
        embeddings: np.ndarray,
        terms: Sequence[LatentTerms] | None = None,
    ) -> str:
        """Make this the live content of `metadata.doc_id` (its chunks' vectors and, from a model that
        makes them, latent terms). Returns the new version."""
        if len(chunks) != len(embeddings):
            raise ValueError(f"{len(chunks)} chunks but {len(embeddings)} embeddings")
        version = hashlib.sha256(f"{fingerprint}\x1f{metadata.model_dump_json()}".encode()).hexdigest()[:12]
        doc_id = metadata.doc_id
        index_dir = Path(self.settings.index).expanduser()
        ensure_free_space(index_dir, self.settings.min_free_mb, write_estimate(content.text, chunks, embeddings, terms))
        with step(index_dir, "staging the document's chunks", vectors=False):
            self.registry.stage_chunks(doc_id, version, chunks, embeddings, terms)
        with step(index_dir, "adding the document's vectors"):
            self.vectors.add(
                [chunk_id(doc_id, version, c.ordinal) for c in chunks],
                embeddings,
                [vector_metadata(metadata, version, c.ordinal, c.page) for c in chunks],
            )
        with step(index_dir, "publishing the document", vectors=False):
            self.registry.publish(
                metadata, content, abs_path=abs_path, fingerprint=fingerprint, version=version, chunk_count=len(chunks)
            )
        with step(index_dir, "deleting the document's old vectors"):
            self.vectors.delete_document(doc_id, keep_version=version)
        return version

    def delete_document(self, doc_id: str) -> None:
        index_dir = Path(self.settings.index).expanduser()
        with step(index_dir, "removing the document", vectors=False):
            self.registry.remove(doc_id)
        with step(index_dir, "deleting the document's vectors"):
            self.vectors.delete_document(doc_id)

    def record_failure(self, abs_path: str, source_path: str, reason: str) -> None:
        """Remember that a file could not be ingested (shown by `vkb docs` and the Dokument page)."""
        with step(Path(self.settings.index).expanduser(), "recording a failed file", vectors=False):
            self.registry.record_failure(abs_path, source_path, reason)

    def clear_failure(self, abs_path: str) -> None:
        """Forget a file's failure (it was ingested, or a failed upload restored the state before it)."""
        with step(Path(self.settings.index).expanduser(), "clearing a failed file", vectors=False):
            self.registry.clear_failure(abs_path)

    # --- reading ----------------------------------------------------------------------------------
    def documents(self) -> list[DocumentRecord]:
        return self.registry.documents()

    def document(self, doc_id: str) -> DocumentRecord | None:
        return self.registry.document(doc_id)

    def document_text(self, doc_id: str) -> tuple[str, list[PageSpan]] | None:
        return self.registry.document_text(doc_id)

    def failures(self) -> list[FailureRecord]:
        return self.registry.failures()

    def passages_without_latent_terms(self) -> int:
        """Live passages lacking the latent terms this model makes (0 for a model that makes none):
        an index from before latent terms, which `vkb reindex` completes."""
        return self.registry.missing_terms() if isinstance(self.embedder, LatentEncoder) else 0

    def source_to_text(self, doc_id: str, position: int) -> int:
        """Map a character position of the document's source file onto its extracted text."""
        return self.registry.source_to_text(doc_id, position)

    def chunk_vectors(self, chunk_ids: list[str]) -> dict[str, np.ndarray]:
        """The stored vectors of these chunks: from the registry (for an index made before the registry
        kept vectors, and not yet written to since, from Chroma)."""
        found = self.registry.vectors(chunk_ids)
        rest = [cid for cid in chunk_ids if cid not in found]
        if rest:
            got = self.vectors.collection.get(ids=rest, include=["embeddings"])
            for cid, vector in zip(got["ids"], got["embeddings"], strict=True):
                found[cid] = np.asarray(vector, dtype=np.float32)
        return found

    # --- searching --------------------------------------------------------------------------------
    @property
    def searcher(self) -> Searcher:
        with self._searcher_made:
            if self._searcher is None:
                from kb.search import Searcher

                self._searcher = Searcher(self)
            return self._searcher

    def prepare_search(self) -> None:
        """Build the search snapshot of the live chunks (lexical index, vector copy) on disk now, so
        that searches, in this process or another, need neither the build nor Chroma."""
        self.searcher.table()

    def search(self, query: str, *, k: int = 10, filters: Filters | None = None, mode: Mode = "hybrid") -> list[Hit]:
        """The passages that best answer `query` (see `kb.search.Searcher`)."""
        return self.searcher.search(query, k=k, filters=filters, mode=mode)

    def similar(self, hit: Hit, *, k: int = 5) -> list[Hit]:
        return self.searcher.similar(hit, k=k)

    def context(self, hit: Hit, margin: int = 700) -> Context | None:
        """The passage with the text around it (its page, for paged documents)."""
        found = self.document_text(hit.doc_id)
        if found is None:
            return None
        text, pages = found
        return passage_context(text, list(pages), hit.char_start, hit.char_end, margin)

    def cite(self, hit: Hit, *, quote: str | None = None) -> Citation:
        record = self.document(hit.doc_id)
        return cite(
            hit, url=record.metadata.url if record else None, abs_path=record.abs_path if record else None, quote=quote
        )


CHUNKER_VERSION = "1"


def passage_text(chunk: Chunk) -> str:
    """The text embedded for a chunk: its own text with whitespace folded (the chunker sized it to fit)."""
    return " ".join(chunk.text.split())


def write_estimate(
    text: str, chunks: Sequence[Chunk], embeddings: np.ndarray, terms: Sequence[LatentTerms] | None = None
) -> int:
    """Bytes a document may take on disk while it is written, generously: its text and chunk texts in
    the registry and its WAL; each vector in the registry, its WAL, Chroma's log, its HNSW files and
    the readers' vector copy; latent terms in the registry, its WAL and the readers' postings; SQLite
    and Chroma's per-row overhead."""
    texts = len(text.encode()) + sum(len(c.text.encode()) for c in chunks)
    latent = sum(6 * len(t) for t in terms) if terms is not None else 0
    return 3 * texts + 6 * int(embeddings.nbytes) + 3 * latent + 4096 * len(chunks)


def open_documents(index: Path) -> DocumentLookup | None:
    """The index's documents (titles, texts, pages) for references and quote checks, read-only in use:
    no embedding model and no Chroma are loaded. None when there is no index at that folder."""
    database = IndexLayout.at(index).registry
    return Registry(database) if database.exists() else None
