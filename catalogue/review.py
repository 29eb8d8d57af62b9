"""The review sheet: every claim of every record beside the source and quote it rests on, for a human to tick.

A claim is a graded certainty, an outcome's effect, a cost level or amount, a unit cost, a
cost-effectiveness note, an implementation note, or sourced actors or time to effect. Each claim
gets one row per source it names, so a reviewer checks one quote against one claim at a time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import astuple, dataclass, fields
from pathlib import Path

from catalogue.comparison import describe, describe_outcome
from catalogue.references import source_reference
from catalogue.schema import Intervention
from catalogue.xml_text import as_text, sheet_row
from kb import DocumentLookup

REVIEW_FORMATS = ("md", "xlsx")


@dataclass(frozen=True)
class ReviewRow:
    intervention: str
    claim: str
    statement: str
    source: str
    reference: str
    quote: str
    checked: str = ""  # for the human reviewer: ja / nej
    comment: str = ""


HEADERS = ("Insats", "Påstående", "Innehåll", "Källa", "Referens", "Citat", "Kontrollerad (ja/nej)", "Kommentar")


def _claims(intervention: Intervention) -> list[tuple[str, str, list[str]]]:
    """(claim, statement, source ids) for every sourced claim of one record."""
    claims: list[tuple[str, str, list[str]]] = []
    evidence = intervention.evidence
    if evidence.sources:
        statement = describe(intervention, "evidence") + (f". {evidence.rationale}" if evidence.rationale else "")
        claims.append(("Evidensens tillförlitlighet", statement, evidence.sources))
    for outcome in intervention.outcomes:
        claims.append(
            ("Utfall", describe_outcome(outcome) + (f". {outcome.note}" if outcome.note else ""), outcome.sources)
        )
    cost = intervention.cost
    if cost.sources:
        claims.append(
            ("Kostnad", f"{describe(intervention, 'cost')}; {describe(intervention, 'cost_amount')}", cost.sources)
        )
    if cost.unit_cost:
        claims.append(("Kostnad per enhet", cost.unit_cost.label(), cost.unit_cost.sources))
    if cost.cost_effectiveness:
        claims.append(("Kostnadseffektivitet", cost.cost_effectiveness.text, cost.cost_effectiveness.sources))
    for item in intervention.implementation:
        claims.append(("Genomförande", item.text, item.sources))
    if intervention.actors.sources:
        claims.append(("Aktör", describe(intervention, "actors"), intervention.actors.sources))
    if intervention.time_to_effect.sources:
        claims.append(
            ("Tid till effekt", describe(intervention, "time_to_effect"), intervention.time_to_effect.sources)
        )
    return claims


def review_rows(interventions: Sequence[Intervention], kb: DocumentLookup | None = None) -> list[ReviewRow]:
    rows = []
    for intervention in interventions:
        for claim, statement, source_ids in _claims(intervention):
            for source_id in source_ids:
                source = intervention.source(source_id)
                quote = getattr(source, "quote", None) or "(inget citat)"
                reference = source_reference(source, kb)
                rows.append(ReviewRow(intervention.id, claim, statement, source_id, reference, quote))
    return rows


def to_markdown(rows: Sequence[ReviewRow], title: str = "Granskningsunderlag") -> str:
    out = [f"# {title}", "", f"{len(rows)} påståenden med källa och citat. Kryssa i när citatet bär påståendet.", ""]
    current = None
    for row in rows:
        if row.intervention != current:
            current = row.intervention
            out += [f"## {current}", ""]
        out += [
            f"- [ ] **{row.claim}:** {row.statement}",
            f"  - Källa `{row.source}`: {row.reference}",
            f"  - > {row.quote}",
            "",
        ]
    return "\n".join(out)


def to_xlsx(rows: Sequence[ReviewRow], path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Granskning"
    sheet.append(list(HEADERS))
    for row in rows:
        sheet.append(sheet_row(astuple(row)))
        as_text(sheet[sheet.max_row])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    widths = {"intervention": 30, "claim": 18, "statement": 50, "source": 16, "reference": 50, "quote": 70}
    for index, field in enumerate(fields(ReviewRow)):
        letter = sheet.cell(row=1, column=index + 1).column_letter
        sheet.column_dimensions[letter].width = widths.get(field.name, 16)
    for line in sheet.iter_rows(min_row=2):
        for cell in line:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = sheet.dimensions
    workbook.save(path)


def write_review(rows: Sequence[ReviewRow], fmt: str, path: Path) -> None:
    if fmt == "md":
        path.write_text(to_markdown(rows), encoding="utf-8")
    elif fmt == "xlsx":
        to_xlsx(rows, path)
    else:
        raise ValueError(f"unknown review format {fmt!r}; choose one of {', '.join(REVIEW_FORMATS)}")
