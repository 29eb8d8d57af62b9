"""Re-embed an index for another embedding model, from the registry's chunk texts (no file is re-read).

The new vectors go into a staging collection and beside the registry's vectors (`staged_vectors`);
only when every chunk is in both is the collection marked complete, the registry's vectors swapped
for the new ones in one transaction (readers use those), the old collection deleted and the staging
one renamed. A kill before the registry's swap leaves the old index exactly as it was (the next
reindex starts afresh); a kill after it is finished by the next open (`vectors.finish_interrupted_swap`)
or the next write session (which rebuilds the collection from the registry). The lexical folder's
vector copies are caches of the old vectors: they are removed and the generation bumped.
With the e5 model the latent terms (`kb.latent_terms`) are made in the same pass and swapped in with
the vectors; an e5 index made before latent terms existed is re-embedded to get them.

The chunks keep their size. The next `vkb ingest` of a folder re-chunks its files for the new model
(the chunking settings are part of every file's fingerprint).
"""

from __future__ import annotations

import shutil
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kb.diskspace import ensure_free_space
from kb.embedding import Embedder, LatentEncoder, encode_passages, load_embedder
from kb.errors import InputError
from kb.knowledge_base import passage_text
from kb.layout import IndexLayout
from kb.registry import Registry
from kb.settings import Settings
from kb.vectors import HNSW, STAGING_SUFFIX, connect, disconnect, finish_interrupted_swap, vector_metadata
from kb.writer import acquire_write_lock, step

BATCH = 64
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ReindexReport:
    model: str
    previous_model: str | None
    chunks: int
    too_long: int  # chunks longer than the new model reads (they are embedded truncated)


class NothingToReindex(InputError, ValueError):
    """The index is empty or already built with the configured model."""


def reindex(settings: Settings, *, embedder: Embedder | None = None, progress: Progress | None = None) -> ReindexReport:
    """Re-embed every live chunk of the settings' index with the configured model, atomically."""
    index_dir = Path(settings.index).expanduser()
    layout = IndexLayout(index_dir)
    if not layout.registry.exists():
        raise NothingToReindex(f"there is no index at {index_dir}; build one with `vkb ingest FOLDER`")
    lock = acquire_write_lock(index_dir)
    registry = Registry(layout.registry)
    connection = connect(index_dir, settings.chroma_url)
    try:
        ensure_free_space(index_dir, settings.min_free_mb)
        embedder = embedder or load_embedder(settings)
        stamp = (registry.get_meta("chroma_writer"), registry.generation())
        if connection.embedded and connection.is_open and connection.stamp != stamp:
            connection.reopen()  # another process wrote since this client was opened
        registry.set_meta("chroma_writer", uuid.uuid4().hex)
        client = connection.client()
        finish_interrupted_swap(client, settings.collection, registry.vector_model())
        old = client.get_or_create_collection(settings.collection, embedding_function=None)
        previous = registry.vector_model() or (old.metadata or {}).get("vkb_model")
        adds_terms = isinstance(embedder, LatentEncoder) and registry.missing_terms() > 0
        if previous == embedder.name and not adds_terms:
            raise NothingToReindex(f"the index is already built with {embedder.name}")
        documents = {record.doc_id: record for record in registry.documents()}
        live = registry.live_chunks()
        with step(index_dir, "starting the re-embedded collection"):
            staging = _fresh_staging(client, settings.collection, embedder)
            registry.clear_reindex_vectors()
        too_long = 0
        for start in range(0, len(live), BATCH):
            batch = live[start : start + BATCH]
            ids = [chunk_id for chunk_id, _, _ in batch]
            texts = [passage_text(chunk) for _, _, chunk in batch]
            too_long += sum(1 for n in embedder.count_tokens(texts) if n > embedder.max_tokens)
            encoded = encode_passages(embedder, texts)
            embeddings = encoded.embeddings
            metadatas = [
                vector_metadata(documents[doc_id].metadata, documents[doc_id].version, chunk.ordinal, chunk.page)
                for _, doc_id, chunk in batch
            ]
            with step(index_dir, "storing re-embedded vectors"):
                staging.upsert(ids=ids, embeddings=embeddings, metadatas=metadatas)
                registry.stage_reindex_vectors(
                    dict(zip(ids, embeddings, strict=True)),
                    dict(zip(ids, encoded.terms, strict=True)) if encoded.terms is not None else None,
                )
            if progress:
                progress(min(start + BATCH, len(live)), len(live))
        with step(index_dir, "swapping in the re-embedded vectors"):
            staging.modify(metadata={**_metadata(embedder), "vkb_complete": True})
            registry.swap_in_reindex_vectors(embedder.name)  # readers see the new model's vectors from here
            client.delete_collection(settings.collection)
            staging.modify(name=settings.collection)
            connection.remove_orphan_segments()
        shutil.rmtree(layout.search_cache, ignore_errors=True)  # vector copies of the old model
        registry.bump_generation()
        return ReindexReport(embedder.name, previous, len(live), too_long)
    finally:
        try:
            connection.stamp = (registry.get_meta("chroma_writer"), registry.generation())
        finally:
            disconnect(connection)
            registry.close()
            lock.release()


def _metadata(embedder: Embedder) -> dict[str, Any]:
    return {"vkb_model": embedder.name, "vkb_dimension": embedder.dimension}


def _fresh_staging(client: Any, name: str, embedder: Embedder) -> Any:
    staging = name + STAGING_SUFFIX
    existing = {c if isinstance(c, str) else c.name for c in client.list_collections()}
    if staging in existing:  # left by an interrupted reindex: start it afresh
        client.delete_collection(staging)
    return client.create_collection(
        staging, embedding_function=None, configuration={"hnsw": HNSW}, metadata=_metadata(embedder)
    )
