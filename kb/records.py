"""The records the knowledge base stores: document metadata, chunks, and registry rows."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator

from kb.vocabulary import DocType, Stakeholder

_DATE = re.compile(r"^\d{4}(-\d{2}(-\d{2})?)?$")
_DOC_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$")


class DocumentMetadata(BaseModel):
    """Metadata of one document, validated against the controlled vocabularies."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    doc_id: str
    title: str = Field(min_length=1)
    organisation: str | None = None
    author: str | None = None
    date: str | None = None
    doc_type: DocType = "annat"
    stakeholder: Stakeholder = "annan"
    url: str | None = None
    language: str = "sv"
    source_path: str
    source: str | None = None

    @field_validator("doc_id")
    @classmethod
    def _doc_id(cls, value: str) -> str:
        if not _DOC_ID.match(value):
            raise ValueError("must be 1-128 letters, digits, '_', '-' or '.', starting with a letter or digit")
        return value

    @field_validator("date")
    @classmethod
    def _date(cls, value: str | None) -> str | None:
        if value is not None and not _DATE.match(value):
            raise ValueError("must be YYYY, YYYY-MM or YYYY-MM-DD")
        return value

    @property
    def year(self) -> int | None:
        return int(self.date[:4]) if self.date else None

    def store_fields(self) -> dict[str, Any]:
        """Flat, filterable metadata for the vector store (no None values)."""
        fields: dict[str, Any] = {
            "doc_id": self.doc_id,
            "doc_type": self.doc_type,
            "stakeholder": self.stakeholder,
            "language": self.language,
            "organisation": self.organisation or "",
        }
        if self.year is not None:
            fields["year"] = self.year
        return fields


@dataclass(frozen=True)
class PageSpan:
    """Page `number` (1-based) covers text[start:end] of the extracted document text."""

    number: int
    start: int
    end: int


@dataclass(frozen=True)
class DocumentContent:
    """A document's extracted text as the index keeps and cites it, travelling whole from the reader
    to the registry (`KnowledgeBase.replace_document`), so no part is dropped on the way.

    `removed`: positions in the source text (text formats) that extraction dropped, in increasing
    order, so a span given in source coordinates maps onto `text` (`source_to_text`).
    `ocr_pages`: pages whose text was read by OCR."""

    text: str
    pages: Sequence[PageSpan] = ()
    page_count: int | None = None
    warnings: Sequence[str] = ()
    removed: Sequence[int] = ()
    ocr_pages: Sequence[int] = ()


@dataclass(frozen=True)
class Chunk:
    """A retrievable passage: exactly text[char_start:char_end] of its document's extracted text."""

    ordinal: int
    char_start: int
    char_end: int
    page: int | None
    heading_path: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class DocumentRecord:
    """A document as the registry holds it."""

    metadata: DocumentMetadata
    abs_path: str
    fingerprint: str
    version: str
    chunk_count: int
    page_count: int | None
    warnings: tuple[str, ...]
    ingested_at: str
    ocr_pages: tuple[int, ...] = ()  # pages whose text was read by OCR (Tesseract), not from a text layer

    @property
    def doc_id(self) -> str:
        return self.metadata.doc_id


class DocumentLookup(Protocol):
    """The indexed documents, read by id: a `KnowledgeBase`, or what `open_documents` returns (no model
    loaded). The catalogue and the draft need only this, for reference strings and quote checks."""

    def documents(self) -> list[DocumentRecord]: ...

    def document(self, doc_id: str) -> DocumentRecord | None: ...

    def document_text(self, doc_id: str) -> tuple[str, list[PageSpan]] | None: ...


@dataclass(frozen=True)
class FailureRecord:
    """A file that could not be ingested, and why."""

    abs_path: str
    source_path: str
    reason: str
    at: str
