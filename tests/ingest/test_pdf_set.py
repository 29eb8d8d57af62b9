"""The PDF test set's ground truth, and the PDF reader measured against it (pages, running lines, tables)."""

from __future__ import annotations

from pathlib import Path

import pytest
from pypdf import PdfReader

from ingest import ingest_paths
from ingest.readers import read_document
from kb import KnowledgeBase
from kb.page_truth import PdfTruth, faithful, load_truth, locate
from tests.conftest import PDF_SET_DOCS, SHARED_CORPUS
from tests.fixtures.pdf_set import load_corpus, running_lines_left


@pytest.fixture(scope="module")
def truths(pdf_set: Path) -> list[PdfTruth]:
    return load_truth(pdf_set)


@pytest.fixture(scope="module")
def sources() -> dict[str, str]:
    return {d.doc_id: d.text for d in load_corpus(SHARED_CORPUS, PDF_SET_DOCS)}


def test_every_word_of_every_document_has_a_page(
    truths: list[PdfTruth], sources: dict[str, str], pdf_set: Path
) -> None:
    assert {t.layout for t in truths} == {"digital", "twocolumn", "scanned"}
    for truth in truths:
        for part in truth.parts:
            text = sources[part.doc_id]
            assert [text[s:e] for s, e, _ in part.words] == text.split()
            pages = [p for _, _, p in part.words]
            assert pages == sorted(pages) and pages[0] >= 2 and pages[-1] <= truth.page_count  # page 1: the cover
        assert len(PdfReader(pdf_set / truth.layout / truth.pdf).pages) == truth.page_count


def test_the_set_has_multipage_volumes_tables_footnotes_and_a_text_free_scan(
    truths: list[PdfTruth], pdf_set: Path
) -> None:
    digital = [t for t in truths if t.layout == "digital"]
    assert max(t.page_count for t in digital) >= 5
    assert all(t.tables and t.footnotes for t in digital)
    assert any(len(pages) > 1 for t in digital for part in t.parts for _, _, pages in part.sentences)
    scanned = next(t for t in truths if t.layout == "scanned")
    reader = PdfReader(pdf_set / scanned.layout / scanned.pdf)
    assert all(not (page.extract_text() or "").strip() for page in reader.pages)
    assert all(page.images for page in reader.pages)


@pytest.mark.parametrize("layout", ["digital", "twocolumn"])
def test_the_reader_puts_sentences_on_their_true_page(
    truths: list[PdfTruth], sources: dict[str, str], pdf_set: Path, layout: str
) -> None:
    checked = right = 0
    for truth in (t for t in truths if t.layout == layout):
        doc = read_document(pdf_set / truth.layout / truth.pdf)
        for part in truth.parts:
            for start, end, pages in part.sentences:
                if len(pages) != 1 or end - start < 25:
                    continue
                checked += 1
                span = locate(sources[part.doc_id][start:end], doc.text)
                page = next((p.number for p in doc.pages if span and p.start <= span[0] < p.end), None)
                right += page == pages[0]
    assert checked > 100
    assert right / checked >= 0.98


@pytest.mark.parametrize("layout", ["digital", "twocolumn"])
def test_running_headers_and_page_numbers_never_reach_the_text(
    truths: list[PdfTruth], pdf_set: Path, layout: str
) -> None:
    for truth in (t for t in truths if t.layout == layout):
        doc = read_document(pdf_set / truth.layout / truth.pdf)
        assert truth.header.split(" · ")[0] not in doc.text
        for page in doc.pages:
            lines = doc.text[page.start : page.end].split("\n")
            footer = dict(truth.footers).get(page.number)
            assert footer is None or footer not in (lines[0], lines[-1])


@pytest.mark.parametrize("layout", ["digital", "twocolumn"])
def test_no_chunk_in_the_index_holds_a_running_header_or_page_footer(
    truths: list[PdfTruth], pdf_set: Path, layout: str, hash_kb: KnowledgeBase
) -> None:
    """Ingested for real (registry and Chroma), multi-page volumes leave their running lines out of every chunk."""
    report = ingest_paths([pdf_set / layout], hash_kb)
    assert report.ok and report.counts()["added"] == 2
    chunks = hash_kb.registry.live_chunks()
    for truth in (t for t in truths if t.layout == layout):
        assert truth.page_count >= 4 and len(dict(truth.footers)) == truth.page_count - 1  # every page but the cover
        mine = [(chunk.page, chunk.text) for _, doc_id, chunk in chunks if doc_id == truth.doc_id]
        assert {page for page, _ in mine} == set(range(1, truth.page_count + 1))  # a chunk on every page
        assert running_lines_left(truth, mine) == (0, 0), truth.pdf
        # the check itself finds them: the same pages as drawn, header and footer put back
        drawn = [
            (n, f"{truth.header}\n{text}\n{dict(truth.footers).get(n, '')}")
            for n, text in enumerate(truth.page_text, 1)
        ]
        assert running_lines_left(truth, drawn) == (truth.page_count, truth.page_count - 1)


@pytest.mark.parametrize("layout", ["digital", "twocolumn"])
def test_page_text_is_faithful_after_dehyphenation(truths: list[PdfTruth], pdf_set: Path, layout: str) -> None:
    """Each extracted page equals the page as drawn (header and footer aside, hyphenation undone)."""
    pages = same = 0
    for truth in (t for t in truths if t.layout == layout):
        doc = read_document(pdf_set / truth.layout / truth.pdf)
        extracted = {p.number: doc.text[p.start : p.end] for p in doc.pages}
        for number, expected in enumerate(truth.page_text, start=1):
            pages += 1
            same += faithful(extracted.get(number, ""), expected) and faithful(expected, extracted.get(number, ""))
    assert same / pages >= 0.9


@pytest.mark.parametrize("layout", ["digital", "twocolumn"])
def test_tables_keep_their_rows_with_cells_separated_on_their_page(
    truths: list[PdfTruth], pdf_set: Path, layout: str
) -> None:
    tables = 0
    for truth in (t for t in truths if t.layout == layout):
        doc = read_document(pdf_set / truth.layout / truth.pdf)
        lines = {p.number: doc.text[p.start : p.end].split("\n") for p in doc.pages}
        for table in truth.tables:
            tables += 1
            for row in table.rows:
                assert " | ".join(row) in lines[table.page], (truth.pdf, table.page, row)
    assert tables >= 4
