"""Matching source text against extracted PDF text: exact letters, over a page break, and OCR windows."""

from __future__ import annotations

import pytest

from kb.page_truth import faithful, locate

PAGE_BREAK = (
    "Trots att många nyanlända är utbildade\nläkare finns stora brister i mottagandet\n"
    "9 Se Roger Haddad (FP) (2015).\n\noch systemet som gör att kompetensen inte används."
)


@pytest.mark.parametrize(
    ("needle", "haystack", "expected"),
    [
        (
            "kompetensförsörjning i vården",
            "Om kompetens-\nförsörjning i\nvården nu.",
            "kompetens-\nförsörjning i\nvården",
        ),
        (
            "i mottagandet och systemet som gör",  # a page's footnote between the two parts
            PAGE_BREAK,
            "i mottagandet\n9 Se Roger Haddad (FP) (2015).\n\noch systemet som gör",
        ),
        ("sjuksköterskor saknas", "Inget om det här.", None),
    ],
)
def test_locate_compares_letters_and_digits_only(needle: str, haystack: str, expected: str | None) -> None:
    span = locate(needle, haystack)
    assert (haystack[span[0] : span[1]] if span else None) == expected


def test_ocr_text_is_located_by_its_best_window_of_words() -> None:
    ocr = "Intro text här. Regionerna arbetar med kompetensforsörjning inom hälso- och sjukvarden i hela landet. Slut."
    needle = "Regionerna arbetar med kompetensförsörjning inom hälso- och sjukvården i hela landet."
    assert locate(needle, ocr) is None
    start, end = locate(needle, ocr, fuzzy=True) or (0, 0)
    assert ocr[start:end].startswith("Regionerna") and ocr[start:end].endswith("landet")


def test_a_faithful_quote_is_page_text_whitespace_and_cell_separators_aside() -> None:
    page = "Rubrik\nYrkesgrupp 2019 2023\nLäkare 42 695 43 491\nText om kompetensförsörjning."
    assert faithful("Läkare | 42 695 | 43 491 Text om kompetensförsörjning.", page)
    assert not faithful("Text om kompetens- försörjning.", page)  # a hyphen left by a line break
    assert not faithful("", page)
