"""Pure ranking maths: top-k, normalisation, fusion, overlap and near-duplicate removal."""

from __future__ import annotations

import numpy as np
import pytest

from kb.fusion import Weights, deduplicate, fuse, min_max, normalise, overlaps, top_k


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


def test_fuse_weights_signals() -> None:
    lexical = {1: 10.0, 2: 9.0}
    dense = {1: 0.30, 2: 0.60, 3: 0.65}
    assert [row for row, _ in fuse(lexical, dense, Weights(lexical=1.0, dense=0.0))][:2] == [1, 2]
    ranked = fuse(lexical, dense, Weights(lexical=1.0, dense=0.2))
    assert [row for row, _ in ranked] == [2, 1, 3]  # dense re-orders close lexical scores; dense-only stays last


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
