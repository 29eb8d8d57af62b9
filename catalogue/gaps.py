"""The evidence-and-gap map: per cell (category or lever x target group) the number of interventions
and the best evidence level among them. Empty cells are the gaps."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal, TypeGuard

from catalogue.schema import Intervention
from catalogue.vocabularies import CATEGORY, EVIDENCE_RANK, LEVERS, TARGET_GROUPS, Vocabulary

Rows = Literal["category", "lever"]
_ROWS: dict[str, tuple[Vocabulary, str]] = {"category": (CATEGORY, "category"), "lever": (LEVERS, "levers")}


def is_rows(value: str) -> TypeGuard[Rows]:
    """Whether a CLI option's or a widget's text names a row kind of the gap map."""
    return value in _ROWS


@dataclass(frozen=True)
class Cell:
    ids: tuple[str, ...]
    best_evidence: str | None  # None when the cell is empty

    @property
    def count(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class GapMap:
    rows: tuple[str, ...]
    cols: tuple[str, ...]
    row_vocabulary: Vocabulary
    col_vocabulary: Vocabulary
    cells: dict[tuple[str, str], Cell]

    def cell(self, row: str, col: str) -> Cell:
        return self.cells[(row, col)]

    def gaps(self) -> list[tuple[str, str]]:
        return [key for key, cell in self.cells.items() if cell.count == 0]


def gap_map(interventions: Sequence[Intervention], rows: Rows = "category", cols: str = "target_group") -> GapMap:
    if rows not in _ROWS:
        raise ValueError(f"rows must be one of {', '.join(_ROWS)}, not {rows!r}")
    if cols != "target_group":
        raise ValueError(f"cols must be target_group, not {cols!r}")
    row_vocabulary, row_field = _ROWS[rows]
    cells: dict[tuple[str, str], Cell] = {}
    for row in row_vocabulary.codes:
        for col in TARGET_GROUPS.codes:
            members = [i for i in interventions if row in getattr(i, row_field) and col in i.target_groups]
            best = max((i.evidence.certainty for i in members), key=EVIDENCE_RANK.__getitem__, default=None)
            cells[(row, col)] = Cell(tuple(sorted(i.id for i in members)), best)
    return GapMap(row_vocabulary.codes, TARGET_GROUPS.codes, row_vocabulary, TARGET_GROUPS, cells)
