"""Reference strings for an intervention's sources, in the same Swedish style as knowledge-base citations."""

from __future__ import annotations

from typing import Any

from catalogue.schema import ExternalSource, KbSource
from kb.citations import reference


def source_reference(source: KbSource | ExternalSource, kb: Any | None = None) -> str:
    """`Organisation (år). *Titel*. s. N.` for indexed documents, `Utgivare (år). *Titel*. URL` otherwise."""
    if isinstance(source, ExternalSource):
        note = f" {source.note}." if source.note else ""
        return f"{source.publisher} ({source.year}). *{source.title.rstrip('.')}*.{note} {source.url}"
    record = kb.document(source.doc_id) if kb is not None else None
    if record is None:
        page = f" s. {source.page}." if source.page is not None else ""
        return f"Dokument {source.doc_id} (ej i indexet).{page}"
    meta = record.metadata
    text = reference(meta.organisation, meta.date, meta.title, source.page)
    return f"{text} {meta.url}" if meta.url else text
