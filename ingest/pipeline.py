"""`ingest_paths`: files and folders in, documents in the knowledge base out, incrementally and safely.

Per file: hash it with its explicit metadata and the pipeline's settings (the fingerprint); skip it
if the index already holds that fingerprint; otherwise read, resolve metadata, chunk, embed and
replace the document atomically. A file that fails is reported with its reason and the batch goes
on; with `prune`, documents whose files are gone from the given folders are removed.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from tqdm import tqdm

from ingest.chunking import chunk_text
from ingest.errors import FileTooLarge, IngestError, IngestUsageError, UnsupportedFileType
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
from kb.knowledge_base import KnowledgeBase

Status = Literal["added", "updated", "unchanged", "failed", "removed", "skipped"]
CHARS_PER_PAGE = 1800  # a Swedish "normalsida": how text formats without pages are counted as pages
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
    paths: Iterable[Path | str], kb: KnowledgeBase, *, prune: bool = False, progress: bool = False
) -> IngestReport:
    """Ingest files and folders into `kb`. Never raises for a bad file: see the report's outcomes."""
    started = time.perf_counter()
    given = [Path(p).expanduser() for p in paths]
    candidates, skipped = discover(given)
    report = IngestReport(outcomes=list(skipped))
    manifests: dict[Path, Manifest] = {}
    lock = kb.writer_lock(timeout=0)
    try:
        report.recovered = kb.recover()
        bar = tqdm(candidates, unit="file", disable=not progress, leave=False, dynamic_ncols=True)
        for candidate in bar:
            bar.set_postfix_str(candidate.path.name[:40], refresh=False)
            if candidate.root not in manifests:
                manifests[candidate.root] = load_manifest(candidate.root)
                report.problems.extend(manifests[candidate.root].problems)
            report.outcomes.append(_ingest_one(candidate, manifests[candidate.root], kb, report))
        if prune:
            report.outcomes.extend(_prune(given, candidates, kb))
    finally:
        lock.release()
    report.seconds_total = time.perf_counter() - started
    return report


def _ingest_one(candidate: _Candidate, manifest: Manifest, kb: KnowledgeBase, report: IngestReport) -> FileOutcome:
    path, root = candidate.path, candidate.root
    rel = relative_path(path, root)
    try:
        size_mb = path.stat().st_size / 1_000_000
        if size_mb > kb.settings.max_file_mb:
            raise FileTooLarge(size_mb, kb.settings.max_file_mb)
        if not is_supported(path):
            raise UnsupportedFileType(path.suffix, READERS)
        explicit = explicit_metadata(path, root, manifest)
        fingerprint = _fingerprint(path, [e.values for e in explicit], kb.pipeline_signature())
        doc_id = next((str(e.values["doc_id"]) for e in explicit if e.values.get("doc_id")), None)
        existing = kb.document(doc_id or derive_doc_id(rel))
        if existing is not None and existing.fingerprint == fingerprint:
            kb.registry.clear_failure(str(path))
            return FileOutcome(str(path), "unchanged", doc_id=existing.doc_id, chunks=existing.chunk_count)
        extracted = read_document(path, ocr=kb.settings.ocr)
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
        embeddings = kb.embed_chunks(chunks)
        report.seconds_embedding += time.perf_counter() - embed_started
        kb.replace_document(
            metadata,
            abs_path=str(path),
            fingerprint=fingerprint,
            text=extracted.text,
            pages=extracted.pages,
            chunks=chunks,
            embeddings=embeddings,
            page_count=extracted.page_count,
            warnings=extracted.warnings,
            ocr_pages=extracted.ocr_pages,
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
    except IngestError as exc:
        kb.registry.record_failure(str(path), rel, str(exc))
        return FileOutcome(str(path), "failed", reason=str(exc))
    except OSError as exc:
        reason = f"could not read the file ({exc.strerror or exc})"
        kb.registry.record_failure(str(path), rel, reason)
        return FileOutcome(str(path), "failed", reason=reason)
    except Exception as exc:  # a library choking on a malformed file must not stop the batch
        reason = f"unexpected error while ingesting ({exc.__class__.__name__}: {exc}); the rest of the batch goes on"
        kb.registry.record_failure(str(path), rel, reason)
        return FileOutcome(str(path), "failed", reason=reason)


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
            kb.registry.clear_failure(failure.abs_path)
    return removed
