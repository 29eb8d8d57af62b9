"""Retrieval evaluation: the answer rule, the metric maths, and a run on the seed corpus."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from ingest import ingest_paths
from kb import KnowledgeBase, load_settings
from kb.evaluation import BASELINE, Scores, answers, evaluate, load_queries
from tests.conftest import SEED_CORPUS, HashEmbedder

GOLD = ("doc", 100, 200)


@pytest.mark.parametrize(
    ("chunk", "expected"),
    [
        (("doc", 0, 150), True),  # covers exactly half of the gold span
        (("doc", 0, 149), False),  # just under half
        (("doc", 120, 180), True),  # wholly inside the gold span
        (("doc", 50, 300), True),  # covers all of it
        (("doc", 190, 400), False),
        (("other", 100, 200), False),  # right span, wrong document
    ],
)
def test_a_chunk_answers_when_it_covers_half_the_gold_span_or_lies_inside(
    chunk: tuple[str, int, int], expected: bool
) -> None:
    assert answers(*chunk, GOLD) is expected


def test_metrics() -> None:
    scores = Scores()
    scores.add([False, True, False], total_relevant=1)  # first answer at rank 2
    scores.add([False] * 10 + [True], total_relevant=1)  # rank 11 does not count
    scores.add([True, False, True], total_relevant=2)
    row = scores.row()
    assert row["R@1"] == pytest.approx(1 / 3)
    assert row["R@5"] == pytest.approx(2 / 3) and row["R@10"] == pytest.approx(2 / 3)
    assert row["MRR@10"] == pytest.approx((1 / 2 + 0 + 1) / 3)
    ndcg_first = (1 / math.log2(3)) / 1.0
    ndcg_third = (1 + 1 / math.log2(4)) / (1 + 1 / math.log2(3))
    assert row["nDCG@10"] == pytest.approx((ndcg_first + 0 + ndcg_third) / 3)


def test_bad_query_file_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "q.jsonl"
    path.write_text('{"query": "a", "doc_id": "x", "start": 0, "end": 5}\n{"query": "b"}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="line 2"):
        load_queries(path)


def _seed_queries(tmp_path: Path) -> Path:
    """Two queries whose gold spans are found in the seed documents' source files, as the dev set is."""
    corpus = SEED_CORPUS
    rows = []
    for name, first, last, query, kind in [
        (
            "2023-01_regeringen_arbete-med-starkt-kompetensforsorjning.txt",
            "Fler sjuksköterskor behöver vidareutbilda sig",
            "öka vidareutbildning för sjuksköterskor.",
            "vidareutbildning till specialistsjuksköterska",
            "keyword",
        ),
        (
            "2017_socialstyrelsen-uka_framtidens-vardkompetens.txt",
            "Framtidens vårdkompetens",
            "Framtidens vårdkompetens",
            "framtidens vårdkompetens",
            "title",
        ),
    ]:
        text = (corpus / name).read_text(encoding="utf-8")
        start = text.index(first)
        end = text.index(last, start) + len(last)
        rows.append({"id": kind, "query": query, "path": name, "start": start, "end": end, "kind": kind})
    path = tmp_path / "queries.jsonl"
    path.write_text("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n", encoding="utf-8")
    return path


def test_evaluation_on_the_seed_corpus(tmp_path: Path) -> None:
    kb = KnowledgeBase.open(load_settings(index=tmp_path / "index"), embedder=HashEmbedder())
    ingest_paths([SEED_CORPUS], kb)
    report = evaluate(kb.searcher, load_queries(_seed_queries(tmp_path)))
    kb.close()
    assert report.modes == ["hybrid", "dense", "lexical", BASELINE]
    assert set(report.by_kind) == {"keyword", "title"}
    lexical = report.overall["lexical"].row()
    assert report.overall["lexical"].n == 2
    assert lexical["R@10"] == 1.0
    assert report.by_kind["keyword"]["lexical"].row()["MRR@10"] == 1.0
    assert report.misses["lexical"] == []
    rows = report.table()
    assert len(rows) == 4 * 3  # per mode: all + two kinds
    assert {r["kind"] for r in rows} == {"all", "keyword", "title"}


def test_a_query_for_a_document_not_in_the_index_is_an_error(tmp_path: Path) -> None:
    kb = KnowledgeBase.open(load_settings(index=tmp_path / "index"), embedder=HashEmbedder())
    ingest_paths([SEED_CORPUS], kb)
    path = tmp_path / "q.jsonl"
    path.write_text('{"query": "a", "doc_id": "nope", "start": 0, "end": 5}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="'nope' is not in the index"):
        evaluate(kb.searcher, load_queries(path))
    kb.close()
