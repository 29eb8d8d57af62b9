"""`ingest_paths`: files and folders in, documents in the knowledge base out, incrementally and safely.

Per file: hash it with its explicit metadata and the pipeline's settings (the fingerprint); skip it
if the index already holds that fingerprint; otherwise read, resolve metadata, chunk, embed and
replace the document atomically. A file that fails is reported with its reason and the batch goes
on; with `prune`, documents whose files are gone from the given folders are removed.

Each file has a budget (`ingest.budget`): sizes checked while reading, time checked between pages,
paragraphs and passage batches. Passages are embedded in batches of `batch_size`, and after each
batch `on_progress` hears where the ingest is; it may raise `IngestCancelled` to stop. Whatever stops
a file (over budget, cancelled, a kill) stops it before `replace_document`, so the index keeps the
document's earlier version; the write lock is released on the way out. A failure to
write the index itself (a full disk: `kb.diskspace.DiskFull`, or `IndexWriteError`) is not the
file's fault: it stops the batch and is raised, and the index keeps its last good state.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from tqdm import tqdm

from ingest.budget import Budget
from ingest.chunking import chunk_text
from ingest.cleanup import printable
from ingest.errors import FileTooLarge, IngestCancelled, IngestError, IngestUsageError, UnsupportedFileType
from ingest.metadata import (
    MANIFEST_NAMES,
    SIDECAR_SUFFIX,
    Manifest,
    derive_doc_id,
    explicit_metadata,
    load_manifest,
    relative_path,
    resolve_metadata,
)
from ingest.readers import READERS, is_supported, read_document
from kb import EncodedPassages
from kb.diskspace import IndexWriteError
from kb.knowledge_base import KnowledgeBase
from kb.records import Chunk

Status = Literal["added", "updated", "unchanged", "failed", "removed", "skipped"]
CHARS_PER_PAGE = 1800  # a Swedish "normalsida": how text formats without pages are counted as pages
# Part of every fingerprint: a new value re-reads every file once. 2: control characters removed at
# ingest, and the source offset map (`removed`) stored.
EXTRACTION_VERSION = "2"
_CORPUS_DOCS = {"readme.md", "readme.txt", "readme", "license", "license.txt", "license.md"}


@dataclass(frozen=True)
class FileOutcome:
    path: str
    status: Status
    doc_id: str | None = None
    reason: str | None = None
    warnings: tuple[str, ...] = ()
    chunks: int = 0
    pages: float = 0.0


@dataclass
class IngestReport:
    outcomes: list[FileOutcome] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    seconds_total: float = 0.0
    seconds_embedding: float = 0.0
    recovered: int = 0
    repaired: str | None = None  # what the write session did to the vector store first, if anything

    def counts(self) -> Counter[str]:
        return Counter(o.status for o in self.outcomes)

    @property
    def ok(self) -> bool:
        return not self.problems and not any(o.status == "failed" for o in self.outcomes)

    @property
    def chunks(self) -> int:
        return sum(o.chunks for o in self.outcomes if o.status in ("added", "updated"))

    @property
    def pages(self) -> float:
        return sum(o.pages for o in self.outcomes if o.status in ("added", "updated"))


@dataclass(frozen=True)
class IngestProgress:
    """Where a running ingest is: file `number` of `files`, and in it `embedded` of its `chunks` passages
    (`chunks` is 0 while the file is still being read and chunked)."""

    path: str
    number: int
    files: int
    embedded: int = 0
    chunks: int = 0

    @property
    def fraction(self) -> float:
        """The share of the whole batch done, 0-1 (files done, plus the part of this file embedded)."""
        within = self.embedded / self.chunks if self.chunks else 0.0
        return min(1.0, (self.number - 1 + within) / max(self.files, 1))


ProgressCallback = Callable[[IngestProgress], None]


@dataclass(frozen=True)
class _Candidate:
    path: Path
    root: Path
    explicit: bool  # named on the command line rather than found in a folder


def discover(paths: Iterable[Path]) -> tuple[list[_Candidate], list[FileOutcome]]:
    """Files to ingest under the given paths, and the ones skipped (unsupported, corpus README)."""
    candidates: list[_Candidate] = []
    skipped: list[FileOutcome] = []
    seen: set[Path] = set()
    for given in paths:
        if not given.exists():
            raise IngestUsageError(f"no such file or folder: {given}")
        if given.is_file():
            found = [(given.resolve(), given.resolve().parent, True)]
        else:
            root = given.resolve()
            found = [
                (p.resolve(), root, False)
                for p in sorted(root.rglob("*"))
                if p.is_file() and not _hidden(p.relative_to(root))
            ]
        for path, root, explicit in found:
            if path in seen:
                continue
            seen.add(path)
            name = path.name.lower()
            if not explicit and (name in MANIFEST_NAMES or name.endswith(SIDECAR_SUFFIX)):
                continue
            if not explicit and path.parent == root and name in _CORPUS_DOCS:
                skipped.append(FileOutcome(str(path), "skipped", reason="documentation of the corpus folder"))
                continue
            if not explicit and not is_supported(path):
                skipped.append(FileOutcome(str(path), "skipped", reason=str(UnsupportedFileType(path.suffix, READERS))))
                continue
            candidates.append(_Candidate(path, root, explicit))
    return candidates, skipped


def _hidden(relative: Path) -> bool:
    return any(part.startswith((".", "_")) or part == "__pycache__" for part in relative.parts)


def ingest_paths(
    paths: Iterable[Path | str],
    kb: KnowledgeBase,
    *,
    prune: bool = False,
    progress: bool = False,
    on_progress: ProgressCallback | None = None,
    wait: float = 0,
    on_wait: Callable[[], None] | None = None,
) -> IngestReport:
    """Ingest files and folders into `kb`. Never raises for a bad file: see the report's outcomes.

    `progress` shows a terminal progress bar; `on_progress` is called as each file starts and after each
    batch of passages is embedded, and may raise `IngestCancelled` to stop between batches (the file
    being ingested is left as it was and the exception propagates). Raises IndexBusy when another
    writer holds the index for longer than `wait` seconds (`on_wait` is called once when it has to
    wait), and IndexWriteError (DiskFull) when the index cannot be written: the batch stops there
    and the index keeps its last good state."""
    started = time.perf_counter()
    given = [Path(p).expanduser() for p in paths]
    candidates, skipped = discover(given)
    report = IngestReport(outcomes=list(skipped))
    manifests: dict[Path, Manifest] = {}
    with kb.writing(wait=wait, on_wait=on_wait) as session:
        report.recovered, report.repaired = session.recovered, session.repaired
        bar = tqdm(candidates, unit="file", disable=not progress, leave=False, dynamic_ncols=True)
        for number, candidate in enumerate(bar, start=1):
            notify = _notifier(bar if progress else None, on_progress, candidate.path, number, len(candidates))
            notify(0, 0)
            if candidate.root not in manifests:
                manifests[candidate.root] = load_manifest(candidate.root)
                report.problems.extend(manifests[candidate.root].problems)
            report.outcomes.append(_ingest_one(candidate, manifests[candidate.root], kb, report, notify))
        if prune:
            report.outcomes.extend(_prune(given, candidates, kb))
        if any(o.status in ("added", "updated", "removed") for o in report.outcomes):
            kb.prepare_search()  # the first search after an ingest then finds its snapshot on disk
    report.seconds_total = time.perf_counter() - started
    return report


def _ingest_one(
    candidate: _Candidate,
    manifest: Manifest,
    kb: KnowledgeBase,
    report: IngestReport,
    notify: Callable[[int, int], None],
) -> FileOutcome:
    path, root = candidate.path, candidate.root
    rel = relative_path(path, root)
    budget = Budget.start(kb.settings)
    try:
        size_mb = path.stat().st_size / 1_000_000
        if size_mb > kb.settings.max_file_mb:
            raise FileTooLarge(size_mb, kb.settings.max_file_mb)
        if not is_supported(path):
            raise UnsupportedFileType(path.suffix, READERS)
        explicit = explicit_metadata(path, root, manifest)
        fingerprint = _fingerprint(path, [e.values for e in explicit], kb.pipeline_signature() + EXTRACTION_VERSION)
        doc_id = next((str(e.values["doc_id"]) for e in explicit if e.values.get("doc_id")), None)
        existing = kb.document(doc_id or derive_doc_id(rel))
        if existing is not None and existing.fingerprint == fingerprint:
            kb.clear_failure(str(path))
            return FileOutcome(str(path), "unchanged", doc_id=existing.doc_id, chunks=existing.chunk_count)
        extracted = read_document(path, budget, ocr=kb.settings.ocr)
        metadata = resolve_metadata(path, root, explicit, extracted.file_metadata, extracted.text)
        existing = kb.document(metadata.doc_id)
        if existing is not None and existing.abs_path != str(path) and Path(existing.abs_path).exists():
            raise IngestError(
                f"doc_id {metadata.doc_id!r} is already used by {existing.abs_path}; give this file its own "
                f"doc_id in a manifest or in {path.name}{SIDECAR_SUFFIX}"
            )
        chunks = chunk_text(
            extracted.text,
            pages=extracted.pages,
            headings=extracted.headings,
            max_tokens=kb.chunk_tokens,
            overlap_tokens=kb.settings.chunk_overlap_tokens,
            count_tokens=kb.embedder.count_tokens,
        )
        embed_started = time.perf_counter()
        encoded = _embed(kb, chunks, budget, notify)
        report.seconds_embedding += time.perf_counter() - embed_started
        kb.replace_document(
            metadata,
            extracted.content(),
            abs_path=str(path),
            fingerprint=fingerprint,
            chunks=chunks,
            embeddings=encoded.embeddings,
            terms=encoded.terms,
        )
        pages = extracted.page_count or max(1.0, len(extracted.text) / CHARS_PER_PAGE)
        return FileOutcome(
            str(path),
            "updated" if existing else "added",
            doc_id=metadata.doc_id,
            warnings=tuple(extracted.warnings),
            chunks=len(chunks),
            pages=pages,
        )
    except IngestCancelled:
        raise
    except IndexWriteError:
        raise  # the index, not the file: the batch stops
    except IngestError as exc:
        reason = str(exc)
    except OSError as exc:
        reason = f"could not read the file ({exc.strerror or exc})"
    except Exception as exc:  # a library choking on a malformed file must not stop the batch
        reason = f"unexpected error while ingesting ({exc.__class__.__name__}: {exc}); the rest of the batch goes on"
    kb.record_failure(str(path), rel, reason)
    return FileOutcome(str(path), "failed", reason=reason)


def _notifier(
    bar: tqdm | None, on_progress: ProgressCallback | None, path: Path, number: int, files: int
) -> Callable[[int, int], None]:
    """What tells the terminal bar and the caller's callback how far one file has come."""
    name = printable(path.name)[:40]

    def notify(embedded: int, chunks: int) -> None:
        if bar is not None:
            bar.set_postfix_str(f"{name} {embedded}/{chunks} passages" if chunks else name)
        if on_progress is not None:
            on_progress(IngestProgress(str(path), number, files, embedded, chunks))

    return notify


def _embed(
    kb: KnowledgeBase, chunks: Sequence[Chunk], budget: Budget, notify: Callable[[int, int], None]
) -> EncodedPassages:
    """The chunks' vectors (and latent terms), one batch at a time: the time budget is checked before
    each batch and progress reported after it."""
    size = kb.settings.batch_size
    parts = [kb.embed_chunks([])]
    notify(0, len(chunks))
    for start in range(0, len(chunks), size):
        budget.check_time()
        parts.append(kb.embed_chunks(chunks[start : start + size]))
        notify(min(start + size, len(chunks)), len(chunks))
    return EncodedPassages.join(parts, kb.embedder.dimension)


def _fingerprint(path: Path, explicit: list[dict[str, object]], signature: str) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    cleaned = [{k: v for k, v in values.items() if k != "path"} for values in explicit]
    digest.update(json.dumps(cleaned, sort_keys=True, default=str, ensure_ascii=False).encode())
    digest.update(signature.encode())
    return digest.hexdigest()


def _prune(given: list[Path], candidates: list[_Candidate], kb: KnowledgeBase) -> list[FileOutcome]:
    folders = [p.resolve() for p in given if p.is_dir()]
    present = {str(c.path) for c in candidates}
    removed = []
    for record in kb.documents():
        path = Path(record.abs_path)
        inside = any(path.is_relative_to(folder) for folder in folders)
        if inside and (str(path) not in present or not path.exists()):
            kb.delete_document(record.doc_id)
            removed.append(FileOutcome(record.abs_path, "removed", doc_id=record.doc_id))
    for failure in kb.failures():
        path = Path(failure.abs_path)
        if any(path.is_relative_to(folder) for folder in folders) and not path.exists():
            kb.clear_failure(failure.abs_path)
    return removed
