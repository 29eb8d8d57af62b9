"""Clean-up of page text: hyphenation, running headers and footers, page-range wording."""

from __future__ import annotations

import pytest

from ingest.cleanup import join_hyphenation, page_ranges, strip_running_lines


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
