"""OCR of scanned PDF pages (Tesseract): text close to the page, running lines gone, pages kept and marked."""

from __future__ import annotations

import os
import sqlite3
from difflib import SequenceMatcher
from pathlib import Path

import pytest

from ingest import ingest_paths
from ingest.errors import DocumentUnreadable
from ingest.ocr import available
from ingest.readers import ExtractedDocument, read_document
from kb import KnowledgeBase
from kb.page_truth import PdfTruth, load_truth, squeeze
from kb.registry import Registry
from tests.conftest import HashEmbedder, require_tesseract

# Outside CI a machine without Tesseract skips these; in CI (.ci/run installs it) they run and fail.
needs_tesseract = pytest.mark.skipif(
    not available() and not os.environ.get("CI"), reason="Tesseract with Swedish data is not installed"
)


@pytest.fixture(scope="module")
def scanned(pdf_set: Path) -> tuple[PdfTruth, Path]:
    truth = next(t for t in load_truth(pdf_set) if t.layout == "scanned" and t.pdf == "pdf-02.pdf")
    return truth, pdf_set / "scanned" / truth.pdf


@pytest.fixture(scope="module")
def ocr_read(scanned: tuple[PdfTruth, Path]) -> ExtractedDocument:
    require_tesseract()
    return read_document(scanned[1])


@needs_tesseract
def test_scanned_pages_are_read_page_by_page_close_to_the_page(
    scanned: tuple[PdfTruth, Path], ocr_read: ExtractedDocument
) -> None:
    truth, _ = scanned
    assert ocr_read.ocr_pages == list(range(1, truth.page_count + 1))
    assert [p.number for p in ocr_read.pages] == ocr_read.ocr_pages
    for page in ocr_read.pages:
        got = squeeze(ocr_read.text[page.start : page.end])
        expected = squeeze(truth.page_text[page.number - 1])
        assert SequenceMatcher(None, got, expected, autojunk=False).ratio() >= 0.9, page.number
    assert any("OCR" in w for w in ocr_read.warnings)


@needs_tesseract
def test_running_header_of_a_scan_is_removed_though_ocr_reads_it_differently(
    scanned: tuple[PdfTruth, Path], ocr_read: ExtractedDocument
) -> None:
    header = scanned[0].header.split(" · ")[0]
    for page in ocr_read.pages:
        first = ocr_read.text[page.start : page.end].split("\n")[0]
        assert SequenceMatcher(None, first, header).ratio() < 0.8


def test_ocr_turned_off_says_so(scanned: tuple[PdfTruth, Path]) -> None:
    with pytest.raises(DocumentUnreadable, match="OCR is turned off"):
        read_document(scanned[1], ocr=False)


def test_without_tesseract_the_message_says_what_to_install(
    scanned: tuple[PdfTruth, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    import ingest.readers.pdf

    monkeypatch.setattr(ingest.readers.pdf, "ocr_available", lambda: False)
    with pytest.raises(DocumentUnreadable, match="tesseract-ocr-swe"):
        read_document(scanned[1])


@needs_tesseract
def test_a_scanned_file_never_counts_as_ingested_with_zero_chunks(
    scanned: tuple[PdfTruth, Path], hash_kb: KnowledgeBase, tmp_path: Path
) -> None:
    folder = tmp_path / "skannat"
    folder.mkdir()
    (folder / "remissvar.pdf").write_bytes(scanned[1].read_bytes())
    report = ingest_paths([folder], hash_kb)
    [outcome] = report.outcomes
    assert outcome.status == "added" and outcome.chunks > 0
    [record] = hash_kb.documents()
    assert record.ocr_pages == tuple(range(1, scanned[0].page_count + 1))
    hits = hash_kb.search("sjuksköterskor", k=3, mode="lexical")
    assert hits and all(h.ocr for h in hits)
    assert hash_kb.cite(hits[0]).ocr


def test_ocr_turned_off_fails_the_file_with_the_reason(
    scanned: tuple[PdfTruth, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("VKB_OCR", "false")
    from kb import load_settings

    kb = KnowledgeBase.open(load_settings(), embedder=HashEmbedder())
    report = ingest_paths([scanned[1]], kb)
    [outcome] = report.outcomes
    assert outcome.status == "failed" and "OCR is turned off" in (outcome.reason or "")
    assert not kb.documents()
    kb.close()


def test_a_registry_from_before_ocr_gains_the_column(tmp_path: Path) -> None:
    path = tmp_path / "registry.sqlite3"
    old = sqlite3.connect(path)
    old.execute(
        "CREATE TABLE documents (doc_id TEXT PRIMARY KEY, source_path TEXT NOT NULL, abs_path TEXT NOT NULL,"
        " fingerprint TEXT NOT NULL, version TEXT NOT NULL, metadata TEXT NOT NULL, text TEXT NOT NULL,"
        " pages TEXT NOT NULL, chunk_count INTEGER NOT NULL, page_count INTEGER, warnings TEXT NOT NULL,"
        " ingested_at TEXT NOT NULL, removed TEXT NOT NULL DEFAULT '[]')"
    )
    old.execute(
        "INSERT INTO documents VALUES ('d', 'd.pdf', '/x/d.pdf', 'f', 'v',"
        " '{\"doc_id\": \"d\", \"title\": \"T\", \"source_path\": \"d.pdf\"}', 'text', '[]', 1, 1, '[]', 'now', '[]')"
    )
    old.commit()
    old.close()
    registry = Registry(path)
    [record] = registry.documents()
    assert record.ocr_pages == ()
    registry.close()
