"""HTML: the main text without navigation and boilerplate (trafilatura), headings kept."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import trafilatura

from ingest.budget import Budget
from ingest.errors import DocumentUnreadable
from ingest.readers.base import ExtractedDocument
from ingest.readers.text import decode_text, extract_markdownish

logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
_STRONG = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_EMPHASIS = re.compile(r"(?<![\w*])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])")


def _plain_inline(markdown: str) -> str:
    """Drop Markdown emphasis markers that trafilatura adds around bold/italic text."""
    return _EMPHASIS.sub(r"\1", _STRONG.sub(r"\1", markdown))


def read_html(path: Path, budget: Budget | None = None) -> ExtractedDocument:
    budget = budget or Budget.default()
    html, warnings = decode_text(path.read_bytes())
    # The page's source is counted: trafilatura's time grows faster than the page (9 MB took 39 s).
    budget.check_chars(len(html), what="characters of HTML")
    markdown = trafilatura.extract(
        html,
        output_format="markdown",
        include_tables=True,
        include_links=False,
        include_images=False,
        include_comments=False,
        include_formatting=True,
        deduplicate=False,
    )
    if not markdown or not markdown.strip():
        markdown = trafilatura.html2txt(html) or ""
        if markdown.strip():
            warnings.append("no main text block found; indexed all visible text of the page")
    if not markdown.strip():
        raise DocumentUnreadable("the HTML page has no visible text")
    doc = extract_markdownish(_plain_inline(markdown), strip_heading_markers=True)
    doc.removed = []  # offsets refer to the extracted text only; the HTML source is not addressable
    doc.warnings.extend(warnings)
    meta = trafilatura.extract_metadata(html)
    if meta is not None:
        for key, value in (
            ("title", meta.title),
            ("author", meta.author),
            ("date", meta.date),
            ("url", meta.url),
            ("organisation", meta.sitename),
        ):
            if value and str(value).strip():
                doc.file_metadata[key] = str(value).strip()
    if "title" not in doc.file_metadata and doc.headings:
        h = doc.headings[0]
        doc.file_metadata["title"] = doc.text[h.start : h.end]
    return doc
