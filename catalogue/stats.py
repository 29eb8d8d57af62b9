"""Counts over the catalogue: records, per category, certainty, grader and outcome, and how many carry a unit cost."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from catalogue.schema import Intervention
from catalogue.vocabularies import CATEGORY, EVIDENCE, GRADED, GRADER, OUTCOME


@dataclass(frozen=True)
class CatalogueStats:
    records: int
    per_category: dict[str, int] = field(default_factory=dict)
    per_certainty: dict[str, int] = field(default_factory=dict)
    per_grader: dict[str, int] = field(default_factory=dict)
    per_outcome: dict[str, int] = field(default_factory=dict)  # records with at least one outcome of that kind
    graded: int = 0  # certainty hog..mycket_lag, from research or evaluations
    with_outcomes: int = 0
    with_unit_cost: int = 0
    with_cost_level: int = 0
    external_sources: int = 0
    kb_sources: int = 0

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def _counts(codes: Sequence[str], values: Counter[str]) -> dict[str, int]:
    return {code: values.get(code, 0) for code in codes}


def catalogue_stats(interventions: Sequence[Intervention]) -> CatalogueStats:
    categories = Counter(c for i in interventions for c in i.category)
    certainty = Counter(i.evidence.certainty for i in interventions)
    graders = Counter(i.evidence.grader for i in interventions if i.evidence.grader)
    outcomes = Counter(o for i in interventions for o in {x.outcome for x in i.outcomes})
    kb = sum(len(i.kb_sources()) for i in interventions)
    return CatalogueStats(
        records=len(interventions),
        per_category=_counts(CATEGORY.codes, categories),
        per_certainty=_counts(EVIDENCE.codes, certainty),
        per_grader=_counts(GRADER.codes, graders),
        per_outcome=_counts(OUTCOME.codes, outcomes),
        graded=sum(certainty[c] for c in GRADED),
        with_outcomes=sum(1 for i in interventions if i.outcomes),
        with_unit_cost=sum(1 for i in interventions if i.cost.unit_cost),
        with_cost_level=sum(1 for i in interventions if i.cost.level != "unknown"),
        external_sources=sum(len(i.sources) for i in interventions) - kb,
        kb_sources=kb,
    )
