"""Clean-up of text: control characters (offsets kept), hyphenation, running headers and footers, page ranges."""

from __future__ import annotations

import re

import docx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.cleanup import (
    join_hyphenation,
    page_ranges,
    printable,
    separate,
    strip_running_lines,
    without_controls,
)
from ingest.readers.base import ExtractedDocument, without_control_characters
from ingest.readers.text import extract_markdownish
from kb.records import PageSpan

# What no cleaned text may hold: C0 but tab/LF/CR, DEL, C1, surrogates, U+FFFE/U+FFFF, and so no ESC.
FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
PIECES = [
    "a", "ö", " ", "\n", "\r\n", "\t", "# ", "## ", "\\*", "\\-", "*", "–", "\x1b[31m", "\x1b[0m", "\x1b",
    "\x1b]8;;http://127.0.0.1:9/\x07", "\x1b]0;titel\x1b\\", "\x1b(B", "\x00", "\x07", "\x08", "\x7f", "\x80",
    "\x85", "\x9b", "\x9b2J", "\ud800", "\udc00", "\ufffe", "\uffff", "\x0b", "\x0c", "\x1c", "\x1f", "[31m",
]  # fmt: skip
texts = st.lists(st.sampled_from(PIECES), max_size=60).map("".join)
_WORD = docx.Document()


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("röd \x1b[31mtext\x1b[0m", "röd text"),
        ("\x1b[1;38;5;196mfet\x1b[m stil", "fet stil"),
        ("länk \x1b]8;;http://127.0.0.1:9/x\x07här\x1b]8;;\x1b\\ slut", "länk här slut"),
        ("titel \x1b]0;falsk titel\x07kvar", "titel kvar"),
        ("\x1b(Bteckenuppsättning", "teckenuppsättning"),
        ("ensam ESC\x1b kvar", "ensam ESC kvar"),
        ("a\x00b\x07c\x08d\x7fe", "abcde"),
        ("C1 \x80\x9f och \x9b31mCSI", "C1  och CSI"),
        ("ensam \ud800 surrogat \udfff", "ensam  surrogat "),
        ("icke\ufffetecken\uffff", "icketecken"),
        ("rad\x0bbrytning\x0csida\x85nästa", "rad\nbrytning\nsida\nnästa"),
        ("fält\x1fpost\x1e", "fält post "),
        ("tab\toch\r\nrad", "tab\toch\r\nrad"),
        ("å ä ö – € … [31m \u2028 \U0001f642", "å ä ö – € … [31m \u2028 \U0001f642"),
    ],
)
def test_control_characters_go_and_text_stays(raw: str, clean: str) -> None:
    assert without_controls(raw) == clean


@settings(max_examples=300, deadline=None)
@given(texts)
def test_cleaned_text_is_xml_and_terminal_safe(text: str) -> None:
    cleaned = without_controls(text)
    assert not FORBIDDEN.search(cleaned)
    _WORD.add_paragraph(cleaned).add_run(cleaned)  # python-docx refuses what XML cannot hold (ValueError)


@settings(max_examples=300, deadline=None)
@given(texts)
def test_cleaning_a_text_file_keeps_its_offset_map(source: str) -> None:
    """Every kept character of the source file is found where `source_to_text` says, and the text is
    exactly the source minus the removed positions (CRLF, Markdown escapes and markers, controls)."""
    extracted = extract_markdownish(source, strip_heading_markers=True)
    extracted.source_is_text = True
    doc = without_control_characters(extracted)
    assert not FORBIDDEN.search(doc.text)
    removed = set(doc.removed)
    kept = [i for i in range(len(source)) if i not in removed]
    assert "".join(separate(source)[i] for i in kept) == doc.text
    for position in kept:
        assert doc.text[doc.source_to_text(position)] == separate(source)[position]
    for heading in doc.headings:
        assert 0 <= heading.start < heading.end <= len(doc.text)
        assert not FORBIDDEN.search(doc.text[heading.start : heading.end])


@settings(max_examples=200, deadline=None)
@given(st.lists(texts, min_size=1, max_size=5))
def test_pages_keep_their_own_text_when_controls_go(pages: list[str]) -> None:
    spans, position = [], 0
    for number, page in enumerate(pages, start=1):
        spans.append(PageSpan(number=number, start=position, end=position + len(page)))
        position += len(page) + 2
    doc = without_control_characters(ExtractedDocument(text="\n\n".join(pages), pages=spans))
    assert doc.removed == []  # a PDF's positions are its extracted text's: no source map
    for page, span in zip(pages, doc.pages, strict=True):
        assert doc.text[span.start : span.end] == without_controls(page)


def test_file_metadata_loses_its_controls_too() -> None:
    doc = ExtractedDocument(text="Text.", file_metadata={"title": "\x1b[31mRÖD\x1b[0m titel\x00"})
    assert without_control_characters(doc).file_metadata == {"title": "RÖD titel"}


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        ("vanlig fil.pdf", "vanlig fil.pdf"),
        ("åäö – rapport (2).docx", "åäö – rapport (2).docx"),
        ("a.txt\nfailed   b.txt", "a.txt\\nfailed   b.txt"),
        ("\x1b[32mOK\x1b[0m.txt", "\\x1b[32mOK\\x1b[0m.txt"),
        ("rad\r\u2028\u202e.md", "rad\\r\\u2028\\u202e.md"),
    ],
)
def test_printable_escapes_what_would_fake_or_colour_a_line(name: str, shown: str) -> None:
    assert printable(name) == shown


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("kompetens-\nförsörjning", "kompetensförsörjning"),
        ("hälso-\noch sjukvård", "hälso- och sjukvård"),
        ("gles-\n  och landsbygd", "gles- och landsbygd"),
        ("för- eller\nnackdel", "för- eller\nnackdel"),
        ("EU-\nKommissionen", "EU-\nKommissionen"),
        ("specialist-\nsjuksköterska och barn-\nmorska", "specialistsjuksköterska och barnmorska"),
        ("år 2023-\n2024", "år 2023-\n2024"),
        ("inga bindestreck här", "inga bindestreck här"),
    ],
)
def test_join_hyphenation(raw: str, expected: str) -> None:
    assert join_hyphenation(raw) == expected


TOPICS = ["arbetsmiljö", "bemanning", "lön", "schema", "utbildning"]


def _page(n: int) -> str:
    topic = TOPICS[n - 1]
    body = "\n".join(f"Rad {i} av brödtexten om {topic}." for i in range(1, 13))
    return f"Rapport 2023 – Socialstyrelsen\nAvsnitt om {topic}\n{body}\nSOU 2023:45, s. {n + 10}"


def test_running_lines_and_page_numbers_are_removed() -> None:
    cleaned = strip_running_lines([_page(n) for n in range(1, 6)])
    for n, page in enumerate(cleaned, start=1):
        topic = TOPICS[n - 1]
        assert page.startswith(f"Avsnitt om {topic}\nRad 1 av")  # the repeated header goes, the heading stays
        assert page.endswith(f"Rad 12 av brödtexten om {topic}.")  # "SOU 2023:45, s. 11" (page-tracking) goes


def test_short_pages_keep_their_body_text() -> None:
    pages = [f"Rapport 2023\nInnehåll på sida {n}.\nMer text.\n{n}" for n in range(1, 6)]
    for n, page in enumerate(strip_running_lines(pages), start=1):
        assert page == f"Innehåll på sida {n}.\nMer text."


def test_a_short_document_keeps_its_first_lines() -> None:
    pages = ["Rubrik\nText på första sidan.", "Rubrik\nText på andra sidan."]
    assert strip_running_lines(pages) == pages


@pytest.mark.parametrize(
    ("numbers", "text"),
    [([3], "3"), ([3, 4, 5, 7], "3–5, 7"), ([1, 2, 9, 10, 12], "1–2, 9–10, 12"), ([], "")],
)
def test_page_ranges(numbers: list[int], text: str) -> None:
    assert page_ranges(numbers) == text
