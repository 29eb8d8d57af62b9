"""The cited page as it looks: rendered with the passage highlighted, and files served only from the index."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pypdfium2 as pdfium
import pytest
from PIL import Image
from pypdf import PdfReader

from ingest.readers import read_document
from kb.page_image import FileOutsideIndex, PageViewError, passage_range, pdf_at_page, render_page, servable_file
from tests.conftest import require_tesseract


@pytest.fixture(scope="module")
def digital(pdf_set: Path) -> Path:
    return pdf_set / "digital" / "pdf-01.pdf"


def _pixels(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)


def test_the_highlight_changes_the_pixels_where_the_passage_is_and_only_there(digital: Path) -> None:
    doc = read_document(digital)
    page = doc.pages[2]
    passage = doc.text[page.start : page.end].split("\n\n")[0][:400]
    plain = render_page(digital, page.number)
    marked = render_page(digital, page.number, passage=passage)
    assert not plain.highlighted and marked.highlighted
    changed = np.abs(_pixels(marked.png) - _pixels(plain.png)).sum(axis=2) > 30
    inside = np.zeros_like(changed)
    for left, top, right, bottom in marked.boxes:
        inside[top : bottom + 1, left : right + 1] = True  # PIL draws the right and bottom edges too
    assert changed[inside].mean() > 0.5  # the boxes are tinted (white paper turns yellow)
    assert not changed[~inside].any()  # nothing else moved
    # The first box covers the passage's first word as PDFium places it.
    pdf = pdfium.PdfDocument(str(digital))
    textpage = pdf[page.number - 1].get_textpage()
    start, _ = passage_range(textpage.get_text_range(), passage) or (0, 0)
    left, bottom, right, top = textpage.get_charbox(start)
    scale = marked.width / pdf[page.number - 1].get_size()[0]
    x, y = (left + right) / 2 * scale, (pdf[page.number - 1].get_size()[1] - (bottom + top) / 2) * scale
    assert any(b[0] <= x <= b[2] and b[1] <= y <= b[3] for b in marked.boxes)
    pdf.close()


def test_a_passage_is_found_across_hyphenation_and_line_breaks() -> None:
    raw = "Regionerna arbetar med kompe-\r\ntens försörjning\r\ni hela landet."
    start, end = passage_range(raw, "med kompetens försörjning i hela") or (0, 0)
    assert raw[start:end] == "med kompe-\r\ntens försörjning\r\ni hela"


def test_pages_out_of_range_are_refused(digital: Path) -> None:
    with pytest.raises(PageViewError, match="pages"):
        render_page(digital, 999)


def test_only_files_inside_the_index_are_served(tmp_path: Path, digital: Path) -> None:
    index = tmp_path / "index"
    inside = index / "uploads" / "remissvar.pdf"
    inside.parent.mkdir(parents=True)
    inside.write_bytes(digital.read_bytes())
    outside = tmp_path / "elsewhere.pdf"
    outside.write_bytes(digital.read_bytes())
    escape = index / "uploads" / "link.pdf"
    escape.symlink_to(outside)
    assert servable_file(index, str(inside)) == inside.resolve()
    for path in (outside, escape, index / "uploads" / ".." / ".." / "elsewhere.pdf", Path("/etc/passwd")):
        with pytest.raises(FileOutsideIndex):
            servable_file(index, str(path))
    with pytest.raises(PageViewError):
        servable_file(index, str(index / "uploads" / "gone.pdf"))


def test_the_downloaded_original_opens_at_the_cited_page(digital: Path) -> None:
    data = pdf_at_page(digital, 3)
    reader = PdfReader(io.BytesIO(data))
    action = reader.trailer["/Root"]["/OpenAction"]
    assert reader.get_page_number(action[0].get_object()) == 2
    assert len(reader.pages) == len(PdfReader(digital).pages)


def test_a_passage_on_a_scanned_page_is_highlighted_from_ocr_word_boxes(pdf_set: Path) -> None:
    from ingest.ocr import ocr_words
    from kb.page_truth import load_truth

    require_tesseract()
    truth = next(t for t in load_truth(pdf_set) if t.layout == "scanned" and t.pdf == "pdf-02.pdf")
    scanned = pdf_set / "scanned" / truth.pdf
    passage = max(truth.page_text[1].split("\n"), key=len)  # the longest paragraph of page 2, as drawn
    pdf = pdfium.PdfDocument(str(scanned))
    words = ocr_words(pdf[1])
    pdf.close()
    assert not render_page(scanned, 2, passage=passage).highlighted  # no text layer
    view = render_page(scanned, 2, passage=passage, words=words)
    assert view.highlighted
    # The boxes lie where the digital twin's text layer has the same paragraph.
    twin = render_page(pdf_set / "digital" / truth.pdf, 2, passage=passage)
    top = min(b[1] for b in twin.boxes)
    bottom = max(b[3] for b in twin.boxes)
    assert all(top - 25 <= (b[1] + b[3]) / 2 <= bottom + 25 for b in view.boxes)
