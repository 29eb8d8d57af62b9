"""Reading documents into the knowledge base: readers, metadata, chunking, the incremental pipeline."""

from ingest.errors import DocumentUnreadable, IngestError, MetadataError, UnsupportedFileType
from ingest.pipeline import FileOutcome, IngestReport, IngestUsageError, ingest_paths
from ingest.readers import ExtractedDocument, read_document

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
