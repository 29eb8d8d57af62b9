"""Readers turn a file into an `ExtractedDocument`; `read_document` picks one by file extension."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from ingest.errors import UnsupportedFileType
from ingest.readers.base import ExtractedDocument, Heading
from ingest.readers.docx import read_docx
from ingest.readers.html import read_html
from ingest.readers.pdf import read_pdf
from ingest.readers.text import read_text

READERS: dict[str, Callable[[Path], ExtractedDocument]] = {
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


def read_document(path: Path, *, ocr: bool = True) -> ExtractedDocument:
    """Extract a file's text; raises `IngestError` subclasses with a user-facing reason.

    `ocr`: read PDF pages without a text layer with Tesseract (the `ocr` setting).
    """
    reader = READERS.get(path.suffix.lower())
    if reader is None:
        raise UnsupportedFileType(path.suffix, READERS)
    if reader is read_pdf:
        return read_pdf(path, ocr=ocr)
    return reader(path)


__all__ = ["READERS", "ExtractedDocument", "Heading", "is_supported", "read_document"]
