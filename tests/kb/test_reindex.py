"""`vkb reindex`: an index built with one model becomes searchable with another, atomically."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from ingest import ingest_paths
from kb import KnowledgeBase, ModelMismatch, Settings
from kb.reindex import NothingToReindex, reindex
from kb.vectors import STAGING_SUFFIX, make_client
from tests.conftest import SEED_CORPUS, HashEmbedder


class OtherEmbedder(HashEmbedder):
    """Another vector space: the hash embedder's vectors, reversed."""

    name = "test-other-embedder"

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return super().embed_passages(texts)[:, ::-1].copy()

    def embed_query(self, text: str) -> np.ndarray:
        return super().embed_query(text)[::-1].copy()


@pytest.fixture
def built(settings: Settings) -> Settings:
    kb = KnowledgeBase.open(settings, embedder=HashEmbedder())
    assert ingest_paths([SEED_CORPUS], kb).ok
    kb.searcher.search("sjuksköterskor", mode="hybrid")  # leave a lexical cache of the old vectors
    kb.close()
    return settings


def test_switching_models_refuses_the_old_index_and_reindex_makes_it_searchable(built: Settings) -> None:
    with pytest.raises(ModelMismatch, match="vkb reindex"):
        KnowledgeBase.open(built, embedder=OtherEmbedder())
    seen: list[tuple[int, int]] = []
    report = reindex(built, embedder=OtherEmbedder(), progress=lambda done, total: seen.append((done, total)))
    assert report.previous_model == "test-hash-embedder" and report.model == "test-other-embedder"
    assert seen and seen[-1][0] == seen[-1][1] == report.chunks
    kb = KnowledgeBase.open(built, embedder=OtherEmbedder())
    assert kb.vectors.count() == report.chunks == len(kb.registry.live_chunks())
    hits = kb.search("vidareutbildning till specialistsjuksköterska", mode="dense")
    assert hits and all(h.dense_score > 0 for h in hits)
    # the dense scores are the new model's: the same as embedding the passage with it now
    table = kb.searcher.table()
    row = table.row_of[hits[0].chunk_id]
    expected = OtherEmbedder().embed_passages([" ".join(table.chunks[row].text.split())])[0]
    assert np.allclose(table.matrix.vectors[row], expected, atol=1e-6)
    kb.close()
    with pytest.raises(ModelMismatch):
        KnowledgeBase.open(built, embedder=HashEmbedder())
    with pytest.raises(NothingToReindex, match="already built"):
        reindex(built, embedder=OtherEmbedder())


def test_a_reindex_that_fails_midway_leaves_the_old_index_as_it_was(
    built: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = 0

    class Failing(OtherEmbedder):
        def embed_passages(self, texts: list[str]) -> np.ndarray:
            nonlocal calls
            calls += 1
            if calls == 2:
                raise KeyboardInterrupt  # a kill between two batches
            return super().embed_passages(texts)

    monkeypatch.setattr("kb.reindex.BATCH", 4)
    with pytest.raises(KeyboardInterrupt):
        reindex(built, embedder=Failing())
    kb = KnowledgeBase.open(built, embedder=HashEmbedder())  # still the old model's index
    assert kb.search("sjuksköterskor", mode="dense")
    kb.close()
    report = reindex(built, embedder=OtherEmbedder())  # a new run starts the staging afresh
    kb = KnowledgeBase.open(built, embedder=OtherEmbedder())
    assert kb.vectors.count() == report.chunks
    kb.close()


def test_a_kill_between_delete_and_rename_is_finished_by_the_next_open(
    built: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chromadb.api.models.Collection import Collection

    original = Collection.modify

    def stop_at_rename(self: Collection, name: str | None = None, **kwargs: object) -> None:
        if name is not None:
            raise KeyboardInterrupt  # killed after the old collection was deleted
        original(self, name=name, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Collection, "modify", stop_at_rename)
    with pytest.raises(KeyboardInterrupt):
        reindex(built, embedder=OtherEmbedder())
    monkeypatch.setattr(Collection, "modify", original)
    names = {c.name for c in make_client(Path(built.index), built.chroma_url).list_collections()}
    assert built.collection not in names and built.collection + STAGING_SUFFIX in names
    kb = KnowledgeBase.open(built, embedder=OtherEmbedder())
    assert kb.search("sjuksköterskor", mode="dense") and kb.vectors.count() == len(kb.registry.live_chunks())
    kb.close()


def test_reindex_of_no_index_says_how_to_build_one(tmp_path: Path, settings: Settings) -> None:
    with pytest.raises(NothingToReindex, match="vkb ingest"):
        reindex(settings.with_overrides(index=tmp_path / "none"), embedder=OtherEmbedder())


def test_a_process_still_searching_after_a_reindex_elsewhere_is_told_to_restart(built: Settings) -> None:
    running = KnowledgeBase.open(built, embedder=HashEmbedder())
    assert running.search("sjuksköterskor", mode="dense")
    reindex(built, embedder=OtherEmbedder())  # as `vkb reindex` in another process would
    with pytest.raises(ModelMismatch, match="restart"):  # not: the old vectors mixed with the new
        running.search("sjuksköterskor", mode="dense")
    running.close()


def test_a_kill_after_the_registry_took_the_new_vectors_is_finished_by_the_next_open(
    built: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    from chromadb.api.client import Client

    original = Client.delete_collection

    def killed(self: Client, name: str) -> None:
        raise KeyboardInterrupt  # killed after the registry's swap, before the old collection went

    monkeypatch.setattr(Client, "delete_collection", killed)
    with pytest.raises(KeyboardInterrupt):
        reindex(built, embedder=OtherEmbedder())
    monkeypatch.setattr(Client, "delete_collection", original)
    with pytest.raises(ModelMismatch):  # the registry holds the new model's vectors: the old model is refused
        KnowledgeBase.open(built, embedder=HashEmbedder())
    kb = KnowledgeBase.open(built, embedder=OtherEmbedder())
    hits = kb.search("vidareutbildning till specialistsjuksköterska", mode="dense")
    table = kb.searcher.table()
    row = table.row_of[hits[0].chunk_id]
    expected = OtherEmbedder().embed_passages([" ".join(table.chunks[row].text.split())])[0]
    assert np.allclose(table.matrix.vectors[row], expected, atol=1e-6)  # searched with the new vectors
    assert kb.vectors.count() == len(kb.registry.live_chunks())  # the swap was finished on open
    names = {c.name for c in make_client(Path(built.index), built.chroma_url).list_collections()}
    assert built.collection in names and built.collection + STAGING_SUFFIX not in names
    assert ingest_paths([SEED_CORPUS], kb).counts() == {"updated": 3}  # chunked again for the new model
    kb.close()
