"""Plain text and Markdown: decoding with fallbacks, Markdown escapes undone, ATX headings found.

Extraction only ever *deletes* characters of the source (CR of CRLF, escape backslashes, Markdown
heading markers), and records where, so positions in the source file map onto the extracted text.
"""

from __future__ import annotations

import re
from pathlib import Path

from ingest.errors import DocumentUnreadable
from ingest.readers.base import ExtractedDocument, Heading

_ESCAPE = re.compile(r"\\([!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])")
_ATX = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$", re.MULTILINE)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def decode_text(data: bytes) -> tuple[str, list[str]]:
    """Decode bytes as UTF-8, falling back to cp1252 then latin-1 with a warning; refuse binary data."""
    if b"\x00" in data[:65536]:
        raise DocumentUnreadable("this is a binary file, not text (it contains NUL bytes)")
    warnings: list[str] = []
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text, encoding = data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            text, encoding = data.decode("latin-1"), "latin-1"
        warnings.append(f"not valid UTF-8; read as {encoding} (check that å, ä and ö look right)")
    sample = text[:65536]
    if sample and len(_CONTROL.findall(sample)) > 0.02 * len(sample):
        raise DocumentUnreadable("this looks like a binary file, not text (many control characters)")
    return text, warnings


def delete_spans(text: str, spans: list[tuple[int, int]]) -> tuple[str, list[int]]:
    """Remove the given non-overlapping [start, end) spans; return the new text and removed positions."""
    if not spans:
        return text, []
    spans = sorted(spans)
    parts: list[str] = []
    removed: list[int] = []
    pos = 0
    for start, end in spans:
        if start < pos:
            start = pos
        if start >= end:
            continue
        parts.append(text[pos:start])
        removed.extend(range(start, end))
        pos = end
    parts.append(text[pos:])
    return "".join(parts), removed


def extract_markdownish(source: str, *, strip_heading_markers: bool) -> ExtractedDocument:
    """Undo CRLF and Markdown escapes, find ATX headings (removing their `#` markers if asked)."""
    deletions = [(m.start(), m.start() + 1) for m in re.finditer(r"\r(?=\n)", source)]
    deletions += [(m.start(), m.start() + 1) for m in _ESCAPE.finditer(source)]
    found: list[tuple[int, int, int]] = []  # (level, title_start, title_end) in source coordinates
    for m in _ATX.finditer(source):
        found.append((len(m.group(1)), m.start(2), m.end(2)))
        if strip_heading_markers:
            deletions.append((m.start(1), m.start(2)))
    text, removed = delete_spans(source, deletions)
    doc = ExtractedDocument(text=text, removed=removed)
    for level, start, end in found:
        doc.headings.append(Heading(level=level, start=doc.source_to_text(start), end=doc.source_to_text(end)))
    return doc


def first_line_title(text: str, headings: list[Heading]) -> str | None:
    """The first heading, or else the first non-empty line if it is short enough to be a title."""
    if headings:
        top = min(headings, key=lambda h: (h.level, h.start))
        first = headings[0] if headings[0].start < 400 else top
        return " ".join(text[first.start : first.end].split()) or None
    first_paragraph = text.strip().split("\n\n", 1)[0] if text.strip() else ""
    paragraph = " ".join(first_paragraph.split())
    if paragraph and len(paragraph) <= 200:  # a title that wraps over two or three lines
        return paragraph
    for line in text.splitlines():
        line = " ".join(line.split())
        if line:
            return line if len(line) <= 200 else line[:197].rstrip() + "…"
    return None


def read_text(path: Path) -> ExtractedDocument:
    """A .txt or .md file."""
    source, warnings = decode_text(path.read_bytes())
    is_markdown = path.suffix.lower() in {".md", ".markdown"}
    doc = extract_markdownish(source, strip_heading_markers=is_markdown)
    doc.warnings.extend(warnings)
    if not doc.text.strip():
        raise DocumentUnreadable("the file is empty (no text to index)")
    title = first_line_title(doc.text, doc.headings)
    if title:
        doc.file_metadata["title"] = title
    return doc
