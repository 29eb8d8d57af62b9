"""DOCX, HTML, Markdown and text readers on real files, and refusal of what vkb cannot read."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest.errors import DocumentUnreadable, UnsupportedFileType
from ingest.readers import read_document
from tests.conftest import SHARED_CORPUS
from tests.fixtures import hostile
from tests.fixtures.documents import write_docx, write_html


def test_docx_paragraphs_headings_and_tables_in_order(tmp_path: Path) -> None:
    doc = read_document(write_docx(tmp_path / "remissvar.docx"))
    text = doc.text
    assert text.index("Remissvar om") < text.index("Bemanning i glesbygd") < text.index("Specialistsjuksköterska | 42")
    assert text.index("Specialistsjuksköterska | 42") < text.index("bostäder för nyanställda")
    headings = [(h.level, text[h.start : h.end]) for h in doc.headings]
    assert headings == [(1, "Remissvar om kompetensförsörjning"), (2, "Bemanning i glesbygd")]
    assert doc.file_metadata["author"] == "Region Jämtland Härjedalen"
    assert doc.pages == []


def test_html_main_text_without_navigation_scripts_or_footer(tmp_path: Path) -> None:
    doc = read_document(write_html(tmp_path / "sida.html"))
    assert "Region Västerbotten har erbjudit återvändare" in doc.text
    assert "locka tillbaka personal" in doc.text  # <b> markup is gone, text kept
    for boilerplate in ("Startsida", "Om webbplatsen", "alert(", "steal()", "Cookies"):
        assert boilerplate not in doc.text
    assert [doc.text[h.start : h.end] for h in doc.headings] == [
        "Locka tillbaka vårdpersonal",
        "Erfarenheter från regionerna",
    ]
    assert doc.file_metadata["title"] == "Locka tillbaka vårdpersonal"


def test_markdown_escapes_and_heading_markers_are_removed_with_an_offset_map(tmp_path: Path) -> None:
    source = "# Rubrik\n\nhälso\\- och sjukvård, 3\\*4 \\_x\\_\n\n## Del två\n\nSlut."
    path = tmp_path / "notis.md"
    path.write_text(source, encoding="utf-8")
    doc = read_document(path)
    assert doc.text == "Rubrik\n\nhälso- och sjukvård, 3*4 _x_\n\nDel två\n\nSlut."
    assert [doc.text[h.start : h.end] for h in doc.headings] == ["Rubrik", "Del två"]
    start = source.index("sjukvård")
    assert doc.text[doc.source_to_text(start) : doc.source_to_text(start + len("sjukvård"))] == "sjukvård"
    end_word = source.index("Slut")
    assert doc.text[doc.source_to_text(end_word) :].startswith("Slut")


def test_seed_document_escapes_are_undone_and_gold_offsets_map() -> None:
    path = SHARED_CORPUS / "seeds" / "002_77bf05357181f093.txt"
    source = path.read_text(encoding="utf-8")
    doc = read_document(path)
    assert "hälso\\-" not in doc.text and "hälso- och sjukvårdens viktigaste resurs" in doc.text
    anchor = source.index("En säkrad bemanning")
    assert doc.text[doc.source_to_text(anchor) :].startswith("En säkrad bemanning")


@pytest.mark.parametrize(
    ("encoding", "warned"),
    [("utf-8", False), ("utf-8-sig", False), ("cp1252", True)],
)
def test_text_encodings(tmp_path: Path, encoding: str, warned: bool) -> None:
    path = tmp_path / "text.txt"
    path.write_bytes("Särskilt stöd till äldreomsorgens personal – även i Övertorneå.\r\n".encode(encoding))
    doc = read_document(path)
    assert doc.text == "Särskilt stöd till äldreomsorgens personal – även i Övertorneå.\n"
    assert any("cp1252" in w for w in doc.warnings) is warned


@pytest.mark.parametrize(
    ("name", "content", "error", "message"),
    [
        ("bild.png", b"\x89PNG\r\n\x1a\n", UnsupportedFileType, "unsupported file type '.png'"),
        ("skrap.txt", bytes(range(256)) * 10, DocumentUnreadable, "binary"),
        ("tom.txt", b"  \n\n ", DocumentUnreadable, "empty"),
        ("trasig.docx", b"PK\x03\x04 not a zip", DocumentUnreadable, "DOCX"),
        ("tom.html", b"<html><body><script>x()</script></body></html>", DocumentUnreadable, "no visible text"),
    ],
)
def test_unreadable_files_get_a_clear_reason(
    tmp_path: Path, name: str, content: bytes, error: type[Exception], message: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(error, match=message):
        read_document(path)


@pytest.mark.parametrize(
    ("text", "title"),
    [
        (" Ta fram förslag till en nationell plan för \nhälso- och sjukvårdens kompetensförsörjning\n\n• Text.",
         "Ta fram förslag till en nationell plan för hälso- och sjukvårdens kompetensförsörjning"),
        ("Kort rubrik\n\nBrödtext här.", "Kort rubrik"),
        ("En mycket lång första rad " * 12 + "\nmer text\n\nslut", None),
    ],
)  # fmt: skip
def test_a_text_files_title_is_its_first_paragraph_when_short(text: str, title: str | None, tmp_path: Path) -> None:
    from ingest.readers.text import read_text

    path = tmp_path / "dok.txt"
    path.write_text(text, encoding="utf-8")
    found = read_text(path).file_metadata["title"]
    if title is None:  # too long for a title: the first line, shortened
        assert found.startswith("En mycket lång första rad") and len(found) <= 200
    else:
        assert found == title


@pytest.mark.parametrize(
    ("bom", "big_endian", "warning"),
    [
        (True, False, None),
        (True, True, None),
        (False, False, "no byte-order mark; read as UTF-16LE"),
        (False, True, "no byte-order mark; read as UTF-16BE"),
    ],
)
def test_utf16_text_is_read_as_text(tmp_path: Path, bom: bool, big_endian: bool, warning: str | None) -> None:
    path = hostile.utf16_text(tmp_path / "återgång.txt", bom=bom, big_endian=big_endian)
    assert b"\x00" in path.read_bytes()  # what made it "binary" before
    doc = read_document(path)
    assert doc.text == hostile.UTF16_TEXT
    assert doc.file_metadata["title"] == "Återgång till vården"
    assert doc.warnings == ([warning] if warning else [])


def test_utf32_with_a_byte_order_mark_is_text_and_broken_utf16_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "utf32.txt"
    path.write_bytes("Sjuksköterskor i glesbygden.\n".encode("utf-32"))
    assert read_document(path).text == "Sjuksköterskor i glesbygden.\n"
    path.write_bytes(b"\xff\xfe" + "Sjuksköterskor".encode("utf-16-le") + b"\x00\xd8")  # a lone surrogate at the end
    with pytest.raises(DocumentUnreadable, match="looks like UTF-16 text but is not valid UTF-16"):
        read_document(path)


def test_a_stray_nul_in_a_text_is_dropped_but_many_mean_binary(tmp_path: Path) -> None:
    path = tmp_path / "text.txt"
    path.write_bytes(("Regionen har brist på sjuksköterskor. " * 40).encode() + b"\x00slut\n")
    assert read_document(path).text.endswith("sjuksköterskor. slut\n")
    path.write_bytes(b"\x00\x01\x02 MZ\x90\x00\x03" * 50)
    with pytest.raises(DocumentUnreadable, match="binary file"):
        read_document(path)


def test_control_characters_are_removed_from_every_format(tmp_path: Path) -> None:
    """C1 controls and DEL are valid XML, so a DOCX can hold them; a text file can hold anything."""
    import docx

    word = docx.Document()
    word.add_paragraph("Regionen\x7f saknar\x85 sjuksköterskor\x9b31m i glesbygden.")
    word.save(str(tmp_path / "c1.docx"))
    assert read_document(tmp_path / "c1.docx").text == "Regionen saknar\n sjuksköterskor i glesbygden."
    doc = read_document(hostile.control_text(tmp_path / "styrtecken.txt"))
    assert "Regionen har RÖD brist på sjuksköterskor i glesbygden." in doc.text
    assert "Hyrläkare kostar mer än anställda läkare." in doc.text
    assert "\x1b" not in doc.text and "[31m" not in doc.text and "[0m" not in doc.text
    assert any(w.startswith("removed") and "control codes" in w for w in doc.warnings)
    docx.Document().add_paragraph(doc.text)  # exportable: before, ValueError: All strings must be XML compatible
