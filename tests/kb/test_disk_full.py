"""A full disk: the ingest stops cleanly, the index stays searchable at its last good state, the next ingest repairs.

Two ways in: a write that fails at each step of the write path (patched to raise ENOSPC, always
run), and a real small file system (a tmpfs mounted for the test, where the test may mount one).
Chroma is set to persist its HNSW files on every write, as a large index does: a failed or
interrupted persist then leaves them truncated, which is what made every search fail before.
"""

from __future__ import annotations

import errno
import random
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

import kb.vectors
from ingest import ingest_paths
from ingest.uploads import Upload, add_upload, uploads_folder
from kb import DiskFull, IndexWriteError, KnowledgeBase, Settings, load_settings
from kb.layout import IndexLayout
from tests.conftest import TEST_CHROMA_URL, HashEmbedder

MODES = ("lexical", "dense", "hybrid")
# A Chroma server answers dense queries from its HNSW index, which is approximate: with the test
# embedder's near-duplicate vectors it can miss one of many tied passages, so there only lexical
# search is checked passage by passage in the generated corpus.
EXACT = ("lexical",) if TEST_CHROMA_URL else MODES
FILLER = "Regionen beskriver bemanning och kompetensförsörjning i vården under året."


@pytest.fixture(autouse=True)
def _hnsw_persisted_on_every_write(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kb.vectors, "HNSW", {**kb.vectors.HNSW, "sync_threshold": 2, "batch_size": 2})


def document(marker: str, paragraphs: int = 3) -> str:
    """A document whose first passage is its marker word over and over (found first in every mode)."""
    body = [" ".join([marker] * 12)] + [f"{FILLER} Stycke {p}." for p in range(paragraphs)]
    return f"Dokument om {marker}\n\n" + "\n\n".join(body) + "\n"


def write_corpus(folder: Path, version: int) -> None:
    """Version 1: four documents. Version 2: the first changed, a broken PDF and a fifth document added."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "1-forsta.txt").write_text(document("ekorre" if version == 1 else "bäver"), encoding="utf-8")
    for name, marker in (("2-andra.txt", "älg"), ("3-tredje.txt", "varg"), ("4-fjarde.txt", "räv")):
        (folder / name).write_text(document(marker), encoding="utf-8")
    if version == 2:
        (folder / "0-trasig.pdf").write_bytes(b"%PDF-1.4 trasig")
        (folder / "5-femte.txt").write_text(document("lodjur"), encoding="utf-8")


def top_doc(base: KnowledgeBase, word: str, mode: str) -> str | None:
    hits = base.search(word, k=3, mode=mode)  # type: ignore[arg-type]
    return hits[0].source_path if hits and word in hits[0].text else None


def assert_searchable(base: KnowledgeBase, live: dict[str, str]) -> None:
    """Every mode finds each live document by its marker, and no marker of a version that is not live."""
    for mode in MODES:
        for word, name in live.items():
            assert top_doc(base, word, mode) == name, (mode, word)
        for gone in {"ekorre", "bäver", "lodjur"} - set(live):
            assert all(gone not in hit.text for hit in base.search(gone, k=20, mode=mode)), (mode, gone)  # type: ignore[arg-type]


def assert_consistent(base: KnowledgeBase) -> None:
    """Chroma holds exactly the live chunks with the registry's vectors, its HNSW index answers, and
    nothing is marked failed."""
    live = base.registry.live_chunk_ids()
    stored = base.vectors.ids()
    assert sorted(stored) == sorted(live) and not base.registry.pending_versions()
    vectors = base.registry.vectors(live)
    assert vectors.keys() == set(live)
    got = base.vectors.collection.get(ids=live, include=["embeddings"])
    for cid, vector in zip(got["ids"], got["embeddings"], strict=True):
        assert np.allclose(vector, vectors[cid], atol=1e-6), cid
    assert len(base.vectors.query(vectors[live[0]], 10)) == min(10, len(live))
    assert not IndexLayout.at(base.settings.index).failed_marker.exists()


def truncate_hnsw_files(index: Path) -> list[Path]:
    """What a full disk does to Chroma's HNSW files when it persists them: 0 bytes."""
    files = [p for p in (index / "chroma").glob("*/*") if p.is_file()]
    for path in files:
        path.write_bytes(b"")
    return files


# Each live version's marker word and its file: before the second ingest, after its first document, after all.
OTHERS = {"älg": "2-andra.txt", "varg": "3-tredje.txt", "räv": "4-fjarde.txt"}
OLD = {"ekorre": "1-forsta.txt", **OTHERS}
MID = {"bäver": "1-forsta.txt", **OTHERS}
NEW = {**MID, "lodjur": "5-femte.txt"}


def full_disk_at(monkeypatch: pytest.MonkeyPatch, target: str, call: int) -> list[int]:
    """Make `target` (a dotted method) raise ENOSPC on its `call`-th call and after. Returns the call count."""
    module_name, class_name, method = target.rsplit(".", 2)
    module = __import__(module_name, fromlist=[class_name])
    owner = getattr(module, class_name)
    original = getattr(owner, method)
    calls = [0]

    def failing(*args: object, **kwargs: object) -> object:
        calls[0] += 1
        if calls[0] >= call:
            raise OSError(errno.ENOSPC, "No space left on device")
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, method, failing)
    return calls


# (the write that fails, on which call, the markers live after the failure)
STEPS = [
    ("kb.registry.Registry.set_meta", 1, OLD),  # the session's first write
    ("kb.registry.Registry.record_failure", 1, OLD),  # the broken PDF's failure (the first file)
    ("kb.registry.Registry.stage_chunks", 1, OLD),
    ("kb.vectors.VectorStore.add", 1, OLD),
    ("kb.registry.Registry.publish", 1, OLD),
    ("kb.vectors.VectorStore.delete_document", 1, MID),  # after the first document was published
    ("kb.vectors.VectorStore.add", 2, MID),  # the second document's vectors
]


@pytest.mark.parametrize(("target", "call", "live"), STEPS, ids=[f"{t.rsplit('.', 1)[1]}-{c}" for t, c, _ in STEPS])
def test_a_write_failing_at_any_step_stops_cleanly_and_the_next_ingest_repairs(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, target: str, call: int, live: dict[str, str]
) -> None:
    corpus = tmp_path / "corpus"
    write_corpus(corpus, 1)
    base = KnowledgeBase.open(settings, embedder=HashEmbedder())
    assert ingest_paths([corpus], base).ok
    before = {mode: [(h.chunk_id, h.score) for h in base.search("bemanning ekorre", mode=mode)] for mode in MODES}  # type: ignore[arg-type]

    write_corpus(corpus, 2)
    with monkeypatch.context() as patch:
        full_disk_at(patch, target, call)
        with pytest.raises(DiskFull, match=r"disk holding the index .* is full") as stopped:
            ingest_paths([corpus], base)
    assert "\n" not in str(stopped.value)
    expected = {name: word for word, name in live.items()}
    if live == OLD:  # nothing was published: exactly the old index (a server's HNSW may also hold the
        # staged, unpublished vectors, which crowd its candidates: there only the lexical side is exact)
        for mode in ("lexical",) if TEST_CHROMA_URL else MODES:
            assert [(h.chunk_id, h.score) for h in base.search("bemanning ekorre", mode=mode)] == before[mode]  # type: ignore[arg-type]
    assert_searchable(base, live)
    base.close()

    truncate_hnsw_files(Path(settings.index))  # the worst a full disk does to Chroma
    reopened = KnowledgeBase.open(settings, embedder=HashEmbedder())  # the app restarted after the failure
    assert_searchable(reopened, live)
    assert {Path(r.abs_path).name: r for r in reopened.documents()}.keys() == set(expected)

    report = ingest_paths([corpus], reopened)  # space freed: the next ingest repairs and completes
    assert report.counts()["failed"] == 1  # the broken PDF
    assert report.repaired or TEST_CHROMA_URL  # the truncated HNSW files were found and the store rebuilt
    assert_searchable(reopened, NEW)
    assert_consistent(reopened)
    reopened.close()


def test_searching_on_a_full_disk_works_without_writing_its_caches(
    hash_kb: KnowledgeBase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    corpus = tmp_path / "corpus"
    write_corpus(corpus, 1)
    assert ingest_paths([corpus], hash_kb).ok
    for target in ("kb.lexical.LexicalIndex.save", "kb.matrix.VectorMatrix.save"):
        full_disk_at(monkeypatch, target, 1)
    assert_searchable(hash_kb, OLD)  # the lexical index and vector copy stay in memory


def test_too_little_free_space_refuses_before_writing(settings: Settings, tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_corpus(corpus, 1)
    base = KnowledgeBase.open(settings, embedder=HashEmbedder())
    assert ingest_paths([corpus], base).ok
    generation = base.registry.generation()
    write_corpus(corpus, 2)
    greedy = KnowledgeBase.open(settings.with_overrides(min_free_mb=1e12), embedder=HashEmbedder())
    with pytest.raises(DiskFull, match="min_free_mb") as refused:
        ingest_paths([corpus], greedy)
    assert not refused.value.vectors_suspect  # nothing was written: no rebuild needed
    assert greedy.registry.generation() == generation and not IndexLayout.at(settings.index).failed_marker.exists()
    folder = uploads_folder(greedy.settings)
    result = add_upload(greedy, folder, Upload("svar.txt", document("utter").encode()), {}, 1)
    assert not result.ok and "Disken" in result.message and "full" in result.message
    assert not folder.exists() or not any(folder.iterdir())  # nothing left behind
    assert_searchable(base, OLD)
    greedy.close()
    base.close()


def test_an_upload_on_a_full_disk_is_undone_with_a_swedish_message(
    hash_kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = uploads_folder(hash_kb.settings)
    full_disk_at(monkeypatch, "kb.vectors.VectorStore.add", 1)
    result = add_upload(hash_kb, folder, Upload("svar.txt", document("utter").encode()), {}, 1)
    assert not result.ok and "Disken där kunskapsbasen sparas är full" in result.message
    assert "Filen sparades inte" in result.message
    assert not any(folder.iterdir()) and not hash_kb.documents()


def test_the_cli_says_so_in_one_line_and_exits_1(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_corpus(corpus, 1)
    from vkb_cli.main import app

    result = CliRunner().invoke(app, ["ingest", str(corpus), "--no-progress"], env={"VKB_MIN_FREE_MB": "1e12"})
    assert result.exit_code == 1
    assert result.stderr.startswith("vkb: error: the disk holding the index") and "min_free_mb" in result.stderr
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_an_index_written_by_an_older_vkb_gets_its_vectors_into_the_registry(
    settings: Settings, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    write_corpus(corpus, 1)
    base = KnowledgeBase.open(settings, embedder=HashEmbedder())
    assert ingest_paths([corpus], base).ok
    base.close()
    with sqlite3.connect(Path(settings.index) / "registry.sqlite3") as conn:  # what an older vkb wrote
        conn.execute("ALTER TABLE chunks DROP COLUMN vector")
        conn.execute("DELETE FROM meta WHERE key = 'vector_model'")
    reader = KnowledgeBase.open(settings, embedder=HashEmbedder())  # the app, open all along
    assert_searchable(reader, OLD)  # vectors from Chroma
    old = KnowledgeBase.open(settings, embedder=HashEmbedder())
    write_corpus(corpus, 2)
    ingest_paths([corpus], old)
    assert not old.registry.missing_vectors() and old.registry.vector_model() == HashEmbedder.name
    assert_searchable(old, NEW)
    assert_consistent(old)
    live = reader.registry.live_chunk_ids()
    assert reader.registry.vectors(live).keys() == set(live)  # the reader sees the new column: no Chroma needed
    assert_searchable(reader, NEW)
    old.close()
    reader.close()


# --- a real full disk ---------------------------------------------------------------------------------------
def _generated_corpus(folder: Path, documents: int, seed: str) -> None:
    rng = random.Random(seed)
    words = ["personal", "bemanning", "sjuksköterska", "region", "kompetens", "brist", "utbildning", "vård", "kommun"]
    folder.mkdir(parents=True, exist_ok=True)
    for d in range(documents):
        paragraphs = [" ".join(rng.choice(words) for _ in range(30)) + "." for _ in range(40)]
        (folder / f"{seed}{d:03d}.txt").write_text(document(f"{seed}{d:03d}") + "\n\n".join(paragraphs), "utf-8")


def found_first(base: KnowledgeBase, marker: str, mode: str) -> bool:
    """The marker's document is among the best hits (the 64-dimension test embedder lets words share a
    dimension, so dense scores can tie)."""
    hits = base.search(marker, k=10, mode=mode)  # type: ignore[arg-type]
    return f"{marker}.txt" in {h.source_path for h in hits if hits[0].score - h.score < 1e-6}


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Callable[[str], None]]:
    """A tmpfs of its own; the fixture's function resizes it ('freeing space'). Skipped where mounting is impossible."""
    mount = tmp_path / "disk"
    mount.mkdir()
    attempt = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)], capture_output=True)
    if attempt.returncode != 0:
        pytest.skip(f"cannot mount a small file system here ({attempt.stderr.decode().strip() or 'not root'})")

    def resize(size: str) -> None:
        subprocess.run(["mount", "-o", f"remount,size={size}", str(mount)], check=True)

    try:
        yield resize
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.mark.parametrize(("size", "estimate"), [("2600k", False), ("4600k", False), ("3400k", True)])
def test_a_real_full_disk(
    small_disk: Callable[[str], None], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, size: str, estimate: bool
) -> None:
    """Ingest until a real tmpfs is full. Without the free-space estimate the writes run into the full disk
    (in SQLite, in Chroma's log or its HNSW files); with it the ingest stops before the write."""
    small_disk(size)
    if not estimate:
        monkeypatch.setattr("kb.knowledge_base.write_estimate", lambda *args: 0)
    settings = load_settings(index=tmp_path / "disk" / "index", min_free_mb=0)
    corpus = tmp_path / "corpus"
    _generated_corpus(corpus, 80, "a")
    base = KnowledgeBase.open(settings, embedder=HashEmbedder())
    with pytest.raises(DiskFull) as stopped:
        ingest_paths([corpus], base)
    assert isinstance(stopped.value, IndexWriteError) and "\n" not in str(stopped.value)
    indexed = {Path(r.abs_path).stem for r in base.documents()}
    assert 0 < len(indexed) < 80
    for mode in MODES:  # searchable at its last good state while the disk is still full
        assert base.search("bemanning", mode=mode)  # type: ignore[arg-type]
    for mode in EXACT:
        assert found_first(base, sorted(indexed)[len(indexed) // 2], mode)
        assert not found_first(base, "a079", mode)
    base.close()

    small_disk("64m")  # space freed
    reopened = KnowledgeBase.open(settings, embedder=HashEmbedder())
    assert {Path(r.abs_path).stem for r in reopened.documents()} == indexed
    report = ingest_paths([corpus], reopened)
    assert report.ok and report.counts() == {"added": 80 - len(indexed), "unchanged": len(indexed)}
    for mode in EXACT:
        assert found_first(reopened, "a079", mode)
    assert_consistent(reopened)
    reopened.close()
