"""Readers turn a file into an `ExtractedDocument`; `read_document` picks one by file extension.

Every reader takes the file's `Budget` and checks it as it goes; `read_document` then removes control
characters from whatever the reader returned (one place for every format) and checks the text's length.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ingest.budget import Budget
from ingest.errors import UnsupportedFileType
from ingest.readers.base import ExtractedDocument, Heading, without_control_characters
from ingest.readers.docx import read_docx
from ingest.readers.html import read_html
from ingest.readers.pdf import read_pdf
from ingest.readers.text import read_text

READERS: dict[str, Callable[[Path, Budget], ExtractedDocument]] = {
    ".pdf": read_pdf,
    ".docx": read_docx,
    ".html": read_html,
    ".htm": read_html,
    ".md": read_text,
    ".markdown": read_text,
    ".txt": read_text,
}


def is_supported(path: Path) -> bool:
    return path.suffix.lower() in READERS


def read_document(path: Path, budget: Budget | None = None, *, ocr: bool = True) -> ExtractedDocument:
    """Extract a file's text, free of control characters, within `budget` (default: the default limits).

    `ocr`: read PDF pages without a text layer with Tesseract (the `ocr` setting). Raises `IngestError`
    subclasses with a user-facing reason (`BudgetExceeded` for a file over budget)."""
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise UnsupportedFileType(path.suffix, READERS)
    budget = budget or Budget.default()
    extracted = read_pdf(path, budget, ocr=ocr) if reader is read_pdf else reader(path, budget)
    doc = without_control_characters(extracted)
    budget.check_chars(len(doc.text))
    return doc


__all__ = ["READERS", "ExtractedDocument", "Heading", "is_supported", "read_document"]
