"""Shared, cached access to the library for the app's pages (no business logic here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from kb import KnowledgeBase, Settings, load_settings
from kb.vocabulary import DOC_TYPE_LABELS, STAKEHOLDER_LABELS


@st.cache_resource(show_spinner="Läser in kunskapsbasen …")
def _open(settings_json: str) -> KnowledgeBase:
    return KnowledgeBase.open(Settings.model_validate_json(settings_json))


def knowledge_base() -> KnowledgeBase:
    """The knowledge base the current settings name, opened once per process and settings."""
    return _open(load_settings().model_dump_json())


@dataclass
class Status:
    documents: int = 0
    chunks: int = 0
    failures: int = 0
    table: list[dict[str, Any]] = field(default_factory=list)
    error: str | None = None


def knowledge_base_status() -> Status:
    try:
        kb = knowledge_base()
    except Exception as exc:  # shown to the user as a clear message, not a traceback
        return Status(error=str(exc))
    records = kb.documents()
    table = [
        {
            "Titel": r.metadata.title,
            "Organisation": r.metadata.organisation or "",
            "Typ": DOC_TYPE_LABELS[r.metadata.doc_type],
            "Aktör": STAKEHOLDER_LABELS[r.metadata.stakeholder],
            "Datum": r.metadata.date or "",
            "Avsnitt": r.chunk_count,
        }
        for r in records
    ]
    return Status(
        documents=len(records), chunks=sum(r.chunk_count for r in records), failures=len(kb.failures()), table=table
    )
