"""Re-embed an index for another embedding model, from the registry's chunk texts (no file is re-read).

The new vectors go into a staging collection; only when every chunk is in it is it marked complete,
the old collection deleted and the staging one renamed. A kill before that leaves the old index
exactly as it was (the next reindex starts the staging collection afresh); a kill between the delete
and the rename is finished by the next open (`vectors.finish_interrupted_swap`). The lexical folder's
vector copies are caches of the old vectors: they are removed and the generation bumped.

The chunks keep their size. The next `vkb ingest` of a folder re-chunks its files for the new model
(the chunking settings are part of every file's fingerprint).
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from kb.embedding import Embedder, load_embedder
from kb.errors import InputError
from kb.knowledge_base import IndexBusy, passage_text
from kb.registry import Registry
from kb.settings import Settings
from kb.vectors import HNSW, STAGING_SUFFIX, finish_interrupted_swap, make_client, model_key

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
    if not (index_dir / "registry.sqlite3").exists():
        raise NothingToReindex(f"there is no index at {index_dir}; build one with `vkb ingest FOLDER`")
    lock = FileLock(str(index_dir / "write.lock"), timeout=0)
    try:
        lock.acquire()
    except Timeout as exc:
        raise IndexBusy(f"another vkb process is writing to the index at {index_dir}; wait for it to finish") from exc
    registry = Registry(index_dir / "registry.sqlite3")
    try:
        embedder = embedder or load_embedder(settings)
        client = make_client(index_dir, settings.chroma_url)
        finish_interrupted_swap(client, settings.collection)
        old = client.get_or_create_collection(settings.collection, embedding_function=None)
        previous = (old.metadata or {}).get("vkb_model")
        if previous == embedder.name:
            raise NothingToReindex(f"the index is already built with {embedder.name}")
        live = registry.live_chunks()
        staging = _fresh_staging(client, settings.collection, embedder)
        too_long = 0
        for start in range(0, len(live), BATCH):
            batch = live[start : start + BATCH]
            ids = [chunk_id for chunk_id, _, _ in batch]
            texts = [passage_text(chunk) for _, _, chunk in batch]
            too_long += sum(1 for n in embedder.count_tokens(texts) if n > embedder.max_tokens)
            metadatas = old.get(ids=ids, include=["metadatas"])
            by_id = dict(zip(metadatas["ids"], metadatas["metadatas"], strict=True))
            staging.upsert(
                ids=ids,
                embeddings=embedder.embed_passages(texts),
                metadatas=[by_id.get(i) or {"doc_id": doc_id} for i, (_, doc_id, _) in zip(ids, batch, strict=True)],
            )
            if progress:
                progress(min(start + BATCH, len(live)), len(live))
        staging.modify(metadata={**_metadata(embedder), "vkb_complete": True})
        client.delete_collection(settings.collection)
        staging.modify(name=settings.collection)
        registry.set_meta(model_key(settings), embedder.name)
        shutil.rmtree(index_dir / "lexical", ignore_errors=True)  # vector copies of the old model
        registry.bump_generation()
        return ReindexReport(embedder.name, previous, len(live), too_long)
    finally:
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
