"""The e5 weights on torch: the engine's tokens, the engine's vectors (to float rounding), faster passages."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.readers import read_document
from kb import load_embedder, load_settings
from kb.e5_torch import E5Torch
from kb.embedding import E5Embedder
from tests.conftest import SEED_CORPUS, SHARED_CORPUS

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def engine() -> E5Embedder:
    embedder = load_embedder(load_settings(e5_passages="engine", threads=1))
    assert isinstance(embedder, E5Embedder)
    return embedder


@pytest.fixture(scope="module")
def torch_backed() -> E5Embedder:
    embedder = load_embedder(load_settings(e5_passages="torch", threads=1))
    assert isinstance(embedder, E5Embedder)
    return embedder


@pytest.fixture(scope="module")
def on_torch() -> E5Torch:
    return E5Torch(threads=1, bf16=False)  # float32: exact enough to see a mask bug in a padded batch


def seed_sentences() -> list[str]:
    text = " ".join(read_document(p).text for p in sorted(SEED_CORPUS.iterdir()) if p.suffix in (".md", ".txt"))
    return [s.strip() for s in text.replace("\n", " ").split(". ") if len(s.strip()) > 20][:60]


@settings(max_examples=150, deadline=None)
@given(text=st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=120))
def test_token_counts_equal_the_engines_for_any_text(engine: E5Embedder, on_torch: E5Torch, text: str) -> None:
    # the engine counts <s> "passage: " text </s>; so does the port (full-width forms, ligatures, runs of
    # spaces and unknown characters all pass the normaliser and the Viterbi search)
    assert len(on_torch.ids(text)) == engine._model.token_count(text)


def test_vectors_match_the_engine_and_batches_match_single_texts(engine: E5Embedder, on_torch: E5Torch) -> None:
    sentences = seed_sentences()
    chunks = [" ".join(sentences[i : i + 6]) for i in range(0, len(sentences), 6)]
    texts = sentences[:12] + chunks[:4] + ["a", "Ünïcödé ﬁ ① №", "Vårdpersonal " * 60]
    reference = engine.embed_passages(texts)
    single = np.vstack([on_torch.encode([on_torch.ids(t)]) for t in texts])
    cosines = (reference * single).sum(axis=1)
    assert cosines.min() > 0.999, cosines  # the engine rounds activations to 8 bits; torch does not
    batch = on_torch.encode([on_torch.ids(t) for t in texts])  # padded to the longest: masks must hold
    assert np.allclose(batch, single, atol=1e-5)
    assert np.allclose(np.linalg.norm(batch, axis=1), 1.0, atol=1e-5)


def test_bfloat16_products_give_the_float32_vectors(on_torch: E5Torch) -> None:
    # where the CPU has bfloat16 units the products run in bfloat16 (layer norms stay float32)
    texts = [" ".join(seed_sentences()[i : i + 6]) for i in range(0, 36, 6)] + ["a", "Vårdpersonal " * 60]
    fast = E5Torch(threads=1, bf16=True)
    reference = on_torch.encode([on_torch.ids(t) for t in texts])
    batch = fast.encode([fast.ids(t) for t in texts])
    single = np.vstack([fast.encode([fast.ids(t)]) for t in texts])
    assert (reference * batch).sum(axis=1).min() > 0.9999
    assert (single * batch).sum(axis=1).min() > 0.9999


def test_passages_on_torch_rank_like_the_engine_for_engine_queries(
    engine: E5Embedder, torch_backed: E5Embedder
) -> None:
    passages = seed_sentences()[:40]
    by_engine, by_torch = engine.embed_passages(passages), torch_backed.embed_passages(passages)
    for query in ("brist på sjuksköterskor", "how to retain nurses in rural areas", "lön och arbetsmiljö"):
        vector = engine.embed_query(query)  # searches always encode the query with the engine
        top_engine = np.argsort(-(by_engine @ vector))[:5]
        top_torch = np.argsort(-(by_torch @ vector))[:5]
        assert top_engine[0] == top_torch[0] and len(set(top_engine) & set(top_torch)) >= 4


def test_a_text_longer_than_one_window_goes_to_the_engine(engine: E5Embedder, torch_backed: E5Embedder) -> None:
    long_text = "Sjuksköterskor i glesbygd behöver handledning och rimliga scheman. " * 45  # > 512 tokens
    short = "Undersköterskor behöver kompetensutveckling."
    vectors = torch_backed.embed_passages([long_text, short])
    assert np.allclose(vectors[0], engine.embed_passages([long_text])[0], atol=1e-6)  # the engine's windows
    assert float(vectors[1] @ engine.embed_passages([short])[0]) > 0.999


def test_torch_threads_stay_within_openmp_thread_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    from kb.e5_torch import _within_thread_limit

    monkeypatch.setenv("OMP_THREAD_LIMIT", "1")  # what vkb's OCR sets for Tesseract; child processes inherit it
    assert _within_thread_limit(2) == 1
    monkeypatch.delenv("OMP_THREAD_LIMIT")
    assert _within_thread_limit(2) == 2


def test_an_ingest_under_an_openmp_thread_limit_gives_finite_vectors(tmp_path: Path) -> None:
    # torch asked for more threads than OMP_THREAD_LIMIT allowed gave NaN vectors in 2 of 3 such ingests
    corpus = tmp_path / "corpus"
    for folder in ("regeringsuppdrag", "utredningar"):
        shutil.copytree(SHARED_CORPUS / folder, corpus / folder)
    env = {**os.environ, "OMP_THREAD_LIMIT": "1", "VKB_INDEX": str(tmp_path / "index")}
    run = subprocess.run(
        [sys.executable, "-m", "vkb_cli.main", "ingest", str(corpus), "--no-progress"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert run.returncode == 0 and " 0 failed" in run.stdout, run.stderr[-1500:]
