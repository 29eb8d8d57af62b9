"""Ruled tables in a PDF page's text: one row per line, cells separated by " | ", in their place.

PDFium's text layer gives a table row as one line with its cells joined by spaces, so "26 987"
(one cell) cannot be told from two cells. pdfplumber finds ruled tables from the page's lines and
rectangles and returns their cells; the table's characters in the PDFium text are replaced by those
rows. pdfplumber is pure Python (about 0.15 s a page), so it runs only on pages PDFium shows to have
at least `MIN_RULES` drawn paths (a ruled table has a line per row and column).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c

from ingest.cleanup import join_hyphenation

MIN_RULES = 4
CELL_SEPARATOR = " | "


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


def has_rules(page: pdfium.PdfPage) -> bool:
    """Whether the page draws enough paths to hold a ruled table."""
    count = 0
    for item in page.get_objects(max_depth=1):
        count += item.type == pdfium_c.FPDF_PAGEOBJ_PATH
        if count >= MIN_RULES:
            return True
    return False


class TableFinder:
    """Opens the file with pdfplumber on first need and finds the ruled tables of one page at a time."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._pdf: Any = None

    def tables(self, index: int) -> list[PageTable]:
        import pdfplumber

        if self._pdf is None:
            self._pdf = pdfplumber.open(self._path)
        page = self._pdf.pages[index]
        try:
            found = []
            for table in page.find_tables():
                rows = tuple(
                    tuple(" ".join(join_hyphenation(cell or "").split()) for cell in row)
                    for row in table.extract()
                    if any((cell or "").strip() for cell in row)
                )
                if len(rows) >= 2 and max(len(r) for r in rows) >= 2:
                    x0, top, x1, bottom = table.bbox
                    found.append(PageTable(x0, page.height - bottom, x1, page.height - top, rows))
            return found
        finally:
            page.close()  # pdfplumber caches a page's objects until closed: memory stays flat

    def close(self) -> None:
        if self._pdf is not None:
            self._pdf.close()


def with_tables(textpage: pdfium.PdfTextPage, tables: list[PageTable]) -> str | None:
    """The page's text with each table's characters replaced by its rows, or None when a table's
    characters are not one run of the text (then the plain text is kept)."""
    count = textpage.count_chars()
    runs: list[tuple[int, int, PageTable]] = []
    for table in tables:
        inside = [i for i in range(count) if _printable(textpage, i) and table.holds(textpage.get_charbox(i))]
        if not inside:
            continue
        first, last = inside[0], inside[-1]
        between = set(inside)
        if any(_printable(textpage, i) and i not in between for i in range(first, last + 1)):
            return None
        runs.append((first, last, table))
    if not runs:
        return None
    parts, position = [], 0
    for first, last, table in sorted(runs, key=lambda run: run[0]):
        parts += [textpage.get_text_range(position, first - position), "\n", table.lines(), "\n"]
        position = last + 1
    parts.append(textpage.get_text_range(position, count - position))
    return "".join(parts)


def _printable(textpage: pdfium.PdfTextPage, index: int) -> bool:
    char = textpage.get_text_range(index, 1)
    return bool(char) and not char.isspace() and char != "\ufffe"
