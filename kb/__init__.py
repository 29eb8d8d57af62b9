"""vkb's knowledge base: documents, chunks and vectors, kept consistent; search and citations."""

from kb.citations import Citation
from kb.diskspace import DiskFull, IndexWriteError
from kb.embedding import Embedder, ModelUnavailable, load_embedder
from kb.errors import InputError, UsageError, VkbError
from kb.hits import Hit
from kb.knowledge_base import IndexBusy, KnowledgeBase, open_documents
from kb.records import Chunk, DocumentLookup, DocumentMetadata, DocumentRecord, PageSpan
from kb.settings import Settings, SettingsError, load_settings
from kb.vectors import ModelMismatch

__all__ = [
    "Chunk",
    "Citation",
    "DiskFull",
    "DocumentLookup",
    "DocumentMetadata",
    "DocumentRecord",
    "Embedder",
    "Hit",
    "IndexBusy",
    "IndexWriteError",
    "InputError",
    "KnowledgeBase",
    "ModelMismatch",
    "ModelUnavailable",
    "PageSpan",
    "Settings",
    "SettingsError",
    "UsageError",
    "VkbError",
    "load_embedder",
    "load_settings",
    "open_documents",
]
