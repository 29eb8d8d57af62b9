"""vkb's knowledge base: documents, chunks and vectors, kept consistent; search and citations.

The front door: what callers outside `kb` need is exported here. The search machinery (`Searcher`,
`SearchPlan`, `Mode`, `MODES`) is loaded on first use, so `import kb` stays fast for commands that
do not search.
"""

from typing import TYPE_CHECKING, Any

from kb.citations import Citation, Context
from kb.diskspace import DiskFull, IndexWriteError
from kb.document_filters import Filters, SearchError, UnknownFilterValue
from kb.embedding import Embedder, ModelUnavailable, load_embedder
from kb.errors import InputError, UsageError, VkbError
from kb.hits import Hit, HitGroup, group_by_document, group_by_stakeholder
from kb.knowledge_base import IndexBusy, KnowledgeBase, open_documents
from kb.layout import IndexLayout
from kb.records import Chunk, DocumentLookup, DocumentMetadata, DocumentRecord, PageSpan
from kb.settings import Settings, SettingsError, load_settings
from kb.vectors import ModelMismatch

if TYPE_CHECKING:
    from kb.search import MODES, Mode, Searcher, SearchPlan

_SEARCH = ("MODES", "Mode", "SearchPlan", "Searcher")


def __getattr__(name: str) -> Any:
    if name in _SEARCH:
        import kb.search

        return getattr(kb.search, name)
    raise AttributeError(f"module 'kb' has no attribute {name!r}")


__all__ = [
    "MODES",
    "Chunk",
    "Citation",
    "Context",
    "DiskFull",
    "DocumentLookup",
    "DocumentMetadata",
    "DocumentRecord",
    "Embedder",
    "Filters",
    "Hit",
    "HitGroup",
    "IndexBusy",
    "IndexLayout",
    "IndexWriteError",
    "InputError",
    "KnowledgeBase",
    "Mode",
    "ModelMismatch",
    "ModelUnavailable",
    "PageSpan",
    "SearchError",
    "SearchPlan",
    "Searcher",
    "Settings",
    "SettingsError",
    "UnknownFilterValue",
    "UsageError",
    "VkbError",
    "group_by_document",
    "group_by_stakeholder",
    "load_embedder",
    "load_settings",
    "open_documents",
]
