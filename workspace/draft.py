"""The draft: quotes and interventions collected while writing the plan, with numbered references.

A draft is an ordered list of items, each with the user's note. Quotes carry their Swedish
reference; interventions carry the references of all their sources. Export numbers every distinct
reference once, in order of first use, puts the numbers in the text ([1], [2]) and ends with the
reference list, as Markdown or DOCX. A quote read by OCR from a scanned page keeps that mark into
the export, as hits and citations carry it (`OCR_MARK`). Drafts are saved as JSON under the index folder so that a page
reload in the browser finds them again.

A draft can be open in several tabs (the same `?utkast=` address) or by several people. Each saved
draft carries a version, bumped by every save under a lock; a handle remembers the version and the
items it last read or wrote (its base). A save from an older version merges instead of overwriting:
items are matched by key, an item added on either side is kept, an item removed on one side and
untouched on the other goes, and a note or the title changed on one side only takes that side's
text (when both changed it, the saving side's). The save reports what it took over, for the page to
say so.
"""

from __future__ import annotations

import copy
import io
import json
import re
import secrets
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Literal

from filelock import FileLock

from catalogue import Catalogue
from catalogue.references import source_reference
from catalogue.schema import Intervention, KbSource
from catalogue.xml_text import xml_safe
from kb import Citation, DocumentLookup, Hit
from kb.citations import reference as document_reference

Kind = Literal["quote", "intervention"]
_DRAFT_ID = re.compile(r"[0-9a-f]{16,64}")  # matched with fullmatch: "$" would let a final newline through
LOCK_TIMEOUT = 10.0  # seconds a save waits for another save of the same draft
OCR_MARK = "OCR-tolkad text: maskinläst ur en skannad sida, jämför citatet med sidan."


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
    ocr: bool = False  # a quote read by OCR from a scanned page (`Citation.ocr`); drafts from before: False


@dataclass
class Draft:
    items: list[DraftItem] = field(default_factory=list)
    title: str = "Utkast"
    version: int = 0  # the stored version this handle last read or wrote (0: never stored)
    # The draft as this handle last read or wrote it: what a merge compares both sides with.
    base: Draft | None = field(default=None, repr=False, compare=False)

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
        data = {"title": self.title, "version": self.version, "items": [asdict(i) for i in self.items]}
        return json.dumps(data, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Draft:
        data = json.loads(text)
        version = data.get("version", 0)  # drafts saved before versions existed are version 0
        items = [DraftItem(**item) for item in data.get("items", [])]
        draft = cls(items, data.get("title", "Utkast"), version if isinstance(version, int) else 0)
        draft.base = draft.snapshot()
        return draft

    def snapshot(self) -> Draft:
        """A deep copy without its own base."""
        return Draft(copy.deepcopy(self.items), self.title, self.version)

    def take(self, stored: Draft) -> Merged:
        """Merge a newer stored version into this handle (see the module docstring); what came from it."""
        merged = merge(self, stored, self.base)
        self.items, self.title = merged.draft.items, merged.draft.title
        return merged


@dataclass(frozen=True)
class Merged:
    """The result of a merge, and what the other side contributed."""

    draft: Draft
    added: int = 0  # items the other side added
    removed: int = 0  # items the other side removed
    changed: int = 0  # notes (and the title) the other side changed

    @property
    def took_anything(self) -> bool:
        return bool(self.added or self.removed or self.changed)


def merge(mine: Draft, theirs: Draft, base: Draft | None) -> Merged:
    """Three-way merge by item key: `mine` is the saving side, `theirs` the stored one, `base` what mine
    started from (None: unknown, so nothing counts as removed and every item of either side is kept).
    The order is mine, with the items only theirs added at the end, in their order."""
    before = {i.key: i for i in base.items} if base is not None else {}
    ours = {i.key: i for i in mine.items}
    other = {i.key: i for i in theirs.items}
    items: list[DraftItem] = []
    removed = changed = 0
    for item in mine.items:
        if item.key not in other and item.key in before:
            removed += 1  # it was there when mine started and the other side removed it
            continue
        old, new = before.get(item.key), other.get(item.key)
        if new is not None and old is not None and item.note == old.note and new.note != old.note:
            item = replace(item, note=new.note)  # only the other side edited the note
            changed += 1
        items.append(item)
    added = [i for i in theirs.items if i.key not in ours and i.key not in before]
    title = mine.title
    if base is not None and mine.title == base.title and theirs.title != base.title:
        title, changed = theirs.title, changed + 1
    draft = Draft(items + copy.deepcopy(added), title, max(mine.version, theirs.version))
    return Merged(draft, added=len(added), removed=removed, changed=changed)


def quote_item(hit: Hit, citation: Citation) -> DraftItem:
    """A knowledge-base passage and its citation as a draft item."""
    return DraftItem(
        kind="quote",
        key=f"{hit.doc_id}:{hit.char_start}:{hit.char_end}",
        title=hit.title,
        text=citation.quote,
        references=[citation.reference],
        link=citation.link,
        source={"doc_id": citation.doc_id, "page": citation.page},
        ocr=citation.ocr,
    )


def intervention_item(intervention: Intervention, registry: DocumentLookup | None = None) -> DraftItem:
    return DraftItem(
        kind="intervention",
        key=f"intervention:{intervention.id}",
        title=intervention.name,
        text=intervention.summary,
        references=[source_reference(s, registry) for s in intervention.sources],
        quotes=[s.quote for s in intervention.sources if isinstance(s, KbSource)],
        source={"intervention": intervention.id},
    )


def with_current_references(
    draft: Draft, kb: DocumentLookup | None = None, catalogue: Catalogue | None = None
) -> Draft:
    """The draft with each item's references resolved now, not when it was added: a document indexed
    after the item was added shows its proper reference. An item that cannot be resolved keeps its own."""
    items = []
    for item in draft.items:
        references = _resolve(item, kb, catalogue)
        items.append(replace(item, references=references) if references else item)
    return Draft(items, draft.title, draft.version)


def _resolve(item: DraftItem, kb: DocumentLookup | None, catalogue: Catalogue | None) -> list[str] | None:
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
            out += [f"*{OCR_MARK}*", ""] if item.ocr else []
        else:
            out += [f"## Insats: {item.title}", "", f"{item.text} {marks}", ""]
            out += [f"> {quote}" for quote in item.quotes] + ([""] if item.quotes else [])
        if item.note:
            out += [f"Anteckning: {item.note}", ""]
    out += ["## Referenser", ""] + [f"{n}. {r}" for r, n in numbers.items()]
    return "\n".join(out) + "\n"


def to_docx(draft: Draft) -> bytes:
    """The draft as a Word file; characters XML cannot hold (an ESC in a passage) are dropped, not fatal."""
    from docx import Document

    numbers = draft.numbering()
    document = Document()

    def heading(text: str, level: int) -> None:
        document.add_heading(xml_safe(text), level=level)

    def paragraph(text: str, style: str | None = None) -> None:
        document.add_paragraph(xml_safe(text), style=style)

    heading(draft.title, 1)
    for item in draft.items:
        marks = "".join(f"[{numbers[r]}]" for r in item.references)
        if item.kind == "quote":
            heading(f"Citat: {item.title}", 2)
            paragraph(f"”{item.text}” {marks}", style="Quote")
            if item.ocr:
                document.add_paragraph().add_run(OCR_MARK).italic = True
        else:
            heading(f"Insats: {item.title}", 2)
            paragraph(f"{item.text} {marks}")
            for quote in item.quotes:
                paragraph(f"”{quote}”", style="Quote")
        if item.note:
            paragraph(f"Anteckning: {item.note}")
    heading("Referenser", 2)
    for reference, number in numbers.items():
        paragraph(f"{number}. {reference.replace('*', '')}")
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


class DraftStore:
    """Drafts saved as JSON files in a folder, one per draft id (random hex, never a path).

    A save reads the stored version under a lock (`<id>.lock`, shared by threads and processes),
    merges when it is newer than the handle's, and writes the next version atomically.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    @staticmethod
    def new_id() -> str:
        return secrets.token_hex(12)

    @staticmethod
    def valid_id(draft_id: str) -> bool:
        return isinstance(draft_id, str) and _DRAFT_ID.fullmatch(draft_id) is not None

    def _path(self, draft_id: str) -> Path:
        if not self.valid_id(draft_id):
            raise ValueError("not a draft id")
        return self.folder / f"{draft_id}.json"

    def _read(self, path: Path) -> Draft | None:
        try:
            return Draft.from_json(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, TypeError):
            return None  # missing or unreadable: there is nothing to merge with

    def load(self, draft_id: str) -> Draft:
        """The stored draft, or an empty one (version 0, known to be empty) when there is none."""
        draft = self._read(self._path(draft_id))
        if draft is None:
            draft = Draft()
            draft.base = draft.snapshot()
        return draft

    def refresh(self, draft_id: str, draft: Draft) -> Merged | None:
        """Bring a handle up to the stored version, keeping what it has not saved; None when it was current."""
        stored = self._read(self._path(draft_id))
        if stored is None or stored.version == draft.version:
            return None
        merged = draft.take(stored)
        draft.version = stored.version
        draft.base = stored.snapshot()
        return merged

    def save(self, draft_id: str, draft: Draft) -> Merged | None:
        """Store the handle as the next version; when another handle saved since this one last read or
        wrote, merge with it first and return what was taken over (None when nothing had changed)."""
        path = self._path(draft_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        with FileLock(str(path.with_suffix(".lock")), timeout=LOCK_TIMEOUT):
            stored = self._read(path)
            merged = None
            if stored is not None and stored.version != draft.version:
                merged = draft.take(stored)
            draft.version = max(draft.version, stored.version if stored is not None else 0) + 1
            tmp = path.with_suffix(".tmp")
            tmp.write_text(draft.to_json(), encoding="utf-8")
            tmp.replace(path)
        draft.base = draft.snapshot()
        return merged
