"""Load a catalogue folder: every problem of every file, each with its file and line, never just the first.

Problems are YAML syntax, anchors/aliases (refused: they allow "billion laughs" bombs), missing or
unknown fields, unknown vocabulary terms, duplicate ids, and (with a knowledge base) quotes that do
not occur in the indexed text of their document and page. A quote whose document is not indexed is
a warning: unverified, not wrong.
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

Severity = Literal["error", "warning"]
SUFFIXES = (".yaml", ".yml")
MAX_FILE_BYTES = 256_000
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
    for path in sorted(p for p in folder.rglob("*") if p.suffix in SUFFIXES and p.is_file()):
        record, found = load_file(path)
        problems += found
        if record is not None:
            records.append(record)
    seen: dict[str, Record] = {}
    unique: list[Record] = []
    for record in records:
        first = seen.get(record.intervention.id)
        if first is not None:
            message = f"duplicate id {record.intervention.id!r}, also in {first.path}"
            problems.append(Problem(record.path, record.line("id"), "id", message))
            continue
        seen[record.intervention.id] = record
        unique.append(record)
    return LoadResult(unique, problems)


def load_file(path: Path) -> tuple[Record | None, list[Problem]]:
    try:
        if path.stat().st_size > MAX_FILE_BYTES:
            return None, [Problem(path, None, "", f"file is larger than {MAX_FILE_BYTES // 1000} kB; is it a record?")]
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(path, None, "", f"cannot read the file ({exc})")]
    try:
        alias = _first_alias(text)
        if alias is not None:
            return None, [Problem(path, alias, "", "YAML anchors and aliases (&name, *name) are not allowed")]
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
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


def verify_quotes(records: Iterable[Record], kb: Any) -> list[Problem]:
    """Check each knowledge-base quote against the indexed text of its document (and page)."""
    problems: list[Problem] = []
    texts: dict[str, tuple[str, Sequence[Any]] | None] = {}
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


def quote_problem(source: KbSource, text: str, pages: Sequence[Any]) -> str | None:
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


def _first_alias(text: str) -> int | None:
    for event in yaml.parse(text, Loader=yaml.SafeLoader):
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            return event.start_mark.line + 1 if event.start_mark else 1
    return None


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
