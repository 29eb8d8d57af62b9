"""Load a catalogue folder: every problem of every file, each with its file and line, never just the first.

Problems are YAML syntax, anchors/aliases (refused: they allow "billion laughs" bombs), files over
`MAX_FILE_BYTES` or nested deeper than `MAX_DEPTH` (refused before they cost time or recursion),
missing or unknown fields, unknown vocabulary terms, duplicate ids, and (with a knowledge base)
quotes that do not occur in the indexed text of their document and page. A quote whose document is
not indexed is a warning: unverified, not wrong.

Each file is parsed once, by one loader whose event stream is checked as it is read: the first
alias or anchor, or the first collection opened deeper than `MAX_DEPTH`, ends the parse with a
problem at its line. A 40 kB file of 20,000 nested `[` used to run PyYAML's recursive composer into
a RecursionError after 47 s; it now stops at the 21st `[` in about 0.3 s (PyYAML's scanner still
looks up to 1,024 characters ahead for a possible key).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import ValidationError

from catalogue.schema import ExternalSource, Intervention, KbSource
from kb import DocumentLookup, PageSpan

Severity = Literal["error", "warning"]
SUFFIXES = (".yaml", ".yml")  # compared case-insensitively: RECORD.YAML is a record too
# A record is a few kB (the largest shipped one is 7.4 kB); a bigger file is refused unread, which
# also bounds PyYAML's pure-Python parse (a 64 kB flat list parses in about 0.4 s).
MAX_FILE_BYTES = 64_000
# Shipped records nest at most 4 levels (outcomes -> entry -> sources -> id); 20 leaves room and
# keeps the composer's recursion shallow.
MAX_DEPTH = 20
MAX_EXTERNAL_QUOTE = 300  # characters: the sentence that carries the claim, checkable in seconds


@dataclass(frozen=True)
class Problem:
    path: Path
    line: int | None
    field: str
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        what = f"{self.field}: " if self.field else ""
        return f"{where}: {self.severity}: {what}{self.message}"


@dataclass(frozen=True)
class Record:
    """A valid intervention and where it came from (file, and the line of each field)."""

    intervention: Intervention
    path: Path
    lines: dict[str, int] = field(default_factory=dict)  # dotted field path -> 1-based line

    def line(self, dotted: str) -> int | None:
        while dotted:
            if dotted in self.lines:
                return self.lines[dotted]
            dotted = dotted.rpartition(".")[0]
        return self.lines.get("")


@dataclass
class LoadResult:
    records: list[Record]
    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]


def load_folder(folder: Path) -> LoadResult:
    """Every record in the folder's YAML files; invalid files become problems, the rest load."""
    if not folder.is_dir():
        return LoadResult([], [Problem(folder, None, "", "no such catalogue folder")])
    records: list[Record] = []
    problems: list[Problem] = []
    for path in catalogue_files(folder):
        record, found = load_file(path)
        problems += found
        if record is not None:
            records.append(record)
    unique, duplicates = _without_duplicates(records)
    return LoadResult(unique, problems + duplicates)


def catalogue_files(folder: Path) -> list[Path]:
    """The folder's record files (`.yaml`/`.yml` in any case, subfolders included), sorted."""
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in SUFFIXES and p.is_file())


def _without_duplicates(records: list[Record]) -> tuple[list[Record], list[Problem]]:
    """Records whose id no other record claims, and an error on each file that shares an id.

    Which of two records with one id is meant cannot be known from the files, and letting the file
    that sorts first win made the choice silently (renaming a file changed what the app showed). One
    rule decides instead: the id is the file name (README, "Adding a record"), so the record in the
    file named after the id keeps it, and every other claimant is an error naming that file (the
    common case: a record copied as a template and not yet renamed inside). When no file is named
    after the id, none of them loads and each error names the others.
    """
    by_id: dict[str, list[Record]] = {}
    for record in records:
        by_id.setdefault(record.intervention.id, []).append(record)
    kept: set[int] = set()
    problems: list[Problem] = []
    for record_id, claimants in by_id.items():
        if len(claimants) == 1:
            kept.add(id(claimants[0]))
            continue
        owners = [r for r in claimants if r.path.stem == record_id]
        owner = owners[0] if len(owners) == 1 else None
        if owner is not None:
            kept.add(id(owner))
        for record in claimants:
            if record is owner:
                continue
            if owner is not None:
                message = (
                    f"duplicate id {record_id!r}: {owner.path} is named after it and keeps it; "
                    "give this record its own id"
                )
            else:
                others = ", ".join(str(r.path) for r in claimants if r is not record)
                message = f"duplicate id {record_id!r}, also in {others}; none of them is loaded until the id is unique"
            problems.append(Problem(record.path, record.line("id"), "id", message))
    return [r for r in records if id(r) in kept], problems


def load_file(path: Path) -> tuple[Record | None, list[Problem]]:
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            limit = MAX_FILE_BYTES // 1000
            message = f"file is {size / 1000:.0f} kB, over the {limit} kB limit for a record; is it a record?"
            return None, [Problem(path, None, "", message)]
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(path, None, "", f"cannot read the file ({exc})")]
    try:
        root, data = _parse(text)
    except _Refused as exc:
        return None, [Problem(path, exc.line, "", exc.message)]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        return None, [Problem(path, line, "", f"YAML syntax: {exc.problem or exc}")]
    except yaml.YAMLError as exc:
        return None, [Problem(path, None, "", f"YAML syntax: {exc}")]
    if not isinstance(data, dict) or root is None:
        return None, [Problem(path, 1, "", "a record must be a YAML mapping of fields (id: …, name: …)")]
    lines = _lines(root)
    try:
        intervention = Intervention.model_validate(data)
    except ValidationError as exc:
        return None, [_problem(path, lines, error) for error in exc.errors()]
    problems = []
    for number, source in enumerate(intervention.sources):
        quote = getattr(source, "quote", None)
        if isinstance(source, ExternalSource) and quote and len(quote) > MAX_EXTERNAL_QUOTE:
            where = f"sources.{number}.quote"
            message = (
                f"external quote of {len(quote)} characters; keep it to the sentence that carries the claim "
                f"(≤ {MAX_EXTERNAL_QUOTE})"
            )
            problems.append(Problem(path, lines.get(where), where, message, "warning"))
    if intervention.id != path.stem:
        problems.append(
            Problem(path, lines.get("id"), "id", f"id {intervention.id!r} differs from the file name", "warning")
        )
    return Record(intervention, path, lines), problems


def verify_quotes(records: Iterable[Record], kb: DocumentLookup) -> list[Problem]:
    """Check each knowledge-base quote against the indexed text of its document (and page)."""
    problems: list[Problem] = []
    texts: dict[str, tuple[str, list[PageSpan]] | None] = {}
    for record in records:
        for number, source in enumerate(record.intervention.sources):
            if not isinstance(source, KbSource):
                continue
            where = f"sources.{number}.quote"
            if source.doc_id not in texts:
                texts[source.doc_id] = kb.document_text(source.doc_id)
            found = texts[source.doc_id]
            if found is None:
                problems.append(
                    Problem(
                        record.path,
                        record.line(f"sources.{number}.doc_id"),
                        f"sources.{number}",
                        f"unverified: document {source.doc_id!r} is not in the index (ingest it to check the quote)",
                        "warning",
                    )
                )
                continue
            message = quote_problem(source, *found)
            if message:
                problems.append(Problem(record.path, record.line(where), where, message))
    return problems


def quote_problem(source: KbSource, text: str, pages: Sequence[PageSpan]) -> str | None:
    """Why the quote is not in the document text (at its page), or None when it is."""
    if source.page is not None:
        span = next((p for p in pages if p.number == source.page), None)
        if span is None:
            have = f"pages 1–{len(pages)}" if pages else "no pages (give no page for this format)"
            return f"document {source.doc_id!r} has no page {source.page}; it has {have}"
        text = text[span.start : span.end]
    if normalise(source.quote) in normalise(text):
        return None
    place = f"page {source.page} of " if source.page is not None else ""
    return f"quote not found in {place}document {source.doc_id!r}: {source.quote[:80]!r}"


def normalise(text: str) -> str:
    """Whitespace folded, typographic quotes and dashes made plain, Markdown escapes dropped."""
    text = text.replace("\\", "").translate(_PLAIN)
    return re.sub(r"\s+", " ", text).strip()


_FIELD_PREFIX = re.compile(r"^([a-z_]+(?:\.[a-z_0-9]+)*): (.+)$", re.DOTALL)
_PLAIN = str.maketrans({"”": '"', "“": '"', "’": "'", "‘": "'", "–": "-", "—": "-", "\u00ad": None, "\u00a0": " "})


class _Refused(Exception):
    """A file refused while it is parsed (an alias, or nesting deeper than MAX_DEPTH)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


class _GuardedLoader(yaml.SafeLoader):
    """PyYAML's safe loader, checking each parser event before the composer sees it."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self._depth = 0

    def get_event(self) -> yaml.Event:
        event: yaml.Event = super().get_event()  # type: ignore[no-untyped-call]  # unannotated in types-PyYAML
        line = event.start_mark.line + 1 if event.start_mark else 1
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise _Refused(line, "YAML anchors and aliases (&name, *name) are not allowed")
        if isinstance(event, yaml.CollectionStartEvent):
            self._depth += 1
            if self._depth > MAX_DEPTH:
                raise _Refused(line, f"YAML nested deeper than {MAX_DEPTH} levels (a record nests 4); is it a record?")
        elif isinstance(event, yaml.CollectionEndEvent):
            self._depth -= 1
        return event


def _parse(text: str) -> tuple[yaml.Node | None, Any]:
    """The document's node tree (for line numbers) and its data, from one guarded parse."""
    loader = _GuardedLoader(text)
    try:
        root = loader.get_single_node()
        return root, (loader.construct_document(root) if root is not None else None)
    finally:
        loader.dispose()


def _lines(node: yaml.Node, prefix: str = "") -> dict[str, int]:
    """Dotted field path -> 1-based line, for every mapping key and sequence item."""
    lines = {prefix: node.start_mark.line + 1}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            path = f"{prefix}.{key.value}" if prefix else str(key.value)
            lines[path] = key.start_mark.line + 1
            lines.update({k: v for k, v in _lines(value, path).items() if k != path})
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            lines.update(_lines(item, f"{prefix}.{index}" if prefix else str(index)))
    return lines


def _problem(path: Path, lines: dict[str, int], error: Any) -> Problem:
    loc = [str(part) for part in error["loc"] if part not in ("kb", "external")]
    dotted = ".".join(loc)
    message = str(error["msg"]).removeprefix("Value error, ")
    named = _FIELD_PREFIX.match(message)
    if not dotted and named:  # a whole-record rule names the field it is about: point at that line
        dotted, message = named.group(1), named.group(2)
    probe = dotted
    while probe and probe not in lines:
        probe = probe.rpartition(".")[0]
    line = lines.get(probe, lines.get(""))
    if error["type"] == "missing":
        message = "required field is missing"
    elif error["type"] == "extra_forbidden":
        message = "unknown field (see the catalogue format in the README)"
    elif error["type"] == "literal_error":
        message = f"{message}, got {error.get('input')!r}"
    return Problem(path, line, dotted, message)
