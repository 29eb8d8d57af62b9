"""Document metadata from, in order of precedence: the corpus manifest, a sidecar file, the file itself.

- `manifest.jsonl` (one JSON object per line) or `manifest.csv` in the corpus root, keyed by `path`
  relative to that root (the format of the shared evaluation corpus);
- `<file>.meta.yaml` beside a document;
- what the file says about itself (PDF/DOCX properties, HTML metadata, first heading).
A bad value is an error naming the file (and line) and the field, listing the allowed values.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from ingest.cleanup import printable, without_controls
from ingest.errors import MetadataError
from kb.records import DocumentMetadata
from kb.vocabulary import DOC_TYPES, STAKEHOLDERS

MANIFEST_NAMES = ("manifest.jsonl", "manifest.csv")
SIDECAR_SUFFIX = ".meta.yaml"
FIELDS = (
    "doc_id",
    "path",
    "title",
    "organisation",
    "author",
    "date",
    "doc_type",
    "stakeholder",
    "url",
    "language",
    "source",
)
_ALLOWED = {"doc_type": DOC_TYPES, "stakeholder": STAKEHOLDERS}


@dataclass(frozen=True)
class Entry:
    """Explicit metadata for one file and where it was written (for error messages)."""

    values: dict[str, Any]
    where: str


@dataclass
class Manifest:
    """A corpus root's manifest: entries by relative path, plus problems found reading it."""

    root: Path
    entries: dict[str, Entry] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def load_manifest(root: Path) -> Manifest:
    manifest = Manifest(root=root)
    for name in MANIFEST_NAMES:
        path = root / name
        if path.is_file():
            rows = _jsonl_rows(path, manifest) if name.endswith(".jsonl") else _csv_rows(path, manifest)
            for where, row in rows:
                _add(manifest, row, where)
    return manifest


def _jsonl_rows(path: Path, manifest: Manifest) -> list[tuple[str, dict[str, Any]]]:
    rows = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        where = f"{path} line {number}"
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            manifest.problems.append(f"{where}: not valid JSON ({exc.msg})")
            continue
        if not isinstance(row, dict):
            manifest.problems.append(f"{where}: each line must be a JSON object")
            continue
        rows.append((where, row))
    return rows


def _csv_rows(path: Path, manifest: Manifest) -> list[tuple[str, dict[str, Any]]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        return [
            (f"{path} line {reader.line_num}", {k: v for k, v in row.items() if v not in (None, "")}) for row in reader
        ]


def _add(manifest: Manifest, row: dict[str, Any], where: str) -> None:
    path = row.get("path")
    if not isinstance(path, str) or not path.strip():
        manifest.problems.append(f"{where}: missing 'path' (the file's path relative to the manifest)")
        return
    key = Path(path).as_posix()
    if key in manifest.entries:
        manifest.problems.append(f"{where}: path {key!r} already described at {manifest.entries[key].where}")
        return
    manifest.entries[key] = Entry(values=row, where=where)


def load_sidecar(path: Path) -> Entry | None:
    sidecar = path.with_name(path.name + SIDECAR_SUFFIX)
    if not sidecar.is_file():
        return None
    try:
        values = yaml.safe_load(sidecar.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}" if mark is not None else ""
        raise MetadataError(f"{sidecar}{line}", "(file)", f"not valid YAML ({getattr(exc, 'problem', exc)})") from exc
    if values is None:
        values = {}
    if not isinstance(values, dict):
        raise MetadataError(str(sidecar), "(file)", "must be a mapping of field: value")
    return Entry(values=values, where=str(sidecar))


def explicit_metadata(path: Path, root: Path, manifest: Manifest) -> list[Entry]:
    """Manifest and sidecar entries for a file, highest precedence first."""
    entries = []
    rel = relative_path(path, root)
    if rel in manifest.entries:
        entries.append(manifest.entries[rel])
    sidecar = load_sidecar(path)
    if sidecar is not None:
        entries.append(sidecar)
    for entry in entries:
        unknown = sorted(set(entry.values) - set(FIELDS))
        if unknown:
            raise MetadataError(entry.where, unknown[0], "unknown field", allowed=FIELDS)
    return entries


def relative_path(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.name


def resolve_metadata(
    path: Path, root: Path, explicit: list[Entry], file_metadata: dict[str, str], text: str
) -> DocumentMetadata:
    """Merge the sources (first wins per field), fill defaults, and validate."""
    values: dict[str, Any] = {}
    origin: dict[str, str] = {}
    for entry in explicit:
        for key, value in entry.values.items():
            if key != "path" and key not in values and value is not None:
                value = str(value) if key == "date" else value
                values[key] = _one_line(value) if isinstance(value, str) else value
                origin[key] = entry.where
    for key, value in file_metadata.items():
        if key not in values and _one_line(value):
            values[key] = _one_line(value)
            origin[key] = f"{path} (from the file itself)"
    if "date" in values and origin["date"].endswith("(from the file itself)"):
        values["date"] = _normalise_date(values["date"])
        if values["date"] is None:
            del values["date"]
    source_path = relative_path(path, root)
    values.setdefault("organisation", values.get("author"))
    values.setdefault("title", _one_line(_title_from_name(path)) or printable(path.name))
    values.setdefault("doc_id", derive_doc_id(source_path))
    values.setdefault("language", detect_language(text))
    values["source_path"] = source_path
    try:
        return DocumentMetadata.model_validate(values)
    except ValidationError as exc:
        error = exc.errors()[0]
        name = str(error["loc"][0]) if error["loc"] else "(metadata)"
        where = origin.get(name, str(path))
        raise MetadataError(where, name, _message(error, values.get(name)), allowed=_ALLOWED.get(name)) from exc


def _one_line(value: str) -> str:
    """A metadata value on one line, without control characters (a title must not fake a line)."""
    return " ".join(without_controls(value).split())


def _message(error: Any, value: Any) -> str:
    if error["type"] == "literal_error":
        return f"unknown value {value!r}"
    return f"{error['msg']} (got {value!r})"


def _normalise_date(value: str) -> str | None:
    match = re.match(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?", value.strip())
    if not match:
        return None
    return "-".join(part for part in match.groups() if part)


def _title_from_name(path: Path) -> str:
    """The file name as a title: separators as spaces, the first letter raised, the rest as written
    (str.capitalize would lower "SKR" and "Västerbotten")."""
    words = re.sub(r"[_\-]+", " ", unicodedata.normalize("NFC", path.stem)).strip()
    return words[:1].upper() + words[1:] or path.name


def slugify(value: str) -> str:
    normalised = unicodedata.normalize("NFKD", value.lower())
    ascii_only = normalised.encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_only).strip("-")


def derive_doc_id(source_path: str) -> str:
    """A readable id that stays the same as long as the file keeps its path in the corpus."""
    digest = hashlib.sha1(source_path.encode("utf-8")).hexdigest()[:8]
    stem = slugify(Path(source_path).stem)[:48].strip("-") or "doc"
    return f"{stem}-{digest}"


_SV = {"och", "att", "det", "som", "är", "för", "med", "på", "inte", "av", "till", "en", "har", "de"}
_EN = {"the", "and", "of", "to", "is", "in", "that", "for", "with", "are", "on", "not", "this", "be"}


def detect_language(text: str) -> str:
    """'sv' or 'en' by common function words (enough to tell the corpus's two languages apart)."""
    words = re.findall(r"[a-zåäö]+", text[:20000].lower())
    swedish = sum(1 for w in words if w in _SV)
    english = sum(1 for w in words if w in _EN)
    return "en" if english > swedish else "sv"
