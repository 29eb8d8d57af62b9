"""Pure ranking maths: top-k, normalisation, fusion, overlap and near-duplicate removal."""

from __future__ import annotations

import numpy as np
import pytest

from kb.fusion import SignalScores, Weights, deduplicate, fuse, min_max, normalise, overlaps, top_k


@pytest.mark.parametrize(
    ("scores", "k", "mask", "expected"),
    [
        ([0.1, 0.9, 0.5, 0.0], 2, None, [1, 2]),
        ([0.1, 0.9, 0.5, 0.0], 10, None, [1, 2, 0]),  # zero scores are not results
        ([0.1, 0.9, 0.5, 0.0], 2, [True, False, True, True], [2, 0]),
        ([0.0, 0.0], 3, None, []),
    ],
)
def test_top_k(scores: list[float], k: int, mask: list[bool] | None, expected: list[int]) -> None:
    assert top_k(np.array(scores), k, None if mask is None else np.array(mask)) == expected


def test_normalisations() -> None:
    assert normalise({1: 2.0, 2: 4.0}) == {1: 0.5, 2: 1.0}
    assert min_max({1: 0.2, 2: 0.6, 3: 0.4}) == pytest.approx({1: 0.0, 2: 1.0, 3: 0.5})
    assert min_max({7: 0.3}) == {7: 1.0}


def _signals(lexical: float, dense: float, toy: float = 0.0) -> list[SignalScores]:
    return [
        SignalScores("lexical", {1: 10.0, 2: 9.0}, lexical, normalise),
        SignalScores("dense", {1: 0.30, 2: 0.60, 3: 0.65}, dense, min_max),
        SignalScores("toy", {3: 1.0, 4: 1.0}, toy, normalise),
    ]


def test_fuse_weights_any_number_of_signals() -> None:
    assert [row for row, _ in fuse(_signals(1.0, 0.0))][:2] == [1, 2]
    ranked = fuse(_signals(1.0, 0.2))
    assert [row for row, _ in ranked][:3] == [2, 1, 3]  # dense re-orders close lexical scores; dense-only last
    assert [row for row, _ in fuse(_signals(1.0, 0.2, toy=2.0))][:2] == [3, 4]  # a third signal counts too
    scores = dict(fuse(_signals(1.0, 0.2, toy=2.0)))
    assert scores[3] == pytest.approx(0.2 * 1.0 + 2.0) and scores[4] == pytest.approx(2.0)


def test_reciprocal_rank_fusion_ignores_scales_and_sums_weights() -> None:
    ranked = fuse(_signals(1.0, 1.0, toy=1.0), method="rrf", rrf_k=60)
    scores = dict(ranked)
    assert scores[1] == pytest.approx(1 / 61 + 1 / 63)  # first lexically, third densely
    assert scores[3] == pytest.approx(1 / 61 + 1 / 61)  # first densely and (by row order) first for the toy


def test_weights_name_every_signal() -> None:
    weights = Weights(lexical=1.0, dense=1.5, others=(("toy", 0.3),))
    assert (weights.weight("lexical"), weights.weight("dense"), weights.weight("toy")) == (1.0, 1.5, 0.3)
    assert weights.weight("unknown") == 1.0


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (("d", 0, 100), ("d", 50, 150), False),  # exactly half
        (("d", 0, 100), ("d", 40, 140), True),
        (("d", 0, 100), ("e", 0, 100), False),
        (("d", 0, 100), ("d", 10, 20), True),  # contained
    ],
)
def test_overlaps(a: tuple[str, int, int], b: tuple[str, int, int], expected: bool) -> None:
    assert overlaps(a, b) is expected


def test_deduplicate_drops_overlaps_and_copies() -> None:
    spans = [("a", 0, 100), ("a", 10, 100), ("b", 0, 50), ("c", 0, 50), ("d", 0, 30)]
    same = "regeringen avsätter 500 miljoner kronor för vidareutbildning av sjuksköterskor år 2023"
    texts = ["x y z w", "x y z w v", same, same, "helt annan text om lön och arbetsmiljö"]
    assert deduplicate([0, 1, 2, 3, 4], spans, texts, limit=10) == [0, 2, 4]
    assert deduplicate([0, 1, 2, 3, 4], spans, texts, limit=2) == [0, 2]
