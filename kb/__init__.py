"""vkb's knowledge base: documents, chunks and vectors, kept consistent; search and citations.

The front door: what callers outside `kb` need is exported here. Every name is loaded from its
module on first use, so importing one light part (`kb.settings`, `kb.errors`) does not load the
rest: `vkb app` starts Streamlit's server before the search machinery is imported (see README,
"The two models").
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kb.citations import Citation, Context
    from kb.diskspace import DiskFull, IndexWriteError
    from kb.document_filters import Filters, SearchError, UnknownFilterValue
    from kb.embedding import Embedder, EncodedPassages, ModelUnavailable, load_embedder
    from kb.errors import InputError, UsageError, VkbError
    from kb.hits import Hit, HitGroup, group_by_document, group_by_stakeholder
    from kb.knowledge_base import IndexBusy, KnowledgeBase, open_documents
    from kb.layout import IndexLayout
    from kb.records import Chunk, DocumentLookup, DocumentMetadata, DocumentRecord, PageSpan
    from kb.search import MODES, Mode, Searcher, SearchPlan
    from kb.settings import Settings, SettingsError, load_settings
    from kb.vectors import ModelMismatch

# module -> the names it exports through `kb`
_MODULES = {
    "kb.citations": ("Citation", "Context"),
    "kb.diskspace": ("DiskFull", "IndexWriteError"),
    "kb.document_filters": ("Filters", "SearchError", "UnknownFilterValue"),
    "kb.embedding": ("Embedder", "EncodedPassages", "ModelUnavailable", "load_embedder"),
    "kb.errors": ("InputError", "UsageError", "VkbError"),
    "kb.hits": ("Hit", "HitGroup", "group_by_document", "group_by_stakeholder"),
    "kb.knowledge_base": ("IndexBusy", "KnowledgeBase", "open_documents"),
    "kb.layout": ("IndexLayout",),
    "kb.records": ("Chunk", "DocumentLookup", "DocumentMetadata", "DocumentRecord", "PageSpan"),
    "kb.search": ("MODES", "Mode", "SearchPlan", "Searcher"),
    "kb.settings": ("Settings", "SettingsError", "load_settings"),
    "kb.vectors": ("ModelMismatch",),
}
_HOME = {name: module for module, names in _MODULES.items() for name in names}


def __getattr__(name: str) -> Any:
    module = _HOME.get(name)
    if module is None:  # also how `from kb import lexical` finds the submodule
        raise AttributeError(f"module 'kb' has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value  # the next use is a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOME])


__all__ = [  # the names of _MODULES (tests/test_layering.py checks that they agree)
    "MODES",
    "Chunk",
    "Citation",
    "Context",
    "DiskFull",
    "DocumentLookup",
    "DocumentMetadata",
    "DocumentRecord",
    "Embedder",
    "EncodedPassages",
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
