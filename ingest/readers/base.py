"""What every reader returns: the document's extracted text, where its pages and headings are, and hints."""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field

from kb.records import PageSpan


@dataclass(frozen=True)
class Heading:
    """A heading of `level` (1 = top) whose text is text[start:end]."""

    level: int
    start: int
    end: int


@dataclass
class ExtractedDocument:
    """A document's text as vkb indexes and cites it.

    `removed` lists, in increasing order, the positions in the *source* text (text formats only)
    that extraction dropped (e.g. Markdown escape backslashes), so spans given in source
    coordinates can be mapped onto `text` with `source_to_text`.
    """

    text: str
    pages: list[PageSpan] = field(default_factory=list)
    headings: list[Heading] = field(default_factory=list)
    file_metadata: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    removed: list[int] = field(default_factory=list)
    page_count: int | None = None
    ocr_pages: list[int] = field(default_factory=list)  # pages whose text was read by OCR

    def source_to_text(self, position: int) -> int:
        """Map a character position of the source file's text onto `text`."""
        return position - bisect_left(self.removed, position)
