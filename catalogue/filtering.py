"""Filters, facet counts and sorting, from one declarative registry the CLI and the app both use.

Semantics: within a facet the chosen terms are alternatives (any of them), across facets all must
hold. A record for all staff groups (`alla`) matches any target-group filter. `outcome` and `effect`
hold together on one outcome entry ("a positive effect on retention"). `max_cost` keeps records
whose cost level is known and at most that; `min_evidence` keeps records graded at least that (so
`otillracklig` and `ej_bedomd` drop out); `unit_cost` keeps records with a sourced unit cost. `text`
matches id, name, summary and description, case-insensitively. Facet counts are over the filtered
set: how many of the shown records carry each term.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

from catalogue.schema import Intervention
from catalogue.vocabularies import (
    ACTORS,
    CATEGORY,
    COST,
    EFFECT,
    EVIDENCE,
    EVIDENCE_RANK,
    GRADED,
    GRADER,
    LEVERS,
    OUTCOME,
    SETTING,
    STATUS,
    TARGET_GROUPS,
    Vocabulary,
)
from kb.errors import UsageError

SortKey = Literal["name", "cost", "evidence"]
SORT_KEYS: tuple[SortKey, ...] = ("name", "cost", "evidence")


class FilterError(UsageError, ValueError):
    """A filter value that no record can have."""


@dataclass(frozen=True)
class Facet:
    name: str  # the Query field
    vocabulary: Vocabulary
    values: Callable[[Intervention], tuple[str, ...]]
    flag: str | None = None  # the repeatable CLI option that filters on it (None: counted, not filtered on)


FACETS: tuple[Facet, ...] = (
    Facet("category", CATEGORY, lambda i: tuple(i.category), "--category"),
    Facet("target_groups", TARGET_GROUPS, lambda i: tuple(i.target_groups), "--target-group"),
    Facet("levers", LEVERS, lambda i: tuple(i.levers), "--lever"),
    Facet("setting", SETTING, lambda i: tuple(i.setting), "--setting"),
    Facet("actors", ACTORS, lambda i: tuple(i.actors.values), "--actor"),
    Facet("status", STATUS, lambda i: (i.status,), "--status"),
    Facet("outcome", OUTCOME, lambda i: tuple(dict.fromkeys(o.outcome for o in i.outcomes)), "--outcome"),
    Facet("effect", EFFECT, lambda i: tuple(dict.fromkeys(o.effect for o in i.outcomes)), "--effect"),
    Facet("grader", GRADER, lambda i: (i.evidence.grader,) if i.evidence.grader else (), "--grader"),
    Facet("evidence", EVIDENCE, lambda i: (i.evidence.certainty,)),
    Facet("cost", COST, lambda i: (str(i.cost.level),)),
)
FACET_BY_NAME = {f.name: f for f in FACETS}
# Facets a query can hold several terms of; `outcome` and `effect` are matched as a pair (see matches).
MULTI_FACETS = tuple(f.name for f in FACETS if f.flag)
PAIRED = ("outcome", "effect")


@dataclass(frozen=True)
class Query:
    category: tuple[str, ...] = ()
    target_groups: tuple[str, ...] = ()
    levers: tuple[str, ...] = ()
    setting: tuple[str, ...] = ()
    actors: tuple[str, ...] = ()
    status: tuple[str, ...] = ()
    outcome: tuple[str, ...] = ()
    effect: tuple[str, ...] = ()
    grader: tuple[str, ...] = ()
    max_cost: int | None = None
    min_evidence: str | None = None
    unit_cost: bool = False
    text: str | None = None

    def validate(self) -> None:
        for name in MULTI_FACETS:
            vocabulary = FACET_BY_NAME[name].vocabulary
            for value in getattr(self, name):
                if value not in vocabulary.codes:
                    raise FilterError(f"unknown {name} {value!r}; allowed: {', '.join(vocabulary.codes)}")
        if self.max_cost is not None and self.max_cost not in (1, 2, 3, 4, 5):
            raise FilterError(f"max_cost must be 1-5, got {self.max_cost!r}")
        if self.min_evidence is not None and self.min_evidence not in GRADED:
            raise FilterError(f"unknown min_evidence {self.min_evidence!r}; allowed: {', '.join(GRADED)}")


@dataclass
class FilterResult:
    interventions: list[Intervention]
    facets: dict[str, dict[str, int]] = field(default_factory=dict)  # facet -> term -> count (every term)


def matches(intervention: Intervention, query: Query) -> bool:
    for name in MULTI_FACETS:
        wanted = getattr(query, name)
        if not wanted or name in PAIRED:
            continue
        have = set(FACET_BY_NAME[name].values(intervention))
        if name == "target_groups" and "alla" in have:
            continue
        if not have.intersection(wanted):
            return False
    if (query.outcome or query.effect) and not any(
        (not query.outcome or o.outcome in query.outcome) and (not query.effect or o.effect in query.effect)
        for o in intervention.outcomes
    ):
        return False
    if query.unit_cost and intervention.cost.unit_cost is None:
        return False
    if query.max_cost is not None:
        level = intervention.cost.level
        if not isinstance(level, int) or level > query.max_cost:
            return False
    if query.min_evidence is not None and intervention.evidence.rank < EVIDENCE_RANK[query.min_evidence]:
        return False
    if query.text:
        needle = query.text.casefold()
        haystack = " ".join([intervention.id, intervention.name, intervention.summary, intervention.description or ""])
        if needle not in haystack.casefold():
            return False
    return True


def facet_counts(interventions: Sequence[Intervention]) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for facet in FACETS:
        per_term = dict.fromkeys(facet.vocabulary.codes, 0)
        for intervention in interventions:
            for value in facet.values(intervention):
                per_term[value] = per_term.get(value, 0) + 1
        counts[facet.name] = per_term
    return counts


def filter_interventions(
    interventions: Sequence[Intervention], query: Query | None = None, sort: SortKey = "name"
) -> FilterResult:
    query = query or Query()
    query.validate()
    kept = [i for i in interventions if matches(i, query)]
    return FilterResult(sort_interventions(kept, sort), facet_counts(kept))


def sort_key(value: str) -> SortKey:
    """A CLI option's or a widget's text as a sort key; FilterError naming the keys when it is none."""
    for key in SORT_KEYS:
        if key == value:
            return key
    raise FilterError(f"unknown sort {value!r}; choose one of {', '.join(SORT_KEYS)}")


def sort_interventions(interventions: Sequence[Intervention], key: SortKey = "name") -> list[Intervention]:
    """name: A-Ö; cost: cheapest first, unknown last; evidence: strongest first (ungraded last), then cheapest."""
    key = sort_key(key)  # callers outside Python's types (a session value) may pass any text
    by_name = sorted(interventions, key=lambda i: (i.name.casefold(), i.id))
    if key == "cost":
        return sorted(by_name, key=lambda i: i.cost.sort_key)
    if key == "evidence":
        return sorted(by_name, key=lambda i: (-i.evidence.rank, i.cost.sort_key))
    return by_name
