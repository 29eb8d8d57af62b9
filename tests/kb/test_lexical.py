"""The BM25 index: a term's presence counts more than its repetition (the cross-validated low k1), and
an index cached with other BM25 parameters is rebuilt rather than reused."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest import ingest_paths
from kb import KnowledgeBase, lexical, load_settings
from kb.lexical import LexicalIndex
from kb.search import Searcher
from tests.conftest import HashEmbedder
from tests.kb.test_search import write_corpus


@pytest.mark.parametrize("repeats", [2, 5, 20, 100])
def test_two_query_terms_once_outrank_one_term_repeated(repeats: int) -> None:
    # Rows of equal length, and each term in two rows, so only term frequency separates them.
    filler = ["fyll"] * (repeats - 2)
    index = LexicalIndex.build(
        ["both", "repeated", "other"],
        [["bemann", "tillgang", *filler], ["bemann"] * repeats, ["tillgang"] * repeats],
    )
    scores = index.scores({"bemann": 1.0, "tillgang": 1.0})
    assert scores[0] > scores[1] and scores[0] > scores[2]


def test_an_index_saved_with_other_bm25_parameters_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    LexicalIndex.build(["a", "b"], [["personal", "brist"], ["personal"]]).save(tmp_path / "bm25")
    assert LexicalIndex.load(tmp_path / "bm25").chunk_ids == ["a", "b"]
    monkeypatch.setattr(lexical, "K1", lexical.K1 + 1.0)
    with pytest.raises(ValueError, match="k1="):
        LexicalIndex.load(tmp_path / "bm25")


def test_a_searcher_rebuilds_a_cached_index_of_other_bm25_parameters(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kb = KnowledgeBase.open(load_settings(index=tmp_path / "index"), embedder=HashEmbedder())
    ingest_paths([write_corpus(tmp_path / "corpus")], kb)

    def lexical_scores() -> dict[str, float]:  # a new searcher: what another process would load
        hits = Searcher(kb).search("personal glesbygden sommaren", k=8, mode="lexical")
        return {h.chunk_id: h.scores["lexical"] for h in hits}

    current = lexical_scores()
    assert len(current) > 1
    with monkeypatch.context() as patched:
        patched.setattr(lexical, "K1", lexical.K1 + 1.0)
        other = lexical_scores()
    assert other.keys() == current.keys() and other != current
    assert lexical_scores() == current  # and back: the cache written with the other k1 is not reused
    kb.close()
