"""Reading documents into the knowledge base: readers, metadata, chunking, the incremental pipeline.

The errors import at once; the pipeline and the readers (pypdf, python-docx, trafilatura) load on
first use, so a command that only catches ingest errors (`vkb search`) does not pay for them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ingest.errors import DocumentUnreadable, IngestError, IngestUsageError, MetadataError, UnsupportedFileType

if TYPE_CHECKING:
    from ingest.pipeline import FileOutcome, IngestReport, ingest_paths
    from ingest.readers import ExtractedDocument, read_document

_LAZY = {
    "FileOutcome": "ingest.pipeline",
    "IngestReport": "ingest.pipeline",
    "ingest_paths": "ingest.pipeline",
    "ExtractedDocument": "ingest.readers",
    "read_document": "ingest.readers",
}

__all__ = [
    "DocumentUnreadable",
    "ExtractedDocument",
    "FileOutcome",
    "IngestError",
    "IngestReport",
    "IngestUsageError",
    "MetadataError",
    "UnsupportedFileType",
    "ingest_paths",
    "read_document",
]


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'ingest' has no attribute {name!r}")
