"""Shared fixtures: every test gets its own index folder; a tiny deterministic embedder for fast tests."""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from kb import KnowledgeBase, Settings, load_settings

REPO = Path(__file__).resolve().parent.parent
SHARED = Path(os.environ.get("VKB_SHARED_DIR", REPO.parent / "shared"))
SHARED_CORPUS = SHARED / "corpus"
# The three seed documents the tests were written against (data/corpus also ships the catalogue's sources).
SEED_CORPUS = REPO / "tests" / "fixtures" / "seed_corpus"
_TOKEN = re.compile(r"\w+|[^\w\s]")


class HashEmbedder:
    """Deterministic bag-of-words embedder: one token per word or punctuation mark, 64 dimensions."""

    name = "test-hash-embedder"
    dimension = 64
    max_tokens = 40

    def count_tokens(self, texts: list[str]) -> list[int]:
        return [len(_TOKEN.findall(t)) for t in texts]

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dimension, dtype=np.float32)
        for word in _TOKEN.findall(text.lower()):
            vector[int(hashlib.md5(word.encode()).hexdigest(), 16) % self.dimension] += 1.0
        norm = np.linalg.norm(vector)
        return vector / norm if norm else vector

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return np.stack([self._vector(t) for t in texts]) if texts else np.zeros((0, self.dimension), np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self._vector(text)


# Set VKB_TEST_CHROMA_URL to run the suite against a real Chroma server (`chroma run`) instead of
# the embedded store; each test then gets its own collection on that server.
TEST_CHROMA_URL = os.environ.get("VKB_TEST_CHROMA_URL") or None


def settings_for(index: Path, name: str) -> Settings:
    """Settings for an index made outside a test function (module fixtures), server mode included."""
    collection = f"m{hashlib.md5(name.encode()).hexdigest()[:16]}" if TEST_CHROMA_URL else None
    return load_settings(index=index, chroma_url=TEST_CHROMA_URL, collection=collection)


@pytest.fixture(autouse=True)
def _isolated_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest) -> Path:
    """Point the default index at a temporary folder so no test touches a user's index."""
    index = tmp_path / "index"
    monkeypatch.setenv("VKB_INDEX", str(index))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    for name in ("VKB_MODEL", "VKB_CHROMA_URL", "VKB_CHUNK_TOKENS", "VKB_COLLECTION"):
        monkeypatch.delenv(name, raising=False)
    if TEST_CHROMA_URL:
        monkeypatch.setenv("VKB_CHROMA_URL", TEST_CHROMA_URL)
        digest = hashlib.md5(request.node.nodeid.encode()).hexdigest()[:16]
        monkeypatch.setenv("VKB_COLLECTION", f"t{digest}")
    return index


@pytest.fixture
def settings() -> Settings:
    return load_settings()


@pytest.fixture
def hash_kb(settings: Settings) -> Iterator[KnowledgeBase]:
    kb = KnowledgeBase.open(settings, embedder=HashEmbedder())
    yield kb
    kb.close()


@pytest.fixture(scope="session")
def real_embedder():  # type: ignore[no-untyped-def]
    from kb import load_embedder

    return load_embedder(load_settings())


@pytest.fixture
def real_kb(settings: Settings, real_embedder) -> Iterator[KnowledgeBase]:  # type: ignore[no-untyped-def]
    kb = KnowledgeBase.open(settings, embedder=real_embedder)
    yield kb
    kb.close()


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--ui-seeds", type=int, default=200, help="how many random UI walks tests/app/test_random_walk.py runs"
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "ui_seed" in metafunc.fixturenames:
        metafunc.parametrize("ui_seed", range(metafunc.config.getoption("--ui-seeds")))


# The PDF test set (tests/fixtures/pdf_set.py) for a few corpus documents: two volumes of two
# documents each, in the digital, two-column and scanned layouts, made once per test session.
PDF_SET_DOCS = (
    "003_500308792ab731a9",
    "rk-sou-202206-sou-202235",
    "ipq-202223-98",
    "rk-pm-202310-ratt-regelverk-for-behorighet-yrkesreglering-och-specialkomp",
)


@pytest.fixture(scope="session")
def pdf_set(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.fixtures.pdf_set import make_pdf_set

    folder = tmp_path_factory.mktemp("pdf-set")
    make_pdf_set(SHARED_CORPUS, folder, PDF_SET_DOCS, per_volume=2)
    return folder


def require_tesseract() -> None:
    """Skip without Tesseract and its Swedish data, except in CI, where .ci/run installs them and a
    missing Tesseract is a failure (as a missing Chromium is for the browser tests)."""
    from ingest.ocr import available

    if not available():
        if os.environ.get("CI"):
            pytest.fail("Tesseract with Swedish data is missing; .ci/run should have installed it")
        pytest.skip("Tesseract with Swedish data is not installed")
