"""The intervention (or lever) x outcome evidence map, after Campbell/3ie evidence-and-gap maps.

One cell per row and outcome: the outcome entries of the records in that row, the number of
studies they rest on (as the sources state it), their effects, and the highest certainty among
them. A cell with no entry, or whose entries report no studies at all (a review that found none),
is an absolute gap: nobody has studied it. A gap is not evidence of no effect.
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from catalogue.schema import Intervention, KbSource, Outcome
from catalogue.vocabularies import EVIDENCE, EVIDENCE_RANK, LEVERS, OUTCOME

MapRows = Literal["intervention", "lever"]
MAP_ROWS: tuple[MapRows, ...] = ("intervention", "lever")


@dataclass(frozen=True)
class MapEntry:
    intervention: str
    outcome: Outcome
    certainty: str  # the outcome's own certainty, else the record's
    publications: frozenset[str]  # DOI, URL or document id of each source: the same review cited twice counts once

    @property
    def studies(self) -> int | None:
        return self.outcome.studies


@dataclass(frozen=True)
class MapCell:
    row: str
    outcome: str
    entries: tuple[MapEntry, ...]

    @property
    def studies(self) -> int:
        """Studies the sources count for this cell: per publication once (two records citing one review
        share its studies); entries that give no number add none."""
        per_publication: dict[frozenset[str], int] = {}
        for entry in self.entries:
            per_publication[entry.publications] = max(per_publication.get(entry.publications, 0), entry.studies or 0)
        return sum(per_publication.values())

    @property
    def interventions(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(e.intervention for e in self.entries))

    @property
    def certainty(self) -> str | None:
        """The highest certainty among the entries; None for an empty cell."""
        return max((e.certainty for e in self.entries), key=EVIDENCE_RANK.__getitem__, default=None)

    @property
    def effects(self) -> dict[str, int]:
        return dict(Counter(e.outcome.effect for e in self.entries))

    @property
    def absolute_gap(self) -> bool:
        """No entry, or only entries whose sources found no studies (studies: 0)."""
        return not self.entries or all(e.studies == 0 for e in self.entries)


@dataclass(frozen=True)
class EvidenceMap:
    rows: tuple[str, ...]
    row_labels: dict[str, str]
    outcomes: tuple[str, ...]
    cells: dict[tuple[str, str], MapCell]

    def cell(self, row: str, outcome: str) -> MapCell:
        return self.cells[(row, outcome)]

    def gaps(self) -> list[tuple[str, str]]:
        return [key for key, cell in self.cells.items() if cell.absolute_gap]

    def table(self, language: str = "sv") -> list[dict[str, object]]:
        """One row per cell: what the CSV download and the chart show."""
        out = []
        for (row, outcome), cell in self.cells.items():
            out.append({
                "rad": row,
                "rad_namn": self.row_labels[row],
                "utfall": outcome,
                "utfall_namn": OUTCOME.label(outcome, language),
                "poster": len(cell.interventions),
                "studier": cell.studies,
                "tillforlitlighet": cell.certainty or "",
                "tillforlitlighet_namn": EVIDENCE.label(cell.certainty, language) if cell.certainty else "",
                "effekter": "; ".join(f"{effect} {n}" for effect, n in sorted(cell.effects.items())),
                "lucka": cell.absolute_gap,
                "insatser": " ".join(cell.interventions),
            })  # fmt: skip
        return out

    def to_csv(self, language: str = "sv") -> str:
        rows = self.table(language)
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=list(rows[0]) if rows else ["rad"])
        writer.writeheader()
        writer.writerows(rows)
        return buffer.getvalue()


def evidence_map(interventions: Sequence[Intervention], rows: MapRows = "lever", language: str = "sv") -> EvidenceMap:
    if rows not in MAP_ROWS:
        raise ValueError(f"rows must be one of {', '.join(MAP_ROWS)}, not {rows!r}")
    if rows == "intervention":
        row_codes = tuple(i.id for i in interventions)
        labels = {i.id: i.name for i in interventions}
        members = {i.id: [i] for i in interventions}
    else:
        row_codes = LEVERS.codes
        labels = {code: LEVERS.label(code, language) for code in row_codes}
        members = {code: [i for i in interventions if code in i.levers] for code in row_codes}
    cells: dict[tuple[str, str], MapCell] = {}
    for row in row_codes:
        for outcome in OUTCOME.codes:
            entries = tuple(
                MapEntry(i.id, o, o.certainty or i.evidence.certainty, _publications(i, o))
                for i in members[row]
                for o in i.outcomes
                if o.outcome == outcome
            )
            cells[(row, outcome)] = MapCell(row, outcome, entries)
    return EvidenceMap(row_codes, labels, OUTCOME.codes, cells)


def _publications(intervention: Intervention, outcome: Outcome) -> frozenset[str]:
    keys: set[str] = set()
    for source_id in outcome.sources:
        source = intervention.source(source_id)
        if isinstance(source, KbSource):
            keys.add(source.doc_id)
        else:
            keys.add(source.doi or source.url)
    return frozenset(keys)
