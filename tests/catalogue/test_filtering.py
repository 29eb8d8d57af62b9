"""Filters and facets against a plain-Python reference over the raw YAML of the starter catalogue."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import example, given, settings
from hypothesis import strategies as st

from catalogue import Catalogue, FilterError, Query
from catalogue.vocabularies import (
    ACTORS,
    CATEGORY,
    EFFECT,
    GRADED,
    GRADER,
    LEVERS,
    OUTCOME,
    SETTING,
    STATUS,
    TARGET_GROUPS,
)
from tests.conftest import REPO

CATALOGUE = Catalogue.load(REPO / "data" / "catalogue")
RAW = [yaml.safe_load(p.read_text(encoding="utf-8")) for p in sorted((REPO / "data" / "catalogue").glob("*.yaml"))]
RANK = {"hog": 4, "mattlig": 3, "lag": 2, "mycket_lag": 1, "otillracklig": 0, "ej_bedomd": 0}
COST_ORDER = {1: 1, 2: 2, 3: 3, 4: 4, 5: 5, "unknown": 99}


def reference(query: Query) -> set[str]:
    kept = set()
    for record in RAW:

        def any_of(field: str, wanted: tuple[str, ...], have: Any = None, r: dict = record) -> bool:
            values = have if have is not None else r[field]
            values = values if isinstance(values, list) else [values]
            return not wanted or bool(set(values) & set(wanted))

        if not any_of("category", query.category):
            continue
        if (
            query.target_groups
            and "alla" not in record["target_groups"]
            and not any_of("target_groups", query.target_groups)
        ):
            continue
        if not (any_of("levers", query.levers) and any_of("setting", query.setting)):
            continue
        if not any_of("actors", query.actors, record["actors"]["values"]):
            continue
        pairs = [(o["outcome"], o["effect"]) for o in record.get("outcomes", [])]
        if (query.outcome or query.effect) and not any(
            (not query.outcome or o in query.outcome) and (not query.effect or e in query.effect) for o, e in pairs
        ):
            continue
        if not any_of("grader", query.grader, [record["evidence"]["grader"]] if "grader" in record["evidence"] else []):
            continue
        if query.unit_cost and "unit_cost" not in record["cost"]:
            continue
        if not any_of("status", query.status):
            continue
        level = record["cost"]["level"]
        if query.max_cost is not None and (level == "unknown" or level > query.max_cost):
            continue
        if query.min_evidence is not None and RANK[record["evidence"]["certainty"]] < RANK[query.min_evidence]:
            continue
        if query.text:
            blob = " ".join(str(record.get(k, "")) for k in ("id", "name", "summary", "description")).lower()
            if query.text.lower() not in blob:
                continue
        kept.add(record["id"])
    return kept


def subset(codes: tuple[str, ...]) -> st.SearchStrategy[tuple[str, ...]]:
    return st.lists(st.sampled_from(codes), max_size=3, unique=True).map(tuple)


queries = st.builds(
    Query,
    category=subset(CATEGORY.codes),
    target_groups=subset(TARGET_GROUPS.codes),
    levers=subset(LEVERS.codes),
    setting=subset(SETTING.codes),
    actors=subset(ACTORS.codes),
    status=subset(STATUS.codes),
    outcome=subset(OUTCOME.codes),
    effect=subset(EFFECT.codes),
    grader=subset(GRADER.codes),
    unit_cost=st.booleans(),
    max_cost=st.none() | st.integers(1, 5),
    min_evidence=st.none() | st.sampled_from(GRADED),
    text=st.none() | st.sampled_from(["sjuksköterska", "AT", "landsbygd", "miljard", "xyz"]),
)


@settings(max_examples=300, deadline=None)
@given(query=queries)
@example(query=Query(target_groups=("barnmorska",)))  # "alla" records match every target group
@example(query=Query(max_cost=3))  # unknown costs drop out
@example(query=Query(category=("retain",), setting=("gles_och_landsbygd",)))
@example(query=Query(outcome=("kvarstannande",), effect=("positiv",)))  # one entry must hold both
@example(query=Query(grader=("kalla",), min_evidence="lag"))
@example(query=Query(unit_cost=True))
def test_filter_matches_the_reference(query: Query) -> None:
    result = CATALOGUE.filter(query)
    assert {i.id for i in result.interventions} == reference(query)
    for facet, counts in result.facets.items():  # counts over the filtered set
        assert sum(counts.values()) >= (len(result.interventions) if facet in ("status", "evidence", "cost") else 0)
    assert sum(result.facets["status"].values()) == len(result.interventions)


def test_facet_counts_and_sorting() -> None:
    result = CATALOGUE.filter(Query(setting=("gles_och_landsbygd",)), sort="cost")
    ids = [i.id for i in result.interventions]
    assert "samordnad-nara-vard-glesbygd" in ids and "vidareutbildning-specialistsjukskoterskor" not in ids
    assert result.facets["setting"]["gles_och_landsbygd"] == len(ids)
    assert result.facets["category"]["recruit"] == sum("recruit" in i.category for i in result.interventions)
    levels = [i.cost.sort_key for i in result.interventions]
    assert levels == sorted(levels)
    by_name = [i.name.casefold() for i in CATALOGUE.filter(sort="name").interventions]
    assert by_name == sorted(by_name)


def test_evidence_sort_is_strongest_first_then_cheapest() -> None:
    ranked = CATALOGUE.filter(sort="evidence").interventions
    keys = [(-RANK[i.evidence.certainty], COST_ORDER[i.cost.level]) for i in ranked]
    assert keys == sorted(keys)
    assert ranked[0].evidence.certainty == "hog"


def test_outcome_and_effect_hold_on_the_same_entry() -> None:
    positive_retention = CATALOGUE.filter(Query(outcome=("kvarstannande",), effect=("positiv",))).interventions
    assert positive_retention
    for intervention in positive_retention:
        assert any(o.outcome == "kvarstannande" and o.effect == "positiv" for o in intervention.outcomes)
    either = CATALOGUE.filter(Query(outcome=("kvarstannande",))).interventions
    assert len(either) > len(positive_retention)


@pytest.mark.parametrize(
    ("query", "message"),
    [
        (Query(target_groups=("sjukskoterskor",)), "unknown target_groups 'sjukskoterskor'; allowed: lakare"),
        (Query(max_cost=9), "max_cost must be 1-5"),
        (Query(min_evidence="stark"), "unknown min_evidence 'stark'"),
    ],
)
def test_bad_filters_are_refused_with_the_allowed_values(query: Query, message: str) -> None:
    with pytest.raises(FilterError, match=message):
        CATALOGUE.filter(query)
    with pytest.raises(FilterError, match="unknown sort"):
        CATALOGUE.filter(sort="price")  # type: ignore[arg-type]


def test_citing_finds_the_interventions_that_quote_a_document(tmp_path: Path) -> None:
    citing = {i.id for i in CATALOGUE.citing("002_77bf05357181f093")}
    assert {"vidareutbildning-specialistsjukskoterskor", "nationell-plan-kompetensforsorjning"} <= citing
    assert CATALOGUE.citing("no-such-doc") == []
