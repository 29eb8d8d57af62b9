"""Files uploaded in the app: checked, stored under a safe name with the user's metadata as a sidecar, ingested.

Uploads never lose data:
- the metadata and the file are checked before anything is written;
- a name already in the uploads folder is only replaced, or kept beside the new file under a free name
  such as `namn (2).pdf`, as the caller chose (`plan_uploads` finds those clashes first);
- the file and its `.meta.yaml` sidecar are each written to a temporary file and moved into place, so
  neither is ever half written, and a new name never overwrites a file that appeared meanwhile;
- when the new file cannot be ingested, or its ingest is stopped (cancelled, or the app's page stopped
  while it ran), the previous file and sidecar are put back byte for byte (or the new ones removed)
  and the index keeps the previous document;
- an upload waits for another one (or a `vkb ingest`) writing to the index, up to `wait` seconds, and
  is refused before anything is written when the index's disk is too full (`min_free_mb`).
Every message is Swedish, says what to do and names no server path; the details go to the log.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import secrets
import unicodedata
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlsplit

import yaml

from ingest.errors import IngestCancelled
from ingest.metadata import SIDECAR_SUFFIX
from ingest.pipeline import FileOutcome, ProgressCallback, ingest_paths
from ingest.readers import READERS
from ingest.upload_messages import ASK_ADMIN, DISK_FULL, KINDS, explain_failure, explain_warning
from kb.diskspace import DiskFull, IndexWriteError, ensure_free_space
from kb.errors import InputError
from kb.knowledge_base import IndexBusy, KnowledgeBase
from kb.layout import IndexLayout
from kb.records import FailureRecord
from kb.settings import Settings
from kb.vocabulary import DOC_TYPES, STAKEHOLDERS

log = logging.getLogger("vkb.uploads")

Choice = Literal["replace", "keep_both"]
UPLOAD_TYPES: tuple[str, ...] = tuple(sorted(suffix.lstrip(".") for suffix in READERS))
FORM_FIELDS = ("title", "organisation", "date", "doc_type", "stakeholder", "url")
MAX_NAME_BYTES = 150  # room left for " (NNN)", the sidecar suffix and the file system's 255-byte limit
MAX_URL_CHARS = 2000
_UNSAFE = re.compile(r"[^\w.\- ]+")
_NUMBERED = re.compile(r"^(.*) \((\d+)\)$")
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_URL = re.compile(r"^[\w\-.~:/?#@!$&*+,;=%]+$")  # no spaces, quotes, brackets or parentheses: no markup
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


class UploadError(InputError, ValueError):
    """An upload that cannot be stored as given. `str()` is a Swedish message for the user, without paths."""


class UploadClash(UploadError):
    """The name is taken and the caller did not say whether to replace the file or keep both."""


@dataclass(frozen=True)
class Upload:
    """A file as the browser sent it: its name there and its bytes."""

    filename: str
    data: bytes = field(repr=False)


@dataclass(frozen=True)
class PlannedUpload:
    """An upload that passed the checks, with its safe name and whether that name is already taken."""

    upload: Upload
    name: str
    clash: bool


@dataclass(frozen=True)
class UploadResult:
    """What became of one upload: a Swedish message and, for a stored file, the name it has now."""

    name: str
    ok: bool
    message: str
    warnings: tuple[str, ...] = ()
    stored_as: str | None = None


@dataclass(frozen=True)
class Plan:
    """A checked batch: the files to store (clashing names need a choice) and the ones refused outright."""

    files: tuple[PlannedUpload, ...]
    refused: tuple[UploadResult, ...]
    metadata: Mapping[str, str]

    @property
    def clashes(self) -> tuple[PlannedUpload, ...]:
        return tuple(item for item in self.files if item.clash)


@dataclass(frozen=True)
class Saved:
    """A stored upload and what its file and sidecar held before (None: they did not exist)."""

    path: Path
    previous: bytes | None = field(default=None, repr=False)
    previous_sidecar: bytes | None = field(default=None, repr=False)

    @property
    def replaced(self) -> bool:
        return self.previous is not None

    def restore(self) -> None:
        """Put the previous file and sidecar back byte for byte, or remove the new ones."""
        _put(self.path, self.previous)
        _put(sidecar_path(self.path), self.previous_sidecar)


# --- names -------------------------------------------------------------------------------------------
def uploads_folder(settings: Settings) -> Path:
    """Where the app stores uploaded files: INDEX/uploads."""
    return IndexLayout.at(settings.index).uploads


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.name + SIDECAR_SUFFIX)


def safe_name(filename: str) -> str:
    """The file name without folders, `..`, control or unusual characters; the suffix must be supported."""
    name = unicodedata.normalize("NFC", filename.replace("\\", "/").rsplit("/", 1)[-1])
    name = _UNSAFE.sub("_", name).strip(" .")
    name = re.sub(r"\.{2,}", ".", name)
    if not name or name.startswith("."):
        raise UploadError(
            "Filnamnet går inte att använda. Byt namn på filen (använd bokstäver, siffror, mellanslag, - och _) "
            "och ladda upp den igen."
        )
    suffix = Path(name).suffix
    if suffix.lower() not in READERS:
        raise UploadError(
            f"”{_fit(name, '')}” är en filtyp som vkb inte läser. Spara filen som {KINDS} "
            f"({', '.join('.' + s for s in UPLOAD_TYPES)}) och ladda upp den igen."
        )
    return _fit(name[: -len(suffix)], suffix)


def _fit(stem: str, ending: str) -> str:
    """`stem + ending`, the stem shortened so the whole name fits in MAX_NAME_BYTES of UTF-8."""
    room = MAX_NAME_BYTES - len(ending.encode())
    short = stem.encode()[:room].decode("utf-8", "ignore").rstrip(" .")
    return (short or "fil") + ending


def existing_upload(folder: Path, filename: str) -> str | None:
    """The safe name of `filename` when a file of that name is already in `folder`, else None."""
    name = safe_name(filename)
    return name if os.path.lexists(folder / name) else None


def free_name(folder: Path, name: str, taken: Collection[str] = ()) -> str:
    """`name` if free, else `namn (2).pdf`, `namn (3).pdf` …: the first with no file or sidecar in `folder`.

    Names in `taken` count as used too. A name that already ends in ` (n)` counts on from n.
    """
    stem, suffix = Path(name).stem, Path(name).suffix
    match = _NUMBERED.match(stem)
    base, number = (match.group(1), int(match.group(2))) if match else (stem, 1)
    candidate = name
    while candidate in taken or _occupied(folder, candidate):
        number += 1
        candidate = _fit(base, f" ({number}){suffix}")
    return candidate


def _occupied(folder: Path, name: str) -> bool:
    return os.path.lexists(folder / name) or os.path.lexists(folder / (name + SIDECAR_SUFFIX))


# --- checks ------------------------------------------------------------------------------------------
def check_metadata(metadata: Mapping[str, Any]) -> list[str]:
    """What is wrong with the form's metadata: Swedish sentences that say what to do (empty: all is well)."""
    values = _stripped(metadata)
    problems = []
    unknown = sorted(set(values) - set(FORM_FIELDS))
    if unknown:
        problems.append(f"Okända uppgifter ({', '.join(unknown)}); använd formulärets fält.")
    if values.get("date") and not _valid_date(values["date"]):
        problems.append(
            "Datumet går inte att läsa. Skriv det som ÅÅÅÅ, ÅÅÅÅ-MM eller ÅÅÅÅ-MM-DD, till exempel 2025-02-14, "
            "eller lämna fältet tomt."
        )
    if values.get("url") and not _valid_url(values["url"]):
        problems.append(
            "Webbadressen går inte att använda. Skriv en fullständig adress som börjar med http:// eller https://, "
            "utan mellanslag, citattecken, parenteser eller hakparenteser (skriv dem som %20, %28, %29, %5B, %5D), "
            "eller lämna fältet tomt."
        )
    if values.get("doc_type") and values["doc_type"] not in DOC_TYPES:
        problems.append("Välj en dokumenttyp i listan.")
    if values.get("stakeholder") and values["stakeholder"] not in STAKEHOLDERS:
        problems.append("Välj en aktörskategori i listan.")
    return problems


def clean_metadata(metadata: Mapping[str, Any]) -> dict[str, str]:
    """The metadata trimmed and without empty fields; UploadError (Swedish) when any value is bad."""
    problems = check_metadata(metadata)
    if problems:
        raise UploadError(" ".join(problems))
    return {key: value for key, value in _stripped(metadata).items() if value}


def _stripped(metadata: Mapping[str, Any]) -> dict[str, str]:
    return {key: str(value).strip() for key, value in metadata.items() if value is not None}


def _valid_date(value: str) -> bool:
    match = _DATE.match(value)
    if not match:
        return False
    year, month, day = (int(part) if part else 1 for part in match.groups())
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


def _valid_url(value: str) -> bool:
    """An absolute http(s) address with a host and nothing that could turn into markup or a second link."""
    if len(value) > MAX_URL_CHARS or not _URL.match(value) or _BAD_ESCAPE.search(value):
        return False
    try:
        parts = urlsplit(value)
        host = parts.hostname
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(host)


def check_upload(filename: str, data: bytes, max_mb: float) -> str:
    """The file's safe name; UploadError (Swedish) for an unusable name or type, an empty or too large file."""
    name = safe_name(filename)
    if not data:
        raise UploadError(f"”{name}” är tom (0 byte). Välj en fil med innehåll.")
    if len(data) > max_mb * 1_000_000:
        raise UploadError(
            f"”{name}” är större än gränsen på {_mb(max_mb)} MB per fil. Dela upp eller komprimera filen, "
            "eller be den som sköter vkb att höja inställningen max_file_mb."
        )
    return name


def _mb(value: float) -> str:
    return f"{value:g}".replace(".", ",")


def plan_uploads(folder: Path, uploads: Sequence[Upload], metadata: Mapping[str, Any], max_mb: float) -> Plan:
    """Check a batch before anything is written: refuse what cannot be stored, mark names already taken.

    A name is taken when the uploads folder has it or an earlier file of the batch has the same name.
    Raises UploadError when the metadata is bad (nothing of the batch can be stored then).
    """
    clean = clean_metadata(metadata)
    files: list[PlannedUpload] = []
    refused: list[UploadResult] = []
    for upload in uploads:
        try:
            name = check_upload(upload.filename, upload.data, max_mb)
        except UploadError as exc:
            refused.append(UploadResult(_shown(upload.filename), False, str(exc)))
            continue
        clash = any(item.name == name for item in files) or existing_upload(folder, name) is not None
        files.append(PlannedUpload(upload, name, clash))
    return Plan(tuple(files), tuple(refused), clean)


def _shown(filename: str) -> str:
    """A name for messages about a file whose name may not be usable."""
    return _fit(_UNSAFE.sub("_", filename.replace("\\", "/").rsplit("/", 1)[-1]).strip(" ."), "")


# --- storing -----------------------------------------------------------------------------------------
def save_upload(
    folder: Path,
    filename: str,
    data: bytes,
    metadata: Mapping[str, Any],
    max_mb: float,
    on_clash: Choice | None = None,
) -> Saved:
    """Store the file and its `.meta.yaml` sidecar in `folder`, atomically, after checking both.

    A name already in `folder` needs `on_clash`: "replace" the file (and its sidecar), or "keep_both"
    (the new file gets a free name). Without it the upload is refused with UploadClash.
    """
    clean = clean_metadata(metadata)
    name = check_upload(filename, data, max_mb)
    sidecar = yaml.safe_dump(clean, allow_unicode=True, sort_keys=False).encode() if clean else None
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if on_clash == "replace":
            return _replace(folder / name, data, sidecar)
        return _add_new(folder, name, data, sidecar, keep_both=on_clash == "keep_both")
    except OSError as exc:
        log.exception("could not store the upload %s in %s", name, folder)
        raise UploadError(f"”{name}” kunde inte sparas på servern. Försök igen om en stund; {ASK_ADMIN}.") from exc


def _replace(path: Path, data: bytes, sidecar: bytes | None) -> Saved:
    saved = Saved(path, _read(path), _read(sidecar_path(path)))
    try:
        _write(path, data)
        _put(sidecar_path(path), sidecar)
    except OSError:
        saved.restore()
        raise
    return saved


def _add_new(folder: Path, name: str, data: bytes, sidecar: bytes | None, *, keep_both: bool) -> Saved:
    for _ in range(100):
        path = folder / (free_name(folder, name) if keep_both else name)
        previous_sidecar = _read(sidecar_path(path))  # a sidecar left without its file
        try:
            _write(path, data, exclusive=True)
        except FileExistsError:
            if keep_both:
                continue  # another upload took the name meanwhile: pick the next
            raise UploadClash(
                f"”{name}” finns redan bland de uppladdade filerna. Ladda upp den igen och välj om den ska "
                "ersätta den befintliga filen eller sparas bredvid under ett nytt namn."
            ) from None
        saved = Saved(path, None, previous_sidecar)
        try:
            _put(sidecar_path(path), sidecar)
        except OSError:
            saved.restore()
            raise
        return saved
    raise OSError(f"no free name for {name} in {folder}")


def _read(path: Path) -> bytes | None:
    return path.read_bytes() if path.is_file() else None


def _put(path: Path, data: bytes | None) -> None:
    """Make `path` hold exactly `data` (atomically), or not exist when `data` is None."""
    if data is None:
        path.unlink(missing_ok=True)
    else:
        _write(path, data)


def _write(path: Path, data: bytes, *, exclusive: bool = False) -> None:
    """Write `data` to a hidden temporary file and move it into place: `path` is never half written.

    `exclusive`: raise FileExistsError rather than replace a file that is already there.
    """
    temp = path.with_name(f".upload-{secrets.token_hex(8)}.tmp")  # hidden: folder ingests skip it
    try:
        with temp.open("xb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if exclusive:
            _link(temp, path)
        else:
            os.replace(temp, path)
    finally:
        temp.unlink(missing_ok=True)


def _link(temp: Path, path: Path) -> None:
    try:
        os.link(temp, path)  # atomic, and fails when the name is taken
    except FileExistsError:
        raise
    except OSError:  # a file system without hard links
        if os.path.lexists(path):
            raise FileExistsError(path) from None
        os.replace(temp, path)


# --- storing and ingesting -----------------------------------------------------------------------------
def add_upload(
    kb: KnowledgeBase,
    folder: Path,
    upload: Upload,
    metadata: Mapping[str, Any],
    max_mb: float,
    on_clash: Choice | None = None,
    on_progress: ProgressCallback | None = None,
    *,
    wait: float = 0,
    on_wait: Callable[[], None] | None = None,
) -> UploadResult:
    """Store one upload and ingest it; on any failure put everything back as it was and say so.

    `on_progress` hears how the ingest goes (see `ingest_paths`); when the ingest is stopped (it raises
    `IngestCancelled`, or anything else ends it early) the upload is undone and the exception goes on.
    Another upload or ingest writing to the index is waited for up to `wait` seconds (`on_wait` is
    called once when the upload has to wait)."""
    try:
        ensure_free_space(folder, kb.settings.min_free_mb, len(upload.data))
    except DiskFull:
        log.warning("the upload %s is refused: the index's disk is too full", upload.filename, exc_info=True)
        return UploadResult(_shown(upload.filename), False, f"”{_shown(upload.filename)}” sparades inte. {DISK_FULL}")
    try:
        saved = save_upload(folder, upload.filename, upload.data, metadata, max_mb, on_clash)
    except UploadError as exc:
        return UploadResult(_shown(upload.filename), False, str(exc))
    key = str(saved.path.resolve())
    failure_before = next((f for f in kb.failures() if f.abs_path == key), None)
    name = safe_name(upload.filename)
    try:
        outcome = _ingest(kb, saved.path, on_progress, wait, on_wait)
    except BaseException:  # stopped midway (IngestCancelled, a stopped page, Ctrl-C): nothing stays behind
        _undo(kb, name, saved, "the ingest was stopped before it finished", failure_before)
        raise
    if outcome.status == "failed":
        return _undo(kb, name, saved, outcome.reason or "", failure_before)
    return _success(name, saved, outcome)


def _ingest(
    kb: KnowledgeBase,
    path: Path,
    on_progress: ProgressCallback | None = None,
    wait: float = 0,
    on_wait: Callable[[], None] | None = None,
) -> FileOutcome:
    """Ingest one file; every failure, the index being busy included, comes back as a failed outcome."""
    try:
        report = ingest_paths([path], kb, on_progress=on_progress, wait=wait, on_wait=on_wait)
    except IngestCancelled:
        raise
    except (IndexBusy, IndexWriteError) as exc:  # the upload is undone, not lost; the index is as it was
        log.warning("ingesting the upload %s stopped: %s", path, exc)
        return FileOutcome(str(path), "failed", reason=str(exc))
    except Exception as exc:  # the index itself failing: the upload is undone, not lost
        log.exception("ingesting the upload %s failed", path)
        return FileOutcome(str(path), "failed", reason=str(exc))
    for problem in report.problems:
        log.warning("uploads folder: %s", problem)
    return next(iter(report.outcomes), FileOutcome(str(path), "failed", reason="no outcome"))


def _undo(
    kb: KnowledgeBase, name: str, saved: Saved, reason: str, failure_before: FailureRecord | None
) -> UploadResult:
    log.warning("the upload %s could not be ingested and is undone: %s", saved.path, reason)
    explained = explain_failure(reason)
    try:
        saved.restore()
    except OSError:
        log.exception("could not restore %s after a failed upload", saved.path)
        return UploadResult(
            name, False, f"”{name}” kunde inte läsas in: {explained} Den tidigare filen kunde inte återställas; "
            "kontakta den som sköter vkb."
        )  # fmt: skip
    key = str(saved.path.resolve())
    try:
        if failure_before is None:
            kb.clear_failure(key)
        else:
            kb.record_failure(failure_before.abs_path, failure_before.source_path, failure_before.reason)
    except Exception:  # a full disk: the failure list may keep a line about this file; nothing is lost
        log.exception("could not restore the failure record of %s", saved.path)
    after = "Det tidigare dokumentet och dess uppgifter finns kvar som förut." if saved.replaced else ""
    return UploadResult(name, False, f"”{name}” kunde inte läsas in: {explained} Filen sparades inte. {after}".strip())


def _success(name: str, saved: Saved, outcome: FileOutcome) -> UploadResult:
    stored = saved.path.name
    if outcome.status == "unchanged":
        text = f"”{stored}” finns redan inläst med samma innehåll och uppgifter; inget ändrades."
    elif saved.replaced:
        text = f"”{stored}” ersatte den tidigare filen med samma namn och är inläst och sökbar nu."
    elif stored != name:
        text = f"”{name}” fanns redan, så den nya filen sparades som ”{stored}”. Den är inläst och sökbar nu."
    else:
        text = f"”{stored}” är inläst och sökbar nu."
    warnings = tuple(f"”{stored}”: {explain_warning(w)}" for w in outcome.warnings)
    return UploadResult(name, True, text, warnings, stored)


# --- files left behind ---------------------------------------------------------------------------------
def stray_uploads(kb: KnowledgeBase) -> list[str]:
    """Files in the uploads folder that are neither indexed nor listed as failed: an upload the app was
    stopped in the middle of (or one being ingested right now). The page names them; nothing is silent."""
    folder = uploads_folder(kb.settings)
    if not folder.is_dir():
        return []
    known = {record.abs_path for record in kb.documents()} | {failure.abs_path for failure in kb.failures()}
    return sorted(
        path.name
        for path in folder.iterdir()
        if path.is_file()
        and not path.name.startswith(".")
        and not path.name.endswith(SIDECAR_SUFFIX)
        and str(path.resolve()) not in known
    )


def ingest_strays(
    kb: KnowledgeBase, names: Sequence[str], *, wait: float = 0, on_wait: Callable[[], None] | None = None
) -> list[UploadResult]:
    """Ingest files already in the uploads folder (see `stray_uploads`); one Swedish result per file.
    A file that cannot be ingested stays, listed among the files that failed."""
    folder = uploads_folder(kb.settings)
    paths = [folder / name for name in names if (folder / name).is_file()]
    if not paths:
        return []
    try:
        report = ingest_paths(paths, kb, wait=wait, on_wait=on_wait)
    except (IndexBusy, IndexWriteError) as exc:
        log.warning("ingesting the uploads left behind stopped: %s", exc)
        return [
            UploadResult(path.name, False, f"”{path.name}” lästes inte in: {explain_failure(str(exc))}")
            for path in paths
        ]
    results = []
    for outcome in report.outcomes:
        name = Path(outcome.path).name
        if outcome.status == "failed":
            results.append(
                UploadResult(name, False, f"”{name}” kunde inte läsas in: {explain_failure(outcome.reason or '')}")
            )
        else:
            results.append(UploadResult(name, True, f"”{name}” är inläst och sökbar nu.", stored_as=name))
    return results
