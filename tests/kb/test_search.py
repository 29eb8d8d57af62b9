"""Search over a real index (real Chroma; the tiny hash embedder, or the real model where it matters).

Filters are checked against a plain-Python reference over the corpus's own manifest, for every
combination hypothesis finds, in lexical, dense and hybrid mode.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ingest import ingest_paths
from kb import KnowledgeBase, load_settings
from kb.fusion import Weights
from kb.hits import Hit, group_by_stakeholder
from kb.search import Filters, Searcher, SearchError, UnknownFilterValue
from kb.signals import SIGNALS, QueryContext, Scores
from kb.signals.base import MaxNormalised
from tests.conftest import SEED_CORPUS, HashEmbedder, settings_for

# Eight short documents, each about one care-staffing topic and all mentioning "personal", with
# metadata that varies on every filterable field (two without a date, one in English).
DOCS: list[dict[str, object]] = [
    {
        "path": "a.txt",
        "doc_id": "a",
        "doc_type": "remissvar",
        "stakeholder": "region",
        "organisation": "Region Norrbotten",
        "date": "2019-05",
        "language": "sv",
        "text": "Region Norrbotten har svårt att behålla personal i glesbygden. Hyrläkare kostar mycket.",
    },
    {
        "path": "b.txt",
        "doc_id": "b",
        "doc_type": "remissvar",
        "stakeholder": "kommun",
        "organisation": "Kiruna kommun",
        "date": "2021-02-01",
        "language": "sv",
        "text": "Kommunen saknar undersköterskor och personal inom äldreomsorgen under sommaren.",
    },
    {
        "path": "c.txt",
        "doc_id": "c",
        "doc_type": "motion",
        "stakeholder": "riksdag",
        "organisation": "Riksdagen",
        "date": "2022",
        "language": "sv",
        "text": "Motionären vill införa skattelättnad för personal som flyttar till landsbygden.",
    },
    {
        "path": "d.txt",
        "doc_id": "d",
        "doc_type": "rapport",
        "stakeholder": "stat",
        "organisation": "Socialstyrelsen",
        "date": "2017",
        "language": "sv",
        "text": "Rapporten visar brist på specialistsjuksköterskor och annan legitimerad personal.",
    },
    {
        "path": "e.txt",
        "doc_id": "e",
        "doc_type": "rapport",
        "stakeholder": "fack_profession",
        "organisation": "Vårdförbundet",
        "date": None,
        "language": "sv",
        "text": "Förbundet kräver bättre arbetsmiljö och lön så att personal stannar i yrket.",
    },
    {
        "path": "f.txt",
        "doc_id": "f",
        "doc_type": "pressmeddelande",
        "stakeholder": "stat",
        "organisation": "Regeringen",
        "date": "2023-01",
        "language": "sv",
        "text": "Regeringen avsätter miljoner kronor för att utbilda mer personal till vården.",
    },
    {
        "path": "g.txt",
        "doc_id": "g",
        "doc_type": "rapport",
        "stakeholder": "arbetsgivarorganisation",
        "organisation": "SKR",
        "date": "2020-11",
        "language": "en",
        "text": "The employers report that personal continuity matters and staff turnover is costly.",
    },
    {
        "path": "h.txt",
        "doc_id": "h",
        "doc_type": "annat",
        "stakeholder": "larosate",
        "organisation": "Umeå universitet",
        "date": None,
        "language": "sv",
        "text": "Lärosätet ökar antalet platser för verksamhetsförlagd utbildning och personal handleder.",
    },
]
YEARS = {"a": 2019, "b": 2021, "c": 2022, "d": 2017, "e": None, "f": 2023, "g": 2020, "h": None}


def write_corpus(folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    lines = []
    for doc in DOCS:
        (folder / str(doc["path"])).write_text(f"Dokument {doc['doc_id']}\n\n{doc['text']}\n", encoding="utf-8")
        meta = {key: value for key, value in doc.items() if key != "text" and value is not None}
        lines.append(json.dumps({**meta, "title": f"Dokument {doc['doc_id']}"}, ensure_ascii=False))
    (folder / "manifest.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def varied_kb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KnowledgeBase]:
    root = tmp_path_factory.mktemp("varied")
    kb = KnowledgeBase.open(settings_for(root / "index", "varied"), embedder=HashEmbedder())
    report = ingest_paths([write_corpus(root / "corpus")], kb)
    assert report.ok, report.outcomes
    yield kb
    kb.close()


def reference(filters: Filters) -> set[str]:
    """The documents a filter allows, decided in plain Python from the corpus definition."""
    allowed = set()
    for doc in DOCS:
        year = YEARS[str(doc["doc_id"])]
        if filters.doc_types and doc["doc_type"] not in filters.doc_types:
            continue
        if filters.stakeholders and doc["stakeholder"] not in filters.stakeholders:
            continue
        if filters.organisations and doc["organisation"] not in filters.organisations:
            continue
        if filters.languages and doc["language"] not in filters.languages:
            continue
        if filters.doc_ids and doc["doc_id"] not in filters.doc_ids:
            continue
        if filters.year_from is not None and (year is None or year < filters.year_from):
            continue
        if filters.year_to is not None and (year is None or year > filters.year_to):
            continue
        allowed.add(str(doc["doc_id"]))
    return allowed


def _values(key: str) -> list[str]:
    return sorted({str(doc[key]) for doc in DOCS})


def _subset(key: str) -> st.SearchStrategy[tuple[str, ...]]:
    return st.lists(st.sampled_from(_values(key)), max_size=3, unique=True).map(tuple)


filters_strategy = st.builds(
    Filters,
    doc_types=_subset("doc_type"),
    stakeholders=_subset("stakeholder"),
    organisations=_subset("organisation"),
    year_from=st.none() | st.integers(2015, 2024),
    year_to=st.none() | st.integers(2015, 2025),
    languages=_subset("language"),
    doc_ids=_subset("doc_id"),
).filter(lambda f: f.year_from is None or f.year_to is None or f.year_from <= f.year_to)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(filters=filters_strategy, mode=st.sampled_from(["lexical", "dense", "hybrid"]), hnsw=st.booleans())
@example(filters=Filters(year_from=2019, year_to=2021), mode="hybrid", hnsw=False)  # both ends inclusive
@example(filters=Filters(year_to=2019), mode="dense", hnsw=True)  # undated documents drop out of a year range
@example(filters=Filters(year_to=2019), mode="dense", hnsw=False)
@example(filters=Filters(doc_types=("rapport",), languages=("sv",)), mode="lexical", hnsw=False)
def test_filters_match_a_plain_python_reference(
    varied_kb: KnowledgeBase, filters: Filters, mode: str, hnsw: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    # dense queries: the exact search over the vector copy (small indexes) and Chroma's HNSW (large ones)
    monkeypatch.setattr("kb.signals.dense.EXACT_DENSE_MAX", 0 if hnsw else 10**9)
    # "personal" is in every document, so an unfiltered search can reach all of them
    hits = varied_kb.search("personal", k=50, filters=filters, mode=mode)  # type: ignore[arg-type]
    assert {hit.doc_id for hit in hits} == reference(filters)


def test_unknown_filter_values_are_refused_with_the_allowed_ones(varied_kb: KnowledgeBase) -> None:
    with pytest.raises(UnknownFilterValue, match=r"unknown doc_type 'remiss'; allowed: regeringsuppdrag, .*remissvar"):
        varied_kb.search("personal", filters=Filters(doc_types=("remiss",)))
    with pytest.raises(UnknownFilterValue, match=r"allowed: .*Kiruna kommun.*Region Norrbotten"):
        varied_kb.search("personal", filters=Filters(organisations=("Region Norrland",)))
    with pytest.raises(UnknownFilterValue, match="unknown stakeholder"):
        varied_kb.search("personal", filters=Filters(stakeholders=("landsting",)))
    with pytest.raises(SearchError, match="year range is empty"):
        varied_kb.search("personal", filters=Filters(year_from=2022, year_to=2020))
    with pytest.raises(SearchError, match="unknown search mode"):
        varied_kb.search("personal", mode="semantic")  # type: ignore[arg-type]


def test_hits_carry_metadata_offsets_and_marked_snippets(varied_kb: KnowledgeBase) -> None:
    hits = varied_kb.search("hyrläkare i glesbygd", k=3, mode="lexical")
    top = hits[0]
    assert (top.doc_id, top.organisation, top.doc_type, top.stakeholder, top.date) == (
        "a",
        "Region Norrbotten",
        "remissvar",
        "region",
        "2019-05",
    )
    text, _ = varied_kb.document_text("a")  # type: ignore[misc]
    assert text[top.char_start : top.char_end] == top.text
    assert "**Hyrläkare**" in top.snippet.render("**", "**")
    assert "**glesbygden**" in top.snippet.render("**", "**")
    assert top.rank == 1 and top.score > 0


def test_grouping_by_stakeholder_shows_what_each_category_said(varied_kb: KnowledgeBase) -> None:
    hits = varied_kb.search("personal", k=20, mode="lexical")
    groups = {group.label: {hit.doc_id for hit in group.hits} for group in group_by_stakeholder(hits)}
    assert groups["Staten (regering, myndigheter)"] == {"d", "f"}
    assert groups["Region"] == {"a"} and groups["Kommun"] == {"b"}
    assert len(groups) == 7  # every stakeholder category of the corpus, each once


def test_search_sees_a_replaced_document_at_once(tmp_path: Path) -> None:
    kb = KnowledgeBase.open(load_settings(index=tmp_path / "index"), embedder=HashEmbedder())
    corpus = write_corpus(tmp_path / "corpus")
    ingest_paths([corpus], kb)
    assert [h.doc_id for h in kb.search("skattelättnad", mode="lexical")] == ["c"]
    (corpus / "c.txt").write_text("Dokument c\n\nMotionären vill ha fler vårdplatser.\n", encoding="utf-8")
    ingest_paths([corpus], kb)
    assert kb.search("skattelättnad", mode="lexical") == []
    assert kb.search("vårdplatser", mode="lexical")[0].doc_id == "c"
    kb.close()


def test_empty_query_and_empty_index_return_nothing(tmp_path: Path) -> None:
    kb = KnowledgeBase.open(load_settings(index=tmp_path / "index"), embedder=HashEmbedder())
    assert kb.search("personal") == []
    ingest_paths([write_corpus(tmp_path / "corpus")], kb)
    assert kb.search("   ") == []
    assert kb.search("och att som", mode="lexical") == []  # only stop words: nothing to match
    kb.close()


# --- the real model on the shipped seed corpus ------------------------------------------------------


@pytest.fixture(scope="module")
def seed_kb(tmp_path_factory: pytest.TempPathFactory) -> Iterator[KnowledgeBase]:
    from kb import load_embedder

    settings_ = settings_for(tmp_path_factory.mktemp("seeds") / "index", "seeds")
    kb = KnowledgeBase.open(settings_, embedder=load_embedder(settings_))
    assert ingest_paths([SEED_CORPUS], kb).ok
    yield kb
    kb.close()


@pytest.mark.slow
def test_specialist_nurse_funding_passage_comes_first(seed_kb: KnowledgeBase) -> None:
    for mode in ("hybrid", "lexical"):
        hits = seed_kb.search("vidareutbildning till specialistsjuksköterska", mode=mode)  # type: ignore[arg-type]
        assert hits[0].doc_id == "002_77bf05357181f093", mode
        assert "Fler sjuksköterskor behöver vidareutbilda sig till specialistsjuksköterska" in hits[0].text
        assert "500 miljoner kronor" in hits[0].text


@pytest.mark.slow
@pytest.mark.parametrize("mode", ["hybrid", "lexical", "dense"])
def test_every_hit_is_exactly_its_slice_of_the_document(seed_kb: KnowledgeBase, mode: str) -> None:
    hits = seed_kb.search("brist på sjuksköterskor i glesbygden", k=10, mode=mode)  # type: ignore[arg-type]
    assert len(hits) >= 5  # (the seed corpus has 22 chunks; lexical finds only those with a query word)
    assert [h.rank for h in hits] == list(range(1, len(hits) + 1))
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)
    for hit in hits:
        text, _ = seed_kb.document_text(hit.doc_id)  # type: ignore[misc]
        assert text[hit.char_start : hit.char_end] == hit.text
    spans = [(h.doc_id, h.char_start, h.char_end) for h in hits]
    for i, (doc, start, end) in enumerate(spans):  # overlapping chunks were collapsed
        for other_doc, other_start, other_end in spans[i + 1 :]:
            overlap = min(end, other_end) - max(start, other_start)
            assert doc != other_doc or overlap < 0.5 * min(end - start, other_end - other_start)


@pytest.mark.slow
def test_hybrid_uses_both_signals_and_ranks_by_the_fused_score(seed_kb: KnowledgeBase) -> None:
    hits = seed_kb.search("hur kan vi locka tillbaka sjuksköterskor som lämnat yrket?", k=10)
    assert all(h.lexical_score > 0 or h.dense_score > 0 for h in hits)
    assert any(h.lexical_score > 0 and h.dense_score > 0 for h in hits)
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


@pytest.mark.slow
def test_english_query_finds_swedish_passages(seed_kb: KnowledgeBase) -> None:
    hits = seed_kb.search("shortage of specialist nurses", k=5)
    assert any("specialistsjuksköterskor" in h.text for h in hits)


@pytest.mark.slow
def test_similar_passages_exclude_the_passage_itself(seed_kb: KnowledgeBase) -> None:
    hit = seed_kb.search("vidareutbildning till specialistsjuksköterska", k=1)[0]
    similar = seed_kb.similar(hit, k=4)
    assert len(similar) == 4
    assert [h.rank for h in similar] == list(range(1, len(similar) + 1))
    for other in similar:
        assert not (other.doc_id == hit.doc_id and other.char_start < hit.char_end and hit.char_start < other.char_end)


@pytest.mark.slow
def test_citation_of_a_hit_quotes_it_and_names_the_source(seed_kb: KnowledgeBase) -> None:
    hit: Hit = seed_kb.search("vidareutbildning till specialistsjuksköterska", k=1)[0]
    citation = seed_kb.cite(hit)
    assert citation.reference.startswith("Regeringen (Regeringskansliet) (2023). *Regeringens arbete")
    assert citation.quote == " ".join(hit.text.split())
    assert citation.link is not None


class RecencySignal(MaxNormalised):
    """A toy signal: newer documents score higher (undated ones not at all). Registering it is one line."""

    name = "recency"

    def __init__(self, kb: KnowledgeBase) -> None:
        pass

    def candidates(self, context: QueryContext) -> Scores:
        return self.complete(context, range(len(context.table)))

    def complete(self, context: QueryContext, rows: Iterable[int]) -> Scores:
        table = context.table
        years = {row: table.documents[int(table.doc_rows[row])].metadata.year for row in rows}
        return {
            row: float(year - 2000)
            for row, year in years.items()
            if year and (context.mask is None or context.mask[row])
        }


def test_a_new_signal_is_one_class_and_one_line_of_registration(varied_kb: KnowledgeBase) -> None:
    searcher = Searcher(
        varied_kb, weights=Weights(dense=0.0, others=(("recency", 5.0),)), signals=(*SIGNALS, RecencySignal)
    )
    hits = searcher.search("personal", k=8)
    assert [h.doc_id for h in hits][:2] == ["f", "c"]  # 2023 and 2022 outweigh the lexical match
    assert all(set(h.scores) == {"lexical", "dense", "recency"} for h in hits)
    assert hits[0].scores["recency"] == 23.0
    undated = [h for h in hits if h.doc_id in ("e", "h")]
    assert undated and all(h.scores["recency"] == 0.0 for h in undated)
    # a single-signal mode uses only its own signal; a filter restricts the new signal too
    assert all(set(h.scores) == {"lexical"} for h in searcher.search("personal", mode="lexical"))
    filtered = searcher.search("personal", filters=Filters(year_to=2020))
    assert filtered and {h.doc_id for h in filtered} <= {"a", "d", "g"}
    # without it, the same searcher set-up ranks by the text alone
    plain = Searcher(varied_kb, weights=Weights(dense=0.0), signals=SIGNALS).search("personal", k=8)
    assert [h.doc_id for h in plain] != [h.doc_id for h in hits]
