"""Export interventions: CSV and XLSX (one row each) and Markdown (with a numbered reference list)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from pathlib import Path

from catalogue.comparison import FIELD_LABELS, describe
from catalogue.references import source_reference
from catalogue.schema import Intervention, KbSource
from catalogue.vocabularies import EVIDENCE_GUARD
from catalogue.xml_text import as_text, sheet_row
from kb import DocumentLookup

FORMATS = ("csv", "xlsx", "md")
COLUMNS = (("id", "id"), ("name", "Namn"), *[(f, label) for f, label in FIELD_LABELS if f != "sources"])


def rows(interventions: Sequence[Intervention], kb: DocumentLookup | None = None) -> list[list[str]]:
    table = [[label for _, label in COLUMNS] + ["Källor"]]
    for intervention in interventions:
        cells = [intervention.id if f == "id" else describe(intervention, f) for f, _ in COLUMNS]
        cells.append(" | ".join(source_reference(s, kb) for s in intervention.sources))
        table.append(cells)
    return table


def to_csv(interventions: Sequence[Intervention], kb: DocumentLookup | None = None) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows(interventions, kb))  # plain table; Markdown and XLSX carry the guard text
    return buffer.getvalue()


def to_xlsx(interventions: Sequence[Intervention], path: Path, kb: DocumentLookup | None = None) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Insatser"
    for row in rows(interventions, kb):
        sheet.append(sheet_row(row))
        as_text(sheet[sheet.max_row])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for column in sheet.columns:
        letter = column[0].column_letter
        sheet.column_dimensions[letter].width = min(60, max(10, *(len(str(c.value or "")) for c in column[:50])))
        for cell in column[1:]:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    sheet.freeze_panes = "B2"
    notes = workbook.create_sheet("Läs först")
    notes.append([EVIDENCE_GUARD])
    notes.append(["Graderad av vkb: enligt bedömningsmallen i README. (vkb:s bedömning) markerar vkb:s egna."])
    notes.column_dimensions["A"].width = 120
    workbook.save(path)


def to_markdown(
    interventions: Sequence[Intervention], kb: DocumentLookup | None = None, title: str = "Insatser"
) -> str:
    """Each intervention with its fields and numbered references [n] into one reference list."""
    numbers: dict[str, int] = {}
    references: list[str] = []
    out = [f"# {title}", "", f"*{EVIDENCE_GUARD}*", ""]
    for intervention in interventions:
        marks = []
        for source in intervention.sources:
            text = source_reference(source, kb)
            if text not in numbers:
                numbers[text] = len(references) + 1
                references.append(text)
            marks.append(numbers[text])
        cite = "".join(f"[{n}]" for n in marks)
        out += [f"## {intervention.name}", "", f"{intervention.summary} {cite}", ""]
        for field, label in COLUMNS[3:]:
            out.append(f"- **{label}:** {describe(intervention, field)}")
        quotes = [s for s in intervention.sources if isinstance(s, KbSource)]
        for source in quotes:
            out += ["", f"> {source.quote} [{numbers[source_reference(source, kb)]}]"]
        out.append("")
    out += ["## Referenser", ""]
    out += [f"{n}. {text}" for n, text in enumerate(references, start=1)]
    return "\n".join(out) + "\n"


def export(interventions: Sequence[Intervention], fmt: str, path: Path, kb: DocumentLookup | None = None) -> None:
    if fmt == "csv":
        path.write_text(to_csv(interventions, kb), encoding="utf-8")
    elif fmt == "xlsx":
        to_xlsx(interventions, path, kb)
    elif fmt == "md":
        path.write_text(to_markdown(interventions, kb), encoding="utf-8")
    else:
        raise ValueError(f"unknown export format {fmt!r}; choose one of {', '.join(FORMATS)}")
