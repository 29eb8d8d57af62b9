"""Highlighting and citations, on hand-made passages (no model needed)."""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kb.analysis import Analyzer
from kb.citations import cite, reference, source_link
from kb.highlight import make_snippet, match_spans
from kb.hits import Hit, group_by_document, group_by_stakeholder
from tests.conftest import SEED_CORPUS


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer()


def test_matched_words_are_marked_including_compounds(analyzer: Analyzer) -> None:
    text = "Sjuksköterskebristen är stor. Regionen saknar sjuksköterskor och läkare."
    terms = analyzer.query_terms("brist på sjuksköterskor")
    spans = match_spans(text, terms, analyzer)
    assert [text[s:e] for s, e in spans] == ["Sjuksköterskebristen", "sjuksköterskor"]
    snippet = make_snippet(text, spans)
    assert snippet.render() == "**Sjuksköterskebristen** är stor. Regionen saknar **sjuksköterskor** och läkare."


def test_long_passage_snippet_is_cut_at_words_around_matches(analyzer: Analyzer) -> None:
    text = ("Inledande text om annat. " * 30) + "Här står det om hyrläkare i glesbygden. " + ("Avslutning. " * 30)
    spans = match_spans(text, analyzer.query_terms("hyrläkare glesbygd"), analyzer)
    snippet = make_snippet(text, spans, size=120)
    assert snippet.truncated_start and snippet.truncated_end
    assert "**hyrläkare**" in snippet.render() and "**glesbygden**" in snippet.render()
    assert len(snippet.text) <= 120
    assert not snippet.text[0].isspace() or snippet.text.strip()


@pytest.mark.parametrize(
    ("organisation", "date", "title", "page", "expected"),
    [
        (
            "Socialstyrelsen",
            "2017-05",
            "Framtidens vårdkompetens",
            3,
            "Socialstyrelsen (2017). *Framtidens vårdkompetens*. s. 3.",
        ),
        ("Region Norrbotten", None, "Remissvar.", None, "Region Norrbotten (u.å.). *Remissvar*."),
        (None, "2024", "Notis", 1, "Okänd upphovsman (2024). *Notis*. s. 1."),
    ],
)
def test_reference(organisation: str | None, date: str | None, title: str, page: int | None, expected: str) -> None:
    assert reference(organisation, date, title, page) == expected


def test_source_links() -> None:
    assert source_link(None, "/data/rapport.pdf", 4) == "file:///data/rapport.pdf#page=4"
    assert source_link(None, "/data/notis.txt", None) == "file:///data/notis.txt"
    assert source_link("https://x.se/a.pdf", "/data/a.pdf", 2) == "https://x.se/a.pdf#page=2"
    assert source_link("https://x.se/sida", None, None) == "https://x.se/sida"


def _hit(rank: int, doc_id: str, stakeholder: str, text: str = "Regionen   saknar\nläkare.") -> Hit:
    from kb.highlight import Snippet

    return Hit(
        rank=rank,
        score=1.0 / rank,
        chunk_id=f"{doc_id}:v:{rank}",
        doc_id=doc_id,
        title=f"Titel {doc_id}",
        organisation="Org",
        doc_type="remissvar",
        stakeholder=stakeholder,
        date="2024-01-02",
        source_path=f"{doc_id}.pdf",
        page=2,
        char_start=0,
        char_end=len(text),
        heading_path=(),
        text=text,
        snippet=Snippet(text, ()),
    )


def test_cite_quotes_the_passage_or_a_part_of_it() -> None:
    hit = _hit(1, "a", "region")
    citation = cite(hit, abs_path="/x/a.pdf")
    assert citation.quote == "Regionen saknar läkare."
    assert citation.reference == "Org (2024). *Titel a*. s. 2."
    assert citation.link == "file:///x/a.pdf#page=2"
    assert cite(hit, quote="saknar läkare").quote == "saknar läkare"
    with pytest.raises(ValueError, match="hit's own text"):
        cite(hit, quote="något annat")


def test_grouping() -> None:
    hits = [_hit(1, "a", "region"), _hit(2, "b", "kommun"), _hit(3, "a", "region"), _hit(4, "c", "region")]
    assert [(g.key, len(g.hits)) for g in group_by_document(hits)] == [("a", 2), ("b", 1), ("c", 1)]
    groups = group_by_stakeholder(hits)
    assert [(g.key, g.label, len(g.hits)) for g in groups] == [("region", "Region", 3), ("kommun", "Kommun", 1)]
    assert hits[0].to_json()["snippet"] == hits[0].text


_CORPUS_TEXT = (SEED_CORPUS / "2017_socialstyrelsen-uka_framtidens-vardkompetens.txt").read_text(encoding="utf-8")
_CORPUS_WORDS = sorted(set(_CORPUS_TEXT.split()))


@settings(max_examples=150, deadline=None)
@given(
    start=st.integers(0, len(_CORPUS_TEXT) - 400),
    query=st.lists(st.sampled_from(_CORPUS_WORDS), min_size=1, max_size=5).map(" ".join),
)
def test_fast_matching_marks_exactly_the_words_full_analysis_would(start: int, query: str) -> None:
    analyzer = _ANALYZER
    text = _CORPUS_TEXT[start : start + 400]
    terms = analyzer.query_terms(query)
    reference = [(t.start, t.end) for t in analyzer.tokens(text) if set(terms).intersection(t.terms)]
    assert match_spans(text, terms, analyzer) == reference


_ANALYZER = Analyzer()


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ("Mål:\n--För att klara vården\n-- Personalen", "Mål:\n– För att klara vården\n–  Personalen"),
        ("  --indraget", "– indraget"),  # the snippet starts at the text
        ("vård--omsorg och 1--2 dagar", "vård--omsorg och 1--2 dagar"),  # inside a line: the text's own
        ("---\nrubrik", "---\nrubrik"),  # a rule is not a bullet
    ],
)
def test_dash_bullets_read_as_dashes_in_snippets_with_marks_kept(text: str, shown: str) -> None:
    word = re.findall(r"[a-zåäö]+", text)[-1]
    spans = [(text.index(word), text.index(word) + len(word))]
    snippet = make_snippet(text, spans, size=1000)
    assert snippet.text == shown
    assert [snippet.text[s:e] for s, e in snippet.marks] == [word]
