"""Reference strings for an intervention's sources, in the same Swedish style as knowledge-base citations."""

from __future__ import annotations

from catalogue.schema import ExternalSource, KbSource
from kb import DocumentLookup
from kb.citations import reference


def source_reference(source: KbSource | ExternalSource, kb: DocumentLookup | None = None) -> str:
    """`Organisation (år). *Titel*. s. N.` for indexed documents; for publications
    `Författare (år). *Titel*. Tidskrift. https://doi.org/…` (the URL when there is no DOI; `u.å.` without a year)."""
    if isinstance(source, ExternalSource):
        who = source.authors or source.publisher or source.journal or "Okänd upphovsperson"
        parts = [f"{who} ({source.year or 'u.å.'}). *{source.title.rstrip('.')}*."]
        where = source.journal or (source.publisher if source.publisher != who else None)
        if where:
            parts.append(f"{where.rstrip('.')}.")
        if source.note:
            parts.append(f"{source.note.rstrip('.')}.")
        parts.append(f"https://doi.org/{source.doi}" if source.doi else source.url)
        return " ".join(parts)
    record = kb.document(source.doc_id) if kb is not None else None
    if record is None:
        page = f" s. {source.page}." if source.page is not None else ""
        return f"Dokument {source.doc_id} (ej i indexet).{page}"
    meta = record.metadata
    text = reference(meta.organisation, meta.date, meta.title, source.page)
    return f"{text} {meta.url}" if meta.url else text
