"""The draft: quotes and interventions collected while writing the plan, with numbered references.

A draft is an ordered list of items, each with the user's note. Quotes carry their Swedish
reference; interventions carry the references of all their sources. Export numbers every distinct
reference once, in order of first use, puts the numbers in the text ([1], [2]) and ends with the
reference list, as Markdown or DOCX. Drafts are saved as JSON under the index folder so that a page
reload in the browser finds them again.
"""

from __future__ import annotations

import io
import json
import re
import secrets
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from catalogue.references import source_reference
from catalogue.schema import Intervention, KbSource
from kb.citations import reference as document_reference

Kind = Literal["quote", "intervention"]
_DRAFT_ID = re.compile(r"^[0-9a-f]{16,64}$")


@dataclass
class DraftItem:
    kind: Kind
    key: str  # unique within the draft: the passage or the intervention
    title: str
    text: str  # the quote, or the intervention's summary
    references: list[str]
    link: str | None = None
    note: str = ""
    quotes: list[str] = field(default_factory=list)  # an intervention's verified quotes
    # What the references are resolved from at export time: {"doc_id", "page"} for a quote,
    # {"intervention"} for an intervention. Drafts saved before this field existed keep their references.
    source: dict[str, Any] | None = None


@dataclass
class Draft:
    items: list[DraftItem] = field(default_factory=list)
    title: str = "Utkast"

    def add(self, item: DraftItem) -> bool:
        """Add an item unless it is already there; True when added."""
        if any(existing.key == item.key for existing in self.items):
            return False
        self.items.append(item)
        return True

    def remove(self, key: str) -> None:
        self.items = [i for i in self.items if i.key != key]

    def move(self, key: str, offset: int) -> None:
        """Move an item up (-1) or down (+1), staying within the list."""
        index = next((n for n, i in enumerate(self.items) if i.key == key), None)
        if index is None:
            return
        target = max(0, min(len(self.items) - 1, index + offset))
        self.items.insert(target, self.items.pop(index))

    def set_note(self, key: str, note: str) -> None:
        for item in self.items:
            if item.key == key:
                item.note = note

    def numbering(self) -> dict[str, int]:
        """Reference -> number, in order of first use."""
        numbers: dict[str, int] = {}
        for item in self.items:
            for reference in item.references:
                numbers.setdefault(reference, len(numbers) + 1)
        return numbers

    def to_json(self) -> str:
        return json.dumps({"title": self.title, "items": [asdict(i) for i in self.items]}, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Draft:
        data = json.loads(text)
        return cls([DraftItem(**item) for item in data.get("items", [])], data.get("title", "Utkast"))


def quote_item(hit: Any, citation: Any) -> DraftItem:
    """A knowledge-base passage (a `kb.Hit` and its `kb.Citation`) as a draft item."""
    return DraftItem(
        kind="quote",
        key=f"{hit.doc_id}:{hit.char_start}:{hit.char_end}",
        title=hit.title,
        text=citation.quote,
        references=[citation.reference],
        link=citation.link,
        source={"doc_id": citation.doc_id, "page": citation.page},
    )


def intervention_item(intervention: Intervention, registry: Any | None = None) -> DraftItem:
    return DraftItem(
        kind="intervention",
        key=f"intervention:{intervention.id}",
        title=intervention.name,
        text=intervention.summary,
        references=[source_reference(s, registry) for s in intervention.sources],
        quotes=[s.quote for s in intervention.sources if isinstance(s, KbSource)],
        source={"intervention": intervention.id},
    )


def with_current_references(draft: Draft, kb: Any | None = None, catalogue: Any | None = None) -> Draft:
    """The draft with each item's references resolved now, not when it was added: a document indexed
    after the item was added shows its proper reference. An item that cannot be resolved keeps its own."""
    items = []
    for item in draft.items:
        references = _resolve(item, kb, catalogue)
        items.append(replace(item, references=references) if references else item)
    return Draft(items, draft.title)


def _resolve(item: DraftItem, kb: Any | None, catalogue: Any | None) -> list[str] | None:
    source = item.source or {}
    if "doc_id" in source and kb is not None:
        record = kb.document(source["doc_id"])
        if record is not None:
            meta = record.metadata
            return [document_reference(meta.organisation, meta.date, meta.title, source.get("page"))]
    if "intervention" in source and catalogue is not None:
        try:
            intervention = catalogue.get(source["intervention"])
        except KeyError:
            return None
        return [source_reference(s, kb) for s in intervention.sources]
    return None


def to_markdown(draft: Draft) -> str:
    numbers = draft.numbering()
    out = [f"# {draft.title}", ""]
    for item in draft.items:
        marks = "".join(f"[{numbers[r]}]" for r in item.references)
        if item.kind == "quote":  # a heading of its own, so it never lands under the previous intervention
            out += [f"## Citat: {item.title}", "", f"> {item.text} {marks}", ""]
        else:
            out += [f"## Insats: {item.title}", "", f"{item.text} {marks}", ""]
            out += [f"> {quote}" for quote in item.quotes] + ([""] if item.quotes else [])
        if item.note:
            out += [f"Anteckning: {item.note}", ""]
    out += ["## Referenser", ""] + [f"{n}. {r}" for r, n in numbers.items()]
    return "\n".join(out) + "\n"


def to_docx(draft: Draft) -> bytes:
    from docx import Document

    numbers = draft.numbering()
    document = Document()
    document.add_heading(draft.title, level=1)
    for item in draft.items:
        marks = "".join(f"[{numbers[r]}]" for r in item.references)
        if item.kind == "quote":
            document.add_heading(f"Citat: {item.title}", level=2)
            document.add_paragraph(f"”{item.text}” {marks}", style="Quote")
        else:
            document.add_heading(f"Insats: {item.title}", level=2)
            document.add_paragraph(f"{item.text} {marks}")
            for quote in item.quotes:
                document.add_paragraph(f"”{quote}”", style="Quote")
        if item.note:
            document.add_paragraph(f"Anteckning: {item.note}")
    document.add_heading("Referenser", level=2)
    for reference, number in numbers.items():
        document.add_paragraph(f"{number}. {reference.replace('*', '')}")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


class DraftStore:
    """Drafts saved as JSON files in a folder, one per draft id (random hex, never a path)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @staticmethod
    def new_id() -> str:
        return secrets.token_hex(12)

    @staticmethod
    def valid_id(draft_id: str) -> bool:
        return bool(_DRAFT_ID.match(draft_id))

    def _path(self, draft_id: str) -> Path:
        if not self.valid_id(draft_id):
            raise ValueError("not a draft id")
        return self.folder / f"{draft_id}.json"

    def load(self, draft_id: str) -> Draft:
        try:
            return Draft.from_json(self._path(draft_id).read_text(encoding="utf-8"))
        except (OSError, ValueError, TypeError):
            return Draft()

    def save(self, draft_id: str, draft: Draft) -> None:
        path = self._path(draft_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(draft.to_json(), encoding="utf-8")
        tmp.replace(path)
