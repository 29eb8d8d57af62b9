"""What every reader returns: the document's extracted text, where its pages and headings are, and hints."""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field, fields, replace

from ingest.cleanup import compose_removed, control_spans, delete_spans, separate, without_controls
from kb.records import DocumentContent, PageSpan


@dataclass(frozen=True)
class Heading:
    """A heading of `level` (1 = top) whose text is text[start:end]."""

    level: int
    start: int
    end: int


@dataclass
class ExtractedDocument:
    """A document's text as vkb indexes and cites it.

    `removed` lists, in increasing order, the positions in the *source* text (text formats only:
    `source_is_text`) that extraction dropped (e.g. Markdown escape backslashes), so spans given in
    source coordinates can be mapped onto `text` with `source_to_text`.
    """

    text: str
    pages: list[PageSpan] = field(default_factory=list)
    headings: list[Heading] = field(default_factory=list)
    file_metadata: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)
    page_count: int | None = None
    source_is_text: bool = False
    ocr_pages: list[int] = field(default_factory=list)  # pages whose text was read by OCR

    def source_to_text(self, position: int) -> int:
        """Map a character position of the source file's text onto `text`."""
        return position - bisect_left(self.removed, position)

    def content(self) -> DocumentContent:
        """What the index keeps: every field `DocumentContent` has, copied by name (none can be left out)."""
        return DocumentContent(**{f.name: getattr(self, f.name) for f in fields(DocumentContent)})


def without_control_characters(doc: ExtractedDocument) -> ExtractedDocument:
    """`doc` with every control character and terminal escape sequence removed from its text and metadata.

    Separating controls (VT, FF, NEL, U+001C-U+001F) become newlines or spaces in place; the rest is
    deleted, and pages and headings move with the text. For text formats the deletions join `removed`
    in source coordinates, so `source_to_text` still maps the file's positions onto the new text.
    """
    text = separate(doc.text)
    spans = control_spans(text)
    metadata = {key: without_controls(value) for key, value in doc.file_metadata.items()}
    if not spans:
        return replace(doc, text=text, file_metadata=metadata)
    cleaned, gone = delete_spans(text, spans)

    def moved(position: int) -> int:
        return position - bisect_left(gone, position)

    headings = [Heading(h.level, moved(h.start), moved(h.end)) for h in doc.headings]
    warning = f"removed {len(gone)} characters of control codes (such as terminal colour codes) that text cannot carry"
    return replace(
        doc,
        text=cleaned,
        pages=[PageSpan(number=p.number, start=moved(p.start), end=moved(p.end)) for p in doc.pages],
        headings=[h for h in headings if h.end > h.start],
        file_metadata=metadata,
        warnings=[*doc.warnings, warning],
        removed=compose_removed(doc.removed, gone) if doc.source_is_text else [],
    )
