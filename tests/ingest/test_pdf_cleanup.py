"""Clean-up cases the PDF test set showed: hyphens over page breaks, years on covers, footnotes, split words."""

from __future__ import annotations

import pytest

from ingest.cleanup import clean_pages, join_hyphenation, strip_running_lines


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hälso-\noch sjukvård", "hälso- och sjukvård"),  # a real hyphen before och
        ("barn-\noch ungdomar", "barn- och ungdomar"),
        ("tax-\nor och avgifter", "taxor och avgifter"),  # "taxor" is a word: the hyphen was a line break
        ("specialistsjuksköterskeexa-\nmen bör", "specialistsjuksköterskeexamen bör"),  # ends in "examen"
        ("kompe-\ntensförsörjning", "kompetensförsörjning"),
    ],
)
def test_a_hyphen_before_a_conjunction_is_judged_by_the_joined_word(text: str, expected: str) -> None:
    assert join_hyphenation(text) == expected


def test_a_word_hyphenated_over_a_page_break_is_joined_on_the_page_where_it_starts() -> None:
    pages = ["Rubrik\nDet handlar om resul-\n1 Se Regeringen (2023).", "tat och uppföljning.\nMer text."]
    cleaned = clean_pages(pages)
    assert cleaned[0] == "Rubrik\nDet handlar om resultat\n1 Se Regeringen (2023)."
    assert cleaned[1] == "och uppföljning.\nMer text."


def test_a_year_on_a_cover_is_not_a_page_number_but_page_numbers_go() -> None:
    pages = ["Underlag\nSocialstyrelsen\n2024"] + [f"Rubrik {n}\nBrödtext på sidan.\n{n}" for n in range(2, 6)]
    cleaned = strip_running_lines(pages)
    assert cleaned[0].endswith("2024")
    assert all(not page.endswith(str(n)) for n, page in enumerate(cleaned[1:], start=2))


def test_numbered_footnotes_of_a_short_document_are_kept() -> None:
    pages = [
        "Omslag\nTitel",
        "Rubrik\nText om bemanning.1\n1 Se Regeringskansliet (2023).",
        "Rubrik\nText om utbildning.2\n2 Se Regeringskansliet (2023).",
    ]
    cleaned = strip_running_lines(pages)
    assert cleaned[1].endswith("1 Se Regeringskansliet (2023).")
    assert cleaned[2].endswith("2 Se Regeringskansliet (2023).")


def test_a_footer_given_second_on_a_short_last_page_goes() -> None:
    header = "Underlag om vården · Socialstyrelsen"
    pages = [f"{header}\nSida {n}\nRubrik {n}\nText {n} om vården.\nMer text {n}." for n in range(1, 5)]
    pages.append(f"{header}\nSida 5\nCecilie Tenfjord-Toftby (M)")
    assert strip_running_lines(pages)[-1] == "Cecilie Tenfjord-Toftby (M)"


def test_ocr_running_lines_read_slightly_differently_go() -> None:
    variants = [
        "Underlag om vårdens kompetensförsörjning",
        "Underiag om vårdens kompetenstörsörjning",
        "Underlag om .vardens kompetensforsörjning",
        "Underlag om vårdens kompetensförsörining",
    ]  # as Tesseract read one running header on four pages
    pages = [
        f"{variant}\nText {n} om bemanning och rekrytering.\nMer om kompetens {n}."
        for n, variant in enumerate(variants)
    ]
    exact = strip_running_lines(pages)
    fuzzy = strip_running_lines(pages, fuzzy=True)
    assert all(page.startswith("Underiag") or page.startswith("Underlag") for page in exact)
    assert all(page.startswith("Text") for page in fuzzy)
