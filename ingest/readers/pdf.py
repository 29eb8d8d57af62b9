"""PDF: text per page (1-based page numbers) with pypdf, cleaned of running lines and hyphenation."""

from __future__ import annotations

import logging
from pathlib import Path

from pypdf import PdfReader
from pypdf.errors import DependencyError, FileNotDecryptedError, PdfReadError, PdfStreamError

from ingest.budget import Budget
from ingest.cleanup import clean_pages, page_ranges
from ingest.errors import DocumentUnreadable
from ingest.readers.base import ExtractedDocument
from kb.records import PageSpan

PAGE_SEPARATOR = "\n\n"
logging.getLogger("pypdf").setLevel(logging.ERROR)


def _open(path: Path) -> PdfReader:
    if path.stat().st_size == 0:
        raise DocumentUnreadable("the PDF file is empty (0 bytes)")
    try:
        reader = PdfReader(path, strict=False)
    except (PdfReadError, PdfStreamError, ValueError, KeyError, TypeError, OSError) as exc:
        raise DocumentUnreadable(f"not a readable PDF, the file may be damaged or truncated ({exc})") from exc
    if reader.is_encrypted:
        try:
            opened = reader.decrypt("")
        except (DependencyError, NotImplementedError) as exc:
            raise DocumentUnreadable(f"the PDF is encrypted in a way vkb cannot open ({exc})") from exc
        if not opened:
            raise DocumentUnreadable(
                "the PDF is protected by a password; save an unprotected copy and ingest that instead"
            )
    return reader


def read_pdf(path: Path, budget: Budget | None = None) -> ExtractedDocument:
    budget = budget or Budget.default()
    reader = _open(path)
    try:
        count = len(reader.pages)
    except (PdfReadError, FileNotDecryptedError, ValueError, KeyError, TypeError, RecursionError) as exc:
        raise DocumentUnreadable(f"cannot read the PDF's page list ({exc})") from exc
    if count == 0:
        raise DocumentUnreadable("the PDF has no pages")
    budget.check_pages(count)
    warnings: list[str] = []
    raw: list[str] = []
    broken: list[int] = []
    read = 0
    for number in range(1, count + 1):
        budget.check_time()
        try:
            raw.append(reader.pages[number - 1].extract_text() or "")
        except Exception:  # pypdf raises many kinds on damaged page content; the page is reported
            raw.append("")
            broken.append(number)
        read += len(raw[-1])
        budget.check_chars(read)
    pages = clean_pages(raw)
    empty = [n for n, text in enumerate(pages, start=1) if not text.strip() and n not in broken]
    if broken:
        warnings.append(f"could not read pages {page_ranges(broken)} (damaged page content)")
    if len(empty) + len(broken) == count:
        raise DocumentUnreadable(
            "no text layer on any page; scanned PDFs need OCR, which vkb does not do"
            if not broken
            else "no readable text on any page (damaged or scanned PDF)"
        )
    if empty:
        warnings.append(f"no text on pages {page_ranges(empty)}; scanned PDFs need OCR, which vkb does not do")

    parts: list[str] = []
    spans: list[PageSpan] = []
    position = 0
    for number, text in enumerate(pages, start=1):
        if not text:
            continue
        if parts:
            parts.append(PAGE_SEPARATOR)
            position += len(PAGE_SEPARATOR)
        spans.append(PageSpan(number=number, start=position, end=position + len(text)))
        parts.append(text)
        position += len(text)
    doc = ExtractedDocument(text="".join(parts), pages=spans, warnings=warnings, page_count=count)
    doc.file_metadata.update(_pdf_metadata(reader))
    return doc


def _pdf_metadata(reader: PdfReader) -> dict[str, str]:
    found: dict[str, str] = {}
    try:
        info = reader.metadata
    except Exception:  # damaged info dictionary: metadata is optional
        return found
    if info is None:
        return found
    title = (info.title or "").strip()
    author = (info.author or "").strip()
    if title and title.lower() not in {"untitled", "microsoft word", "powerpoint-presentation"}:
        found["title"] = title
    if author:
        found["author"] = author
    try:
        created = info.creation_date
    except Exception:
        created = None
    if created is not None:
        found["date"] = created.strftime("%Y-%m-%d")
    return found
