"""The Swedish analyzer: stems, compound splitting, thesaurus and English glossary."""

from __future__ import annotations

import pytest

from kb.analysis import Analyzer


@pytest.fixture(scope="module")
def analyzer() -> Analyzer:
    return Analyzer()


@pytest.mark.parametrize(
    ("word", "parts"),
    [
        ("sjuksköterskebrist", ("sjukskötersk", "brist")),
        ("landsbygdsprimärvården", ("landsbyg", "primärvård")),
        ("hyrpersonalfri", ("hyr", "personal", "fri")),
        ("arbetsmiljösatsning", ("arbetsmiljö", "satsning")),
        ("sjuksköterska", ()),  # a common word stays whole
        ("vård", ()),  # too short to be a compound
        ("kompetens2023", ()),  # not letters only
    ],
)
def test_split_compound(analyzer: Analyzer, word: str, parts: tuple[str, ...]) -> None:
    assert analyzer.split_compound(word) == parts


def test_inflections_share_a_stem(analyzer: Analyzer) -> None:
    stems = {analyzer.word_terms(w)[0] for w in ("sjuksköterska", "sjuksköterskor", "sjuksköterskorna")}
    assert len(stems) == 1


def test_compound_query_meets_split_text(analyzer: Analyzer) -> None:
    query = set(analyzer.query_terms("sjuksköterskebrist"))
    text = set(analyzer.terms("det råder brist på sjuksköterskor"))
    assert {"brist", "sjukskötersk"} <= query & text


def test_stop_words_are_dropped_and_spans_kept(analyzer: Analyzer) -> None:
    text = "Det är brist på läkare i glesbygden"
    tokens = analyzer.tokens(text)
    assert [text[t.start : t.end] for t in tokens] == ["brist", "läkare", "glesbygden"]


def test_thesaurus_expands_synonyms_at_lower_weight(analyzer: Analyzer) -> None:
    terms = analyzer.query_terms("hyrläkare")
    assert terms["hyrläk"] == 1.0
    assert 0 < terms["stafettläk"] < 1.0


def test_english_query_reaches_swedish_terms(analyzer: Analyzer) -> None:
    terms = analyzer.query_terms("shortage of assistant nurses in municipalities")
    assert {"brist", "underskötersk", "kommun"} <= set(terms)
    assert "of" not in terms


def test_english_glossary_keys_match_by_stem_and_phrase(analyzer: Analyzer) -> None:
    assert "sjukskötersk" in analyzer.query_terms("a nurse")
    assert "sjukskötersk" in analyzer.query_terms("the nurses")
    assert {"lämn", "yrket"} <= set(analyzer.query_terms("nurses leaving the profession"))
    assert "lämn" not in analyzer.query_terms("the profession")  # a phrase matches whole


def test_the_generated_glossary_is_the_catalogue_vocabularies_of_today() -> None:
    import importlib.util

    from tests.conftest import REPO

    spec = importlib.util.spec_from_file_location("make_glossary", REPO / "docs" / "make_glossary.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    committed = (REPO / "kb" / "data" / "glossary_vocabularies.yaml").read_text(encoding="utf-8")
    assert committed == module.render(), "run .venv/bin/python docs/make_glossary.py"
