"""Interventions side by side, field by field, with the fields where they differ marked."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from catalogue.schema import Intervention, Outcome
from catalogue.vocabularies import VOCABULARIES
from kb.errors import UsageError

MIN_COMPARE, MAX_COMPARE = 2, 4


class CompareError(UsageError, ValueError):
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
    ("outcomes", "Utfall"),
    ("evidence", "Evidensens tillförlitlighet"),
    ("evidence_rationale", "Evidensens grund"),
    ("cost", "Kostnad"),
    ("cost_amount", "Belopp"),
    ("unit_cost", "Kostnad per enhet"),
    ("cost_effectiveness", "Kostnadseffektivitet"),
    ("time_to_effect", "Tid till effekt"),
    ("status", "Status"),
    ("implementation", "Genomförande"),
    ("applicability", "Tillämpbarhet i Sverige"),
    ("reviewed", "Granskad"),
    ("sources", "Källor"),
)
VKB_MARK = " (vkb:s bedömning)"


def _labels(field: str, codes: Sequence[str], language: str) -> str:
    """Codes as labels in the vocabulary's own order, so equal sets read alike whatever the file's order."""
    vocabulary = VOCABULARIES[field]
    ordered = sorted(codes, key=lambda c: vocabulary.codes.index(c) if c in vocabulary.codes else len(vocabulary.codes))
    return ", ".join(vocabulary.label(code, language) for code in ordered)


def describe_outcome(outcome: Outcome, language: str = "sv") -> str:
    """'Kvarstannande: positiv (systematisk översikt, 7 studier, låg)'."""
    details = [VOCABULARIES["design"].label(outcome.design, language)]
    if outcome.studies:
        details.append(f"{outcome.studies} studier" if language == "sv" else f"{outcome.studies} studies")
    if outcome.certainty:
        details.append(VOCABULARIES["evidence"].label(outcome.certainty, language))
    what = VOCABULARIES["outcome"].label(outcome.outcome, language)
    return f"{what}: {VOCABULARIES['effect'].label(outcome.effect, language).lower()} ({', '.join(details)})"


def describe(intervention: Intervention, field: str, language: str = "sv") -> str:
    """One field of an intervention as readable text, vocabulary codes shown as labels."""
    if field in ("category", "target_groups", "levers", "setting"):
        return _labels(field, getattr(intervention, field), language)
    if field == "actors":
        actors = intervention.actors
        return _labels("actors", actors.values, language) + (VKB_MARK if actors.judged_by_vkb else "")
    if field == "outcomes":
        return "; ".join(describe_outcome(o, language) for o in intervention.outcomes) or "–"
    if field == "evidence":
        evidence = intervention.evidence
        text = VOCABULARIES["evidence"].label(evidence.certainty, language)
        if evidence.grader:
            text += f" (graderad av {VOCABULARIES['grader'].label(evidence.grader, language).lower()})"
        if evidence.strength:
            text += f", rekommendation: {VOCABULARIES['strength'].label(evidence.strength, language).lower()}"
        return text
    if field == "evidence_rationale":
        return intervention.evidence.rationale or "–"
    if field == "cost":
        return VOCABULARIES["cost"].label(str(intervention.cost.level), language)
    if field == "cost_amount":
        cost = intervention.cost
        if cost.amount_sek is None:
            return "–"
        return " ".join(filter(None, [f"{cost.amount_sek:,} kr".replace(",", " "), cost.period]))
    if field == "unit_cost":
        return intervention.cost.unit_cost.label() if intervention.cost.unit_cost else "–"
    if field == "cost_effectiveness":
        return intervention.cost.cost_effectiveness.text if intervention.cost.cost_effectiveness else "–"
    if field == "time_to_effect":
        judged = intervention.time_to_effect
        return VOCABULARIES[field].label(judged.value, language) + (VKB_MARK if judged.judged_by_vkb else "")
    if field == "status":
        return VOCABULARIES[field].label(intervention.status, language)
    if field == "implementation":
        return " ".join(item.text for item in intervention.implementation) or "–"
    if field == "applicability":
        return intervention.applicability.text + VKB_MARK if intervention.applicability else "–"
    if field == "reviewed":
        reviewed = intervention.reviewed
        return f"{reviewed.date.isoformat()} ({reviewed.by})" if reviewed else "–"
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
