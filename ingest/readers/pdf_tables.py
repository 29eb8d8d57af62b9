"""Ruled tables in a PDF page's text: one row per line, cells separated by " | ", in their place.

PDFium's text layer gives a table row as one line with its cells joined by spaces, so "26 987"
(one cell) cannot be told from two cells. The table's rules are PDFium's path objects (lines and
rectangles, from their bounds); pdfplumber's table algorithm (`merge_edges`, `edges_to_intersections`,
`intersections_to_cells`, `cells_to_tables`) turns them into cells, and each cell's text is read by
PDFium within the cell's box. The table's characters in the page text are then replaced by its rows.

Calling `pdfplumber`'s page-level `find_tables` instead parsed every character of the page with
pdfminer: 0.55 s for each page with a table on the 500-page benchmark volume; from PDFium's paths
it is a few milliseconds.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from ingest.cleanup import join_hyphenation

CELL_SEPARATOR = " | "
THIN = 2.0  # points: a path this thin is a rule
TOLERANCE = 3.0  # points: rules this close snap together


@dataclass(frozen=True)
class PageTable:
    """A table's box in PDF coordinates (origin bottom left) and its rows of cell texts."""

    left: float
    bottom: float
    right: float
    top: float
    rows: tuple[tuple[str, ...], ...]

    def lines(self) -> str:
        return "\n".join(CELL_SEPARATOR.join(row) for row in self.rows)

    def holds(self, box: tuple[float, float, float, float]) -> bool:
        left, bottom, right, top = box
        x, y = (left + right) / 2, (bottom + top) / 2
        return self.left <= x <= self.right and self.bottom <= y <= self.top


def _edge(orientation: str, x0: float, x1: float, top: float, bottom: float) -> dict[str, Any]:
    return {
        "x0": x0,
        "x1": x1,
        "top": top,
        "bottom": bottom,
        "width": x1 - x0,
        "height": bottom - top,
        "orientation": orientation,
    }


def _edges(page: pdfium.PdfPage, height: float) -> list[dict[str, Any]]:
    """Horizontal and vertical rules of the page (pdfplumber's edge dicts, origin top left)."""
    edges: list[dict[str, Any]] = []
    for item in page.get_objects(max_depth=2):
        if item.type != pdfium_c.FPDF_PAGEOBJ_PATH:
            continue
        left, bottom, right, top = item.get_bounds()
        width, tall = right - left, top - bottom
        y_top, y_bottom = height - top, height - bottom
        horizontal = [(y_top + y_bottom) / 2] if tall <= THIN and width > THIN else []
        vertical = [(left + right) / 2] if width <= THIN and tall > THIN else []
        if width > THIN and tall > THIN:  # a rectangle: its four sides
            horizontal, vertical = [y_top, y_bottom], [left, right]
        for y in horizontal:
            edges.append(_edge("h", left, right, y, y))
        for x in vertical:
            edges.append(_edge("v", x, x, y_top, y_bottom))
    return edges


def find_tables(page: pdfium.PdfPage, textpage: pdfium.PdfTextPage) -> list[PageTable]:
    """The ruled tables of the page (at least two rows and two columns) with their cells' text."""
    _, height = page.get_size()
    edges = _edges(page, height)
    if sum(e["orientation"] == "h" for e in edges) < 3 or sum(e["orientation"] == "v" for e in edges) < 3:
        return []
    from pdfplumber.table import cells_to_tables, edges_to_intersections, intersections_to_cells, merge_edges

    merged = merge_edges(edges, TOLERANCE, TOLERANCE, TOLERANCE, TOLERANCE)
    cells = intersections_to_cells(edges_to_intersections(merged, TOLERANCE, TOLERANCE))
    found = []
    for table in cells_to_tables(cells):
        by_row: dict[float, list[tuple[float, float, float, float]]] = {}
        for cell in table:
            by_row.setdefault(round(cell[1], 1), []).append(cell)
        rows = []
        for top in sorted(by_row):
            texts = []
            for x0, y0, x1, y1 in sorted(by_row[top]):
                raw = textpage.get_text_bounded(left=x0, bottom=height - y1, right=x1, top=height - y0)
                raw = raw.replace("\r\n", "\n").replace("\ufffe", "-\n").replace("\x02", "-\n")
                texts.append(" ".join(join_hyphenation(raw).split()))
            if any(texts):
                rows.append(tuple(texts))
        if len(rows) >= 2 and max(len(r) for r in rows) >= 2:
            x0 = min(c[0] for c in table)
            x1 = max(c[2] for c in table)
            y0 = min(c[1] for c in table)
            y1 = max(c[3] for c in table)
            found.append(PageTable(x0, height - y1, x1, height - y0, tuple(rows)))
    return found


def with_tables(textpage: pdfium.PdfTextPage, tables: list[PageTable]) -> str | None:
    """The page's text with each table's characters replaced by its rows, or None when a table's
    characters are not one run of the text (then the plain text is kept)."""
    text = textpage.get_text_range()
    runs: list[tuple[int, int, PageTable]] = []
    for table in tables:
        inside = [i for i, char in enumerate(text) if _printable(char) and table.holds(textpage.get_charbox(i))]
        if not inside:
            continue
        first, last = inside[0], inside[-1]
        between = set(inside)
        if any(_printable(text[i]) and i not in between for i in range(first, last + 1)):
            return None
        runs.append((first, last, table))
    if not runs:
        return None
    parts, position = [], 0
    for first, last, table in sorted(runs, key=lambda run: run[0]):
        parts += [text[position:first], "\n", table.lines(), "\n"]
        position = last + 1
    parts.append(text[position:])
    return "".join(parts)


def _printable(char: str) -> bool:
    return not char.isspace() and char != "\ufffe"
