"""Budgets for bombs: zip bombs, huge texts, too many pages, too much time; progress and cancelling.

The hostile files are built at test time by `tests.fixtures.hostile`, at the sizes that were reported
(a 0.9 MB DOCX unpacking to 264 MB of XML, a 50 MB text file). Nothing here times anything: each test
asserts what the budget does (the refusal and its reason, what the reader allocated, what the index
holds afterwards).
"""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable, Iterator
from dataclasses import replace
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest

from ingest import ingest_paths
from ingest.budget import Budget
from ingest.errors import BudgetExceeded, DocumentUnreadable, IngestCancelled, TimeBudgetExceeded
from ingest.pipeline import IngestProgress
from ingest.readers import read_document
from ingest.uploads import Upload, add_upload, explain_failure, uploads_folder
from kb import KnowledgeBase, load_settings
from tests.conftest import HashEmbedder
from tests.fixtures import hostile
from tests.fixtures.documents import write_docx, write_pdf

LONG = "".join(f"Mening {n} om bemanning och sjuksköterskor i regionen.\n\n" for n in range(60))
OpenKb = Callable[..., KnowledgeBase]


@pytest.fixture
def open_kb(tmp_path: Path) -> Iterator[OpenKb]:
    """Open the test index with some settings changed (each call closes the previous one)."""
    opened: list[KnowledgeBase] = []

    def _open(**overrides: Any) -> KnowledgeBase:
        for kb in opened:
            kb.close()
        opened.append(KnowledgeBase.open(load_settings(**overrides), embedder=HashEmbedder()))
        return opened[-1]

    yield _open
    for kb in opened:
        kb.close()


def _state(kb: KnowledgeBase) -> set[tuple[str, str]]:
    assert kb.registry.pending_versions() == []
    return {(r.doc_id, r.version) for r in kb.documents()}


def _lock_is_free(kb: KnowledgeBase) -> bool:
    kb.writer_lock(timeout=0).release()  # raises IndexBusy if a stopped ingest kept it
    return True


# --- zip-based files: refused from the zip directory, before anything is inflated -----------------------
def test_a_docx_zip_bomb_is_refused_without_inflating_it(tmp_path: Path) -> None:
    bomb = hostile.docx_bomb(tmp_path / "bomb.docx")  # 264 MB of XML in a 0.9 MB file
    assert bomb.stat().st_size < 1_000_000
    tracemalloc.start()
    try:
        with pytest.raises(BudgetExceeded, match=r"unpacks to 264\.\d MB, over the 200 MB limit.*VKB_MAX_UNPACKED_MB"):
            read_document(bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 5_000_000  # the reader never inflated the part (python-docx reads it whole: 264 MB)


def test_a_zip_directory_that_lies_about_sizes_cannot_make_the_reader_inflate_more(tmp_path: Path) -> None:
    """document.xml declared as 100 kB (with the CRC of its first 100 kB) but 50 MB inside: python-docx
    reading the part whole inflated all 50 MB (130 MB peak); the checked copy holds the declared 100 kB."""
    liar = hostile.docx_lying_sizes(tmp_path / "ljuger.docx")
    tracemalloc.start()
    try:
        with pytest.raises(DocumentUnreadable, match="not a readable DOCX file, it may be damaged"):
            read_document(liar)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 10_000_000


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (hostile.docx_dense_part, r"part 'customXml/item9.xml' unpacks to [\d,]+ times .*VKB_MAX_COMPRESSION_RATIO"),
        (hostile.docx_many_parts, r"holds 10,0\d\d parts, more than the 10,000 vkb opens .*VKB_MAX_ZIP_ENTRIES"),
    ],
)
def test_other_zip_bombs_are_refused_by_ratio_and_part_count(
    tmp_path: Path, make: Callable[[Path], Path], reason: str
) -> None:
    with pytest.raises(BudgetExceeded, match=reason):
        read_document(make(tmp_path / "bomb.docx"))


def test_the_zip_limits_are_settings(tmp_path: Path, open_kb: OpenKb) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    write_docx(folder / "remissvar.docx")  # a real DOCX: about 60 kB unpacked (python-docx's styles)
    kb = open_kb(max_unpacked_mb=0.01)
    outcome = ingest_paths([folder], kb).outcomes[0]
    assert outcome.status == "failed" and "over the 0.01 MB limit for unpacked content" in (outcome.reason or "")
    kb = open_kb(max_zip_entries=3)
    assert "more than the 3 vkb opens" in (ingest_paths([folder], kb).outcomes[0].reason or "")
    kb = open_kb()
    assert ingest_paths([folder], kb).outcomes[0].status == "added"


def test_a_bomb_in_a_batch_fails_alone_and_the_index_keeps_what_it_had(tmp_path: Path, open_kb: OpenKb) -> None:
    kb = open_kb()
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "bra.md").write_text("# Bemanning\n\nRegionen saknar barnmorskor.\n", encoding="utf-8")
    assert ingest_paths([folder], kb).ok
    before = _state(kb)
    hostile.docx_bomb(folder / "bomb.docx")
    hostile.huge_text(folder / "enorm.txt")  # 50 MB: under the 100 MB file limit, over the character budget
    (folder / "ny.md").write_text("# Ny\n\nKommunen saknar undersköterskor.\n", encoding="utf-8")
    report = ingest_paths([folder], kb)
    outcomes = {Path(o.path).name: o for o in report.outcomes}
    assert outcomes["bomb.docx"].status == "failed" and "zip bomb" in (outcomes["bomb.docx"].reason or "")
    assert outcomes["enorm.txt"].status == "failed"
    assert "more than 3,000,000 characters of text" in (outcomes["enorm.txt"].reason or "")
    assert outcomes["ny.md"].status == "added" and outcomes["bra.md"].status == "unchanged"
    assert _state(kb) == before | {(outcomes["ny.md"].doc_id, kb.document(outcomes["ny.md"].doc_id).version)}  # type: ignore[arg-type,union-attr]
    assert {Path(f.abs_path).name for f in kb.failures()} == {"bomb.docx", "enorm.txt"}
    assert _lock_is_free(kb)


# --- pages and characters --------------------------------------------------------------------------------
def test_page_and_character_budgets(tmp_path: Path, open_kb: OpenKb) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    write_pdf(folder / "rapport.pdf", [["Sida ett om bemanning."], ["Sida två."], ["Sida tre."], ["Sida fyra."]])
    write_docx(folder / "remissvar.docx")
    hostile.hostile_html(folder / "sida.html")
    (folder / "lång.txt").write_text(LONG, encoding="utf-8")
    kb = open_kb(max_pages=3, max_chars=200)
    reasons = {Path(o.path).name: o.reason or "" for o in ingest_paths([folder], kb).outcomes}
    assert "the PDF has 4 pages, more than the 3 vkb reads per document" in reasons["rapport.pdf"]
    assert "more than 200 characters of text" in reasons["remissvar.docx"]
    assert "more than 200 characters of HTML" in reasons["sida.html"]
    assert "more than 200 characters of text" in reasons["lång.txt"]
    assert kb.documents() == []
    kb = open_kb(max_pages=4, max_chars=10_000)
    assert all(o.status == "added" for o in ingest_paths([folder], kb).outcomes)


# --- time: stopped between passage batches, the earlier version kept, the lock released ----------------
def _slow_first_batch(seconds: float) -> Callable[[IngestProgress], None]:
    """A progress callback that lingers once after the first embedded batch, as a slow model would."""
    slept: list[bool] = []

    def on_progress(progress: IngestProgress) -> None:
        if progress.embedded and not slept:
            slept.append(True)
            time.sleep(seconds)

    return on_progress


def test_a_file_over_its_time_budget_is_stopped_and_the_index_keeps_its_earlier_version(
    tmp_path: Path, open_kb: OpenKb
) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    path = folder / "lång.md"
    path.write_text("# Första versionen\n\n" + LONG, encoding="utf-8")
    kb = open_kb(batch_size=2)
    assert ingest_paths([folder], kb).ok
    before = _state(kb)
    path.write_text("# Andra versionen\n\n" + LONG, encoding="utf-8")
    kb = open_kb(batch_size=2, max_seconds_per_file=0.5)
    report = ingest_paths([folder], kb, on_progress=_slow_first_batch(0.6))
    outcome = report.outcomes[0]
    assert outcome.status == "failed"
    assert "took longer than the 0.5 s budget per file and was stopped" in (outcome.reason or "")
    assert "kunskapsbasen är som förut" in explain_failure(outcome.reason or "")
    assert _state(kb) == before
    assert "Första versionen" in kb.document_text(next(iter(before))[0])[0]  # type: ignore[index]
    assert [Path(f.abs_path).name for f in kb.failures()] == ["lång.md"]
    assert _lock_is_free(kb)


def test_the_time_budget_counts_from_the_start_of_the_file() -> None:
    now = [100.0]
    budget = replace(Budget.default(), clock=lambda: now[0], max_seconds=10)
    now[0] = 109.9
    budget.check_time()
    now[0] = 110.1
    with pytest.raises(TimeBudgetExceeded, match="10 s budget per file"):
        budget.check_time()


# --- progress and cancelling -----------------------------------------------------------------------------
def test_progress_is_reported_per_batch_of_passages(tmp_path: Path, open_kb: OpenKb) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.md").write_text("# A\n\n" + LONG, encoding="utf-8")
    (folder / "b.md").write_text("# B\n\nKort text om lön.\n", encoding="utf-8")
    kb = open_kb(batch_size=3)
    seen: list[IngestProgress] = []
    report = ingest_paths([folder], kb, on_progress=seen.append)
    chunks = {Path(o.path).name: o.chunks for o in report.outcomes}
    first = [p for p in seen if Path(p.path).name == "a.md"]
    assert [p.number for p in seen] == sorted(p.number for p in seen) and {p.files for p in seen} == {2}
    assert first[0].chunks == 0  # the file is being read
    embedded = [p.embedded for p in first if p.chunks]
    assert embedded[0] == 0 and embedded[-1] == chunks["a.md"] > 6
    steps = [b - a for a, b in pairwise(embedded)]
    assert set(steps[:-1]) == {3} and 0 < steps[-1] <= 3  # one report per batch of batch_size passages
    assert [p.fraction for p in seen] == sorted(p.fraction for p in seen) and seen[-1].fraction == 1.0


def test_cancelling_between_batches_leaves_the_document_as_it_was(tmp_path: Path, open_kb: OpenKb) -> None:
    folder = tmp_path / "docs"
    folder.mkdir()
    path = folder / "lång.md"
    path.write_text("# Första versionen\n\n" + LONG, encoding="utf-8")
    kb = open_kb(batch_size=2)
    assert ingest_paths([folder], kb).ok
    before = _state(kb)
    path.write_text("# Andra versionen\n\n" + LONG, encoding="utf-8")

    def cancel(progress: IngestProgress) -> None:
        if progress.embedded >= 4:
            raise IngestCancelled

    with pytest.raises(IngestCancelled):
        ingest_paths([folder], kb, on_progress=cancel)
    assert _state(kb) == before
    assert kb.failures() == []  # a cancelled file did not fail
    assert set(kb.vectors.ids()) == {cid for cid, _, _ in kb.registry.live_chunks()}
    assert _lock_is_free(kb)
    assert ingest_paths([folder], kb).outcomes[0].status == "updated"  # the next run does it


def test_a_cancelled_upload_leaves_no_file_behind_and_restores_the_one_it_replaced(open_kb: OpenKb) -> None:
    kb = open_kb(batch_size=2)
    folder = uploads_folder(kb.settings)
    metadata = {"title": "Remissvar", "doc_type": "remissvar", "stakeholder": "region"}
    first = ("# Första versionen\n\n" + LONG).encode()
    assert add_upload(kb, folder, Upload("svar.md", first), metadata, max_mb=1).ok
    before = _state(kb)
    files = {p.name: p.read_bytes() for p in folder.iterdir()}

    def cancel(progress: IngestProgress) -> None:
        if progress.embedded:
            raise IngestCancelled

    second = ("# Andra versionen\n\n" + LONG).encode()
    for name, choice in (("svar.md", "replace"), ("nytt.md", None)):
        with pytest.raises(IngestCancelled):
            add_upload(kb, folder, Upload(name, second), metadata, 1, choice, on_progress=cancel)  # type: ignore[arg-type]
        assert {p.name: p.read_bytes() for p in folder.iterdir()} == files
        assert _state(kb) == before and kb.failures() == []
    assert _lock_is_free(kb)
