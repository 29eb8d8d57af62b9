"""Plain text and Markdown: decoding with fallbacks, Markdown escapes undone, ATX headings found.

Extraction only ever *deletes* characters of the source (CR of CRLF, escape backslashes, Markdown
heading markers, control characters), and records where, so positions in the source file's text map
onto the extracted text.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from ingest.budget import Budget
from ingest.cleanup import delete_spans
from ingest.errors import DocumentUnreadable
from ingest.readers.base import ExtractedDocument, Heading

_ESCAPE = re.compile(r"\\([!\"#$%&'()*+,\-./:;<=>?@\[\\\]^_`{|}~])")
_ATX = re.compile(r"^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$", re.MULTILINE)
# Controls that mark a binary file (ESC is left out: a terminal log full of colour codes is still text).
_BINARY_CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1a\x1c-\x1f\x7f]")
_BOMS = (  # UTF-32 first: its little-endian mark begins with UTF-16's
    (codecs.BOM_UTF32_LE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF32_BE, "utf-32", "UTF-32"),
    (codecs.BOM_UTF16_LE, "utf-16", "UTF-16"),
    (codecs.BOM_UTF16_BE, "utf-16", "UTF-16"),
)
SAMPLE = 65536

__all__ = ["decode_text", "delete_spans", "extract_markdownish", "first_line_title", "read_text"]


def _wide_encoding(data: bytes) -> tuple[str, str, bool] | None:
    """(codec, name, has a byte-order mark) for UTF-16/32 text, else None.

    Without a byte-order mark, UTF-16 is recognised by its NUL bytes: Swedish or English text in UTF-16
    has a NUL in (nearly) every other byte and (nearly) none in the others, which binary data does not.
    """
    for bom, codec, name in _BOMS:
        if data.startswith(bom):
            return codec, name, True
    sample = data[:SAMPLE]
    if len(sample) < 4:
        return None
    even, odd = sample[0::2], sample[1::2]
    nul_even, nul_odd = even.count(0) / len(even), odd.count(0) / len(odd)
    if nul_odd > 0.5 and nul_even < 0.02:
        return "utf-16-le", "UTF-16LE", False
    if nul_even > 0.5 and nul_odd < 0.02:
        return "utf-16-be", "UTF-16BE", False
    return None


def decode_text(data: bytes) -> tuple[str, list[str]]:
    """Decode bytes as UTF-8 (or UTF-16/32 with a byte-order mark, or UTF-16 recognised without one),
    falling back to cp1252 then latin-1 with a warning; refuse binary data."""
    warnings: list[str] = []
    wide = _wide_encoding(data)
    if wide is not None:
        codec, name, marked = wide
        try:
            text = data.decode(codec)
        except UnicodeDecodeError as exc:
            raise DocumentUnreadable(f"this looks like {name} text but is not valid {name} ({exc.reason})") from exc
        if not marked:
            warnings.append(f"no byte-order mark; read as {name}")
        return _refuse_binary(text), warnings
    sample = data[:SAMPLE]
    if sample.count(0) * 1000 > len(sample):  # a stray NUL in a text is dropped later; many mean binary
        raise DocumentUnreadable("this is a binary file, not text (it contains NUL bytes)")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text, encoding = data.decode("cp1252"), "cp1252"
        except UnicodeDecodeError:
            text, encoding = data.decode("latin-1"), "latin-1"
        warnings.append(f"not valid UTF-8; read as {encoding} (check that å, ä and ö look right)")
    return _refuse_binary(text), warnings


def _refuse_binary(text: str) -> str:
    sample = text[:SAMPLE]
    if sample and len(_BINARY_CONTROL.findall(sample)) > 0.02 * len(sample):
        raise DocumentUnreadable("this looks like a binary file, not text (many control characters)")
    return text


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


def read_text(path: Path, budget: Budget | None = None) -> ExtractedDocument:
    """A .txt or .md file."""
    budget = budget or Budget.default()
    data = path.read_bytes()
    budget.check_chars(len(data) // 4)  # at least this many characters in any encoding: over before decoding
    source, warnings = decode_text(data)
    budget.check_chars(len(source))
    is_markdown = path.suffix.lower() in {".md", ".markdown"}
    doc = extract_markdownish(source, strip_heading_markers=is_markdown)
    doc.source_is_text = True
    doc.warnings.extend(warnings)
    if not doc.text.strip():
        raise DocumentUnreadable("the file is empty (no text to index)")
    title = first_line_title(doc.text, doc.headings)
    if title:
        doc.file_metadata["title"] = title
    return doc
