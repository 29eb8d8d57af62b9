"""Interventions side by side, field by field, with the fields where they differ marked."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from catalogue.schema import Intervention
from catalogue.vocabularies import VOCABULARIES

MIN_COMPARE, MAX_COMPARE = 2, 4


class CompareError(ValueError):
    pass


@dataclass(frozen=True)
class ComparisonRow:
    field: str
    label: str
    values: tuple[str, ...]

    @property
    def differs(self) -> bool:
        return len(set(self.values)) > 1


@dataclass(frozen=True)
class Comparison:
    ids: tuple[str, ...]
    names: tuple[str, ...]
    rows: tuple[ComparisonRow, ...]


FIELD_LABELS = (  # the fields shown for an intervention, in order, with Swedish labels
    ("summary", "Sammanfattning"),
    ("category", "Kategori"),
    ("target_groups", "Målgrupp"),
    ("levers", "Hävstång"),
    ("setting", "Geografi"),
    ("actors", "Aktör"),
    ("evidence", "Evidens"),
    ("evidence_rationale", "Evidensens grund"),
    ("cost", "Kostnad"),
    ("cost_amount", "Belopp"),
    ("time_to_effect", "Tid till effekt"),
    ("status", "Status"),
    ("sources", "Källor"),
)


def describe(intervention: Intervention, field: str, language: str = "sv") -> str:
    """One field of an intervention as readable text, vocabulary codes shown as labels."""
    if field in ("category", "target_groups", "levers", "setting", "actors"):
        vocabulary = VOCABULARIES[field]
        return ", ".join(vocabulary.label(code, language) for code in getattr(intervention, field))
    if field == "evidence":
        return VOCABULARIES["evidence"].label(intervention.evidence.level, language)
    if field == "evidence_rationale":
        return intervention.evidence.rationale or "–"
    if field == "cost":
        return VOCABULARIES["cost"].label(str(intervention.cost.level), language)
    if field == "cost_amount":
        cost = intervention.cost
        if cost.amount_sek is None:
            return "–"
        return " ".join(filter(None, [f"{cost.amount_sek:,} kr".replace(",", " "), cost.period]))
    if field in ("time_to_effect", "status"):
        return VOCABULARIES[field].label(getattr(intervention, field), language)
    if field == "sources":
        return str(len(intervention.sources))
    return str(getattr(intervention, field) or "–")


def compare(interventions: Sequence[Intervention], language: str = "sv") -> Comparison:
    if not MIN_COMPARE <= len(interventions) <= MAX_COMPARE:
        raise CompareError(f"compare {MIN_COMPARE}–{MAX_COMPARE} interventions, not {len(interventions)}")
    ids = [i.id for i in interventions]
    if len(set(ids)) != len(ids):
        raise CompareError("the same intervention is listed twice")
    rows = tuple(
        ComparisonRow(field, label, tuple(describe(i, field, language) for i in interventions))
        for field, label in FIELD_LABELS
    )
    return Comparison(tuple(ids), tuple(i.name for i in interventions), rows)
