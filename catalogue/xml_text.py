"""Text that XML can carry: what DOCX and XLSX files are made of.

XML 1.0 allows tab, newline, carriage return and the characters from U+0020 up, except the surrogates
and U+FFFE/U+FFFF. Document text can hold others (an ESC from a terminal colour code, a form feed from
a PDF, a NUL); lxml then refuses the whole Word file ("All strings must be XML compatible") and
openpyxl the whole workbook. Exports drop those characters and keep every other one, so a stray byte
in one passage never costs the user the file.

A spreadsheet cell also must not turn into a formula: openpyxl stores any string that starts with
"=" as one, so a quote such as `=HYPERLINK(…)` would become a live link in Excel. `sheet_row` gives
the cells to append and `as_text` makes such cells plain text again.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_safe(text: str) -> str:
    """The text without the characters XML 1.0 cannot hold (C0 controls but tab and newlines, surrogates, U+FFFE/F)."""
    return _NOT_XML.sub("", text)


def sheet_row(values: Iterable[object]) -> list[object]:
    """A spreadsheet row with every string made XML-safe (numbers and None unchanged)."""
    return [xml_safe(v) if isinstance(v, str) else v for v in values]


def as_text(cells: Iterable[Any]) -> None:
    """Mark openpyxl cells that hold a string as text, so "=…" stays what it says and is never a formula."""
    for cell in cells:
        if isinstance(cell.value, str):
            cell.data_type = "s"
