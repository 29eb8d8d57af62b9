"""Chunking: every character lands in a chunk, offsets point at the text, budgets and pages hold."""

from __future__ import annotations

from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from ingest.chunking import chunk_text
from ingest.readers.base import Heading
from ingest.readers.text import extract_markdownish
from kb.records import PageSpan
from tests.conftest import HashEmbedder

COUNT = HashEmbedder().count_tokens
WORDS = [
    "vård",
    "personal",
    "sjuksköterska",
    "region",
    "kommun",
    "kompetensförsörjning",
    "och",
    "i",
    "att",
    "gles- och landsbygd",
    "lön",
    "arbetsmiljö",
    "2023",
    "§",
    "hälso-",
    "–",
    "Socialstyrelsen",
]

sentence = st.lists(st.sampled_from(WORDS), min_size=1, max_size=30).map(lambda ws: " ".join(ws).capitalize() + ".")
paragraph = st.lists(sentence, min_size=1, max_size=6).map(" ".join)
block = st.one_of(
    paragraph,
    paragraph.map(lambda p: "- " + p),
    st.sampled_from(WORDS).map(lambda w: "## " + w.capitalize()),
    st.text(alphabet="abcåäö XYZ-.\n\t", min_size=1, max_size=300),
)
document = st.lists(block, min_size=1, max_size=25).map("\n\n".join)


def _check(text: str, chunks: list, max_tokens: int) -> None:  # type: ignore[type-arg]
    assert chunks[0].char_start == 0
    assert chunks[-1].char_end == len(text)
    for chunk in chunks:
        assert chunk.text == text[chunk.char_start : chunk.char_end]
    for before, after in pairwise(chunks):
        assert after.char_start <= before.char_end  # contiguous or overlapping: no character left out
        assert after.char_start > before.char_start
    for chunk in chunks:
        assert COUNT([chunk.text])[0] <= max_tokens


@settings(max_examples=150, deadline=None)
@given(source=document, max_tokens=st.integers(min_value=8, max_value=80), overlap=st.integers(0, 20))
def test_every_character_is_covered_and_offsets_are_exact(source: str, max_tokens: int, overlap: int) -> None:
    doc = extract_markdownish(source, strip_heading_markers=True)
    if not doc.text.strip():
        return
    chunks = chunk_text(
        doc.text, headings=doc.headings, max_tokens=max_tokens, overlap_tokens=overlap, count_tokens=COUNT
    )
    _check(doc.text, chunks, max_tokens)


@settings(max_examples=60, deadline=None)
@given(pages=st.lists(paragraph, min_size=1, max_size=6), max_tokens=st.integers(min_value=8, max_value=60))
def test_chunks_never_cross_pages(pages: list[str], max_tokens: int) -> None:
    text, spans, position = "", [], 0
    for number, page in enumerate(pages, start=1):
        if text:
            text += "\n\n"
            position += 2
        spans.append(PageSpan(number, position, position + len(page)))
        text += page
        position += len(page)
    chunks = chunk_text(text, pages=spans, max_tokens=max_tokens, overlap_tokens=5, count_tokens=COUNT)
    _check(text, chunks, max_tokens)
    for chunk in chunks:
        page = next(p for p in spans if p.number == chunk.page)
        body = chunk.text.strip()
        assert text.find(body, chunk.char_start) >= page.start
        assert chunk.char_start + len(chunk.text.rstrip()) <= page.end
    assert {c.page for c in chunks} == {p.number for p in spans}


def test_headings_start_chunks_and_give_their_path() -> None:
    source = (
        "# Plan\n\nInledning om planen.\n\n## Rekrytera\n\nFler utbildningsplatser.\n\n## Behålla\n\nBättre scheman."
    )
    doc = extract_markdownish(source, strip_heading_markers=True)
    chunks = chunk_text(doc.text, headings=doc.headings, max_tokens=40, overlap_tokens=0, count_tokens=COUNT)
    assert [c.text.strip() for c in chunks] == [
        "Plan\n\nInledning om planen.",
        "Rekrytera\n\nFler utbildningsplatser.",
        "Behålla\n\nBättre scheman.",
    ]
    assert [c.heading_path for c in chunks] == [("Plan",), ("Plan", "Rekrytera"), ("Plan", "Behålla")]


def test_long_paragraphs_split_at_sentences_with_overlap() -> None:
    sentences = [f"Mening nummer {i} handlar om bemanning i vården." for i in range(12)]
    text = " ".join(sentences)
    chunks = chunk_text(text, max_tokens=30, overlap_tokens=12, count_tokens=COUNT)
    assert len(chunks) > 3
    for chunk in chunks:
        assert chunk.text.strip().startswith("Mening nummer")  # cut at sentence boundaries
    assert chunks[1].char_start < chunks[0].char_end  # overlap: the next chunk repeats the last sentence


def test_a_word_longer_than_the_budget_is_cut_not_dropped() -> None:
    text = "Se " + "x" * 500 + " och mer text."
    count = lambda texts: [max(1, len(t) // 10) for t in texts]  # noqa: E731 - ten characters per token
    chunks = chunk_text(text, max_tokens=20, overlap_tokens=0, count_tokens=count)
    _check_generic = "".join(c.text for c in chunks)
    assert _check_generic == text
    assert all(count([c.text])[0] <= 20 for c in chunks)


def test_real_tokenizer_budget_is_respected(real_embedder) -> None:  # type: ignore[no-untyped-def]
    text = " ".join(["Specialistsjuksköterskeutbildningen i gles- och landsbygdsregionerna behöver förstärkas."] * 80)
    chunks = chunk_text(
        text,
        headings=[Heading(1, 0, 10)],
        max_tokens=real_embedder.max_tokens,
        overlap_tokens=32,
        count_tokens=real_embedder.count_tokens,
    )
    assert len(chunks) > 1
    for chunk in chunks:
        assert real_embedder.count_tokens([chunk.text])[0] <= real_embedder.max_tokens


def test_a_document_of_100_000_headings_is_chunked_heading_by_heading(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """Hostile Markdown: a heading over every line. Finding each block's heading and each chunk's heading
    path used to scan all headings (100,000 x 100,000 steps: hours); now one pass does."""
    from ingest.readers import read_document
    from tests.fixtures.hostile import many_headings_markdown

    doc = read_document(many_headings_markdown(tmp_path / "rubriker.md", headings=100_000))
    chunks = chunk_text(doc.text, headings=doc.headings, max_tokens=40, overlap_tokens=8, count_tokens=COUNT)
    assert len(chunks) == len(doc.headings) == 100_000
    for number in (0, 1, 50_000, 99_999):
        assert chunks[number].heading_path == (f"Rubrik {number}",)
        assert chunks[number].text.strip() == f"Rubrik {number}\n\nText {number}."
