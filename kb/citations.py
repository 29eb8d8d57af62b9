"""Citations: a Swedish reference string, the exact quote and a link to the source at the page."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kb.hits import Hit


@dataclass(frozen=True)
class Citation:
    reference: str  # e.g. "Socialstyrelsen (2017). *Framtidens vårdkompetens*. s. 3."
    quote: str
    link: str | None
    doc_id: str
    page: int | None
    ocr: bool = False  # the quote was read by OCR from a scanned page


def reference(organisation: str | None, date: str | None, title: str, page: int | None) -> str:
    """Swedish reference: Organisation (år). *Titel*. s. N."""
    who = organisation or "Okänd upphovsman"
    year = date[:4] if date else "u.å."
    text = f"{who} ({year}). *{title.rstrip('.')}*."
    return f"{text} s. {page}." if page is not None else text


def source_link(url: str | None, abs_path: str | None, page: int | None) -> str | None:
    """The document's URL, or else its file, at the page for PDFs (`#page=N`)."""
    fragment = f"#page={page}" if page is not None else ""
    if url:
        return url + fragment if fragment and url.lower().split("?")[0].endswith(".pdf") else url
    if abs_path:
        return Path(abs_path).as_uri() + (fragment if abs_path.lower().endswith(".pdf") else "")
    return None


def cite(hit: Hit, *, url: str | None = None, abs_path: str | None = None, quote: str | None = None) -> Citation:
    """Cite a hit: the whole passage as the quote unless a part of it is given."""
    text = " ".join((quote if quote is not None else hit.text).split())
    if quote is not None and text not in " ".join(hit.text.split()):
        raise ValueError("the quote must be taken from the hit's own text")
    return Citation(
        reference=reference(hit.organisation, hit.date, hit.title, hit.page),
        quote=text,
        link=source_link(url, abs_path, hit.page),
        doc_id=hit.doc_id,
        page=hit.page,
        ocr=hit.ocr,
    )


@dataclass(frozen=True)
class Context:
    """A passage with the text around it: the whole page for paged documents, else `margin` characters."""

    before: str
    passage: str
    after: str
    page: int | None


def passage_context(text: str, pages: list[Any], start: int, end: int, margin: int = 700) -> Context:
    page = next((p for p in pages if p.start <= start < p.end), None)
    low, high = (page.start, page.end) if page is not None else (max(0, start - margin), min(len(text), end + margin))
    return Context(text[low:start], text[start:end], text[end:high], page.number if page is not None else None)
