"""Free space on the index's disk: checked before writing, and a failed write recognised as a full disk.

A full disk is survivable because nothing the readers use is changed in place: the registry is
SQLite (a write that does not fit is rolled back), the lexical index and the vector copy are written
beside the old ones and renamed, and the Chroma collection is only a derived index that the next
write session checks and rebuilds from the registry (`kb.writer`). What a full disk must not do is
stop an ingest halfway with a traceback: every write step converts its failure into
`IndexWriteError` (`DiskFull` when the disk is full), and the ingest stops there.
"""

from __future__ import annotations

import errno
import shutil
from pathlib import Path

from kb.errors import InputError

MB = 1_000_000
# Chroma's Rust core does not always say why a write failed ("Error in compaction: Error purging
# logs"): a failure with less than this left on the disk is taken for a full disk.
NEARLY_FULL_MB = 8.0
# What SQLite, Chroma's Rust core and the OS say when a write did not fit.
_FULL_TEXTS = ("database or disk is full", "no space left on device", "disk quota exceeded")


class IndexWriteError(InputError, RuntimeError):
    """Writing to the index failed; the index keeps its last good state and the next ingest repairs it.

    `vectors_suspect`: whether the failure came while the vector store was being written, so that it
    may be torn (the next write session then rebuilds it from the registry).
    """

    def __init__(self, message: str, *, vectors_suspect: bool = True) -> None:
        super().__init__(message)
        self.vectors_suspect = vectors_suspect


class DiskFull(IndexWriteError):
    """The disk holding the index is full, or would be left with less free space than `min_free_mb`."""


def free_mb(folder: Path) -> float:
    """Free space in MB on the file system holding `folder` (or its nearest existing parent)."""
    path = Path(folder).expanduser().absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return shutil.disk_usage(path).free / MB


def ensure_free_space(folder: Path, margin_mb: float, needed_bytes: int = 0) -> None:
    """Raise DiskFull unless writing `needed_bytes` leaves at least `margin_mb` free on the index's disk."""
    free = free_mb(folder)
    if free - needed_bytes / MB < margin_mb:
        needs = f", the next document needs up to {needed_bytes / MB:.1f} MB" if needed_bytes else ""
        raise DiskFull(
            f"the disk holding the index at {folder} is nearly full ({free:.1f} MB free{needs}, and vkb keeps "
            f"{margin_mb:g} MB free: setting min_free_mb); the index is unchanged and searchable: free some space, "
            "then ingest again",
            vectors_suspect=False,
        )


def is_disk_full(exc: BaseException) -> bool:
    """Whether an exception (or one it was raised from) says the disk or a quota is full."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, DiskFull):
            return True
        if isinstance(current, OSError) and current.errno in (errno.ENOSPC, errno.EDQUOT):
            return True
        if any(marker in str(current).lower() for marker in _FULL_TEXTS):  # SQLite, Chroma's Rust core
            return True
        current = current.__cause__ or current.__context__
    return False


def write_failure(exc: BaseException, folder: Path, step: str, *, vectors: bool = True) -> IndexWriteError:
    """The typed error for a write step that failed: DiskFull for a full disk, else IndexWriteError.
    `vectors`: the step wrote to the vector store."""
    if isinstance(exc, IndexWriteError):
        return exc
    if is_disk_full(exc) or free_mb(folder) < NEARLY_FULL_MB:
        return DiskFull(
            f"the disk holding the index at {folder} is full ({free_mb(folder):.0f} MB free; failed while {step}); "
            "the ingest stopped, the index keeps its last good state and is searchable: free some space, "
            "then ingest again",
            vectors_suspect=vectors,
        )
    return IndexWriteError(
        f"writing to the index at {folder} failed while {step} ({type(exc).__name__}: {_one_line(exc)}); "
        "the ingest stopped, the index keeps its last good state: ingest again to repair it",
        vectors_suspect=vectors,
    )


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= 200 else text[:199] + "…"
