"""DOCX: paragraphs, headings (by style) and tables, in document order, with python-docx.

The zip archive is checked against the budget (parts, unpacked size, packing ratio) and copied in
bounded steps before python-docx opens the copy: python-docx inflates and parses whole parts, so a
zip bomb must be stopped first (see `Budget.open_archive`).
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import docx
from docx.opc.exceptions import PackageNotFoundError
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml.etree import XMLSyntaxError

from ingest.budget import Budget
from ingest.errors import DocumentUnreadable
from ingest.readers.base import ExtractedDocument, Heading

_HEADING_STYLE = re.compile(r"^(?:heading|rubrik)\s*(\d)$", re.IGNORECASE)
BLOCK_SEPARATOR = "\n\n"
CHECK_EVERY = 200  # body elements between looks at the clock


def _heading_level(paragraph: Paragraph) -> int | None:
    name = (paragraph.style.name if paragraph.style is not None else "") or ""
    if name.lower() in {"title", "rubrik"}:
        return 1
    match = _HEADING_STYLE.match(name.strip())
    return int(match.group(1)) if match else None


def _table_text(table: Table) -> str:
    rows = []
    for row in table.rows:
        cells: list[str] = []
        for cell in row.cells:
            value = " ".join(cell.text.split())
            if not cells or cells[-1] != value:  # merged cells repeat their text
                cells.append(value)
        if any(cells):
            rows.append(" | ".join(cells))
    return "\n".join(rows)


def read_docx(path: Path, budget: Budget | None = None) -> ExtractedDocument:
    budget = budget or Budget.default()
    package = budget.open_archive(path, "DOCX")
    try:
        document = docx.Document(package)
    except (PackageNotFoundError, zipfile.BadZipFile, KeyError, ValueError, XMLSyntaxError) as exc:
        raise DocumentUnreadable(f"not a readable DOCX file, it may be damaged ({exc})") from exc
    parts: list[str] = []
    headings: list[Heading] = []
    position = 0
    for number, element in enumerate(document.element.body.iterchildren()):
        if number % CHECK_EVERY == 0:
            budget.check_time()
        tag = element.tag.rsplit("}", 1)[-1]
        level = None
        if tag == "p":
            paragraph = Paragraph(element, document)
            text = paragraph.text.strip()
            level = _heading_level(paragraph) if text else None
        elif tag == "tbl":
            text = _table_text(Table(element, document))
        else:
            continue
        if not text:
            continue
        if parts:
            parts.append(BLOCK_SEPARATOR)
            position += len(BLOCK_SEPARATOR)
        if level is not None:
            headings.append(Heading(level=level, start=position, end=position + len(text)))
        parts.append(text)
        position += len(text)
        budget.check_chars(position)
    if not parts:
        raise DocumentUnreadable("the DOCX file has no text")
    doc = ExtractedDocument(text="".join(parts), headings=headings)
    props = document.core_properties
    if props.title and props.title.strip():
        doc.file_metadata["title"] = props.title.strip()
    elif headings:
        doc.file_metadata["title"] = doc.text[headings[0].start : headings[0].end]
    if props.author and props.author.strip():
        doc.file_metadata["author"] = props.author.strip()
    if props.created is not None:
        doc.file_metadata["date"] = props.created.strftime("%Y-%m-%d")
    return doc
