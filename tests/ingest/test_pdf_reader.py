"""The PDF reader on real generated PDFs: pages, Swedish letters, hyphenation, running lines, bad files."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.errors import DocumentUnreadable
from ingest.readers import read_document
from tests.fixtures.documents import HEADER, encrypt_pdf, write_pdf

PAGE_1 = [
    "Nationell plan för kompetensförsörjning",
    "Regionerna arbetar med kompetens-",
    "försörjning inom hälso-",
    "och sjukvården i hela landet.",
    "Undersköterskor och sjuksköterskor i gles- och landsbygd är särskilt efterfrågade.",
]
PAGE_2 = ["Åtgärder för att behålla personal:", "bättre arbetsmiljö och större inflytande över schemat."]
PAGE_3 = ["Återfå personal som lämnat yrket genom introduktion och handledning."]


@pytest.fixture
def report_pdf(tmp_path: Path) -> Path:
    return write_pdf(
        tmp_path / "rapport.pdf",
        [PAGE_1, PAGE_2, PAGE_3],
        title="Rapport om vårdens kompetens",
        author="Socialstyrelsen",
    )


def test_pages_are_numbered_and_located(report_pdf: Path) -> None:
    doc = read_document(report_pdf)
    assert [p.number for p in doc.pages] == [1, 2, 3]
    assert doc.page_count == 3
    for page, expected in zip(
        doc.pages, ["Nationell plan", "Åtgärder för att behålla", "Återfå personal"], strict=True
    ):
        assert doc.text[page.start : page.end].startswith(expected)


def test_swedish_letters_survive(report_pdf: Path) -> None:
    text = read_document(report_pdf).text
    assert "Undersköterskor och sjuksköterskor i gles- och landsbygd" in text
    assert "Återfå personal" in text


def test_line_break_hyphenation_is_undone_but_real_hyphens_stay(report_pdf: Path) -> None:
    text = read_document(report_pdf).text
    assert "kompetensförsörjning" in text
    assert "kompetens-" not in text
    assert "hälso- och sjukvården" in text


def test_running_header_and_page_numbers_are_removed(report_pdf: Path) -> None:
    text = read_document(report_pdf).text
    assert HEADER not in text
    assert "Sida 1 av 3" not in text and "Sida 3 av 3" not in text


def test_pdf_properties_become_file_metadata(report_pdf: Path) -> None:
    meta = read_document(report_pdf).file_metadata
    assert meta["title"] == "Rapport om vårdens kompetens"
    assert meta["author"] == "Socialstyrelsen"
    assert meta["date"][:4].isdigit()


def test_pages_without_text_are_reported_and_the_rest_is_read(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "blandad.pdf", [PAGE_1, [], [], PAGE_3])
    doc = read_document(path)
    assert [p.number for p in doc.pages] == [1, 4]
    assert any("no text on pages 2–3" in w and "OCR" in w for w in doc.warnings)


def test_image_only_pdf_is_refused_with_ocr_hint(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "skannad.pdf", [[], []])
    with pytest.raises(DocumentUnreadable, match="OCR"):
        read_document(path)


def test_encrypted_pdf_with_password_is_refused(report_pdf: Path, tmp_path: Path) -> None:
    locked = encrypt_pdf(report_pdf, tmp_path / "last.pdf", user_password="hemligt")
    with pytest.raises(DocumentUnreadable, match="password"):
        read_document(locked)


def test_encrypted_pdf_with_empty_user_password_is_opened(report_pdf: Path, tmp_path: Path) -> None:
    restricted = encrypt_pdf(report_pdf, tmp_path / "begransad.pdf", user_password="")
    assert "Återfå personal" in read_document(restricted).text


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("tom.pdf", b"", "empty"),
        ("skrap.pdf", b"%PDF-1.7\n this is not really a pdf \x00\x01\x02", "PDF"),
        ("inte-pdf.pdf", b"<html><body>hej</body></html>", "PDF"),
    ],
)
def test_broken_pdfs_are_refused_clearly(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(DocumentUnreadable, match=message):
        read_document(path)


def test_truncated_pdf_is_refused_or_read_partially_never_crashes(report_pdf: Path, tmp_path: Path) -> None:
    data = report_pdf.read_bytes()
    path = tmp_path / "avkortad.pdf"
    path.write_bytes(data[: len(data) // 3])
    try:
        doc = read_document(path)
    except DocumentUnreadable as exc:
        assert str(exc)
    else:
        assert doc.text.strip()
