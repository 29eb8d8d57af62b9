"""What one file may cost at ingest: unpacked size and parts of a zip archive, pages, characters, time.

A `Budget` starts when a file's ingest starts. Readers and the pipeline check it at cheap points: a
DOCX's zip directory before anything is inflated (its parts are then copied in bounded steps), the
page count before pages are read, the characters read so far after every page or paragraph, and the
clock between pages, paragraphs and passage batches.
Going over raises a `BudgetExceeded` with a one-line reason naming the setting that raises the limit.

Why: a 0.93 MB DOCX that unpacks to 264 MB of XML ran for 22 minutes at 3.3 GB while holding the
index's write lock, and a 50 MB text file kept the app busy for 9 minutes. The size budgets refuse
such files within a second; the time budget is the backstop for what the sizes do not foresee. A
single library call (parsing one XML part, extracting one PDF page) cannot be interrupted, which is
why the sizes are checked before those calls rather than relying on the clock.
"""

from __future__ import annotations

import io
import time
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ingest.errors import BudgetExceeded, DocumentUnreadable, TimeBudgetExceeded
from kb.settings import Settings

RATIO_FLOOR = 1_000_000  # parts smaller than this (unpacked bytes) are not checked for their ratio
_CHUNK = 1 << 20  # bytes inflated per read when copying a zip archive's parts
_LIMITS = ("max_unpacked_mb", "max_zip_entries", "max_compression_ratio", "max_pages", "max_chars")


@dataclass
class Budget:
    """The limits for one file and the moment its ingest started."""

    max_unpacked_mb: float
    max_zip_entries: int
    max_compression_ratio: float
    max_pages: int
    max_chars: int
    max_seconds: float
    clock: Callable[[], float] = time.monotonic
    started: float = field(default=0.0)

    def __post_init__(self) -> None:
        self.started = self.clock()

    @classmethod
    def start(cls, settings: Settings) -> Budget:
        """A budget from the settings, starting now."""
        limits = {name: getattr(settings, name) for name in _LIMITS}
        return cls(**limits, max_seconds=settings.max_seconds_per_file)

    @classmethod
    def default(cls) -> Budget:
        """The settings' default limits (for readers called outside a pipeline), starting now."""
        fields = Settings.model_fields
        limits = {name: fields[name].default for name in _LIMITS}
        return cls(**limits, max_seconds=fields["max_seconds_per_file"].default)

    # --- checks -----------------------------------------------------------------------------------
    def check_time(self) -> None:
        if self.clock() - self.started > self.max_seconds:
            raise TimeBudgetExceeded(
                f"reading, chunking and embedding this file took longer than the {self.max_seconds:g} s budget "
                "per file and was stopped; the index keeps the document as it was (raise it with "
                "VKB_MAX_SECONDS_PER_FILE)"
            )

    def check_chars(self, count: int, what: str = "characters of text") -> None:
        """`count` characters read so far."""
        if count > self.max_chars:
            raise BudgetExceeded(
                f"the document has more than {self.max_chars:,} {what}, the budget per document; split it into "
                "parts (or raise VKB_MAX_CHARS)"
            )

    def check_pages(self, count: int) -> None:
        if count > self.max_pages:
            raise BudgetExceeded(
                f"the PDF has {count:,} pages, more than the {self.max_pages:,} vkb reads per document; split it "
                "into parts (or raise VKB_MAX_PAGES)"
            )

    def open_archive(self, path: Path, kind: str) -> io.BytesIO:
        """A zip-based file (DOCX) checked and copied for a reader to open instead of the file.

        The directory is checked first (parts, declared unpacked size, packing ratio), so a bomb is
        refused before anything is inflated. A directory can lie, and a library reading a part whole
        (`ZipFile.read`, as python-docx does) inflates all its compressed data in one call whatever
        size was declared. So the parts are then read here in 1 MB steps, which zipfile stops at each
        part's declared size (checking its CRC), into an uncompressed copy: the reader opening the copy
        can never be made to inflate more than the declared sizes this budget accepted.
        """
        copy = io.BytesIO()
        try:
            with zipfile.ZipFile(path) as archive:
                entries = archive.infolist()
                self._check_directory(entries, kind)
                with zipfile.ZipFile(copy, "w", zipfile.ZIP_STORED) as stored:
                    for entry in entries:
                        if entry.is_dir():
                            continue
                        with archive.open(entry) as part, stored.open(entry.filename, "w") as target:
                            while chunk := part.read(_CHUNK):
                                target.write(chunk)
                        self.check_time()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, RuntimeError) as exc:
            # RuntimeError: an encrypted part; NotImplementedError (a RuntimeError): an unknown compression
            raise DocumentUnreadable(f"not a readable {kind} file, it may be damaged ({exc})") from exc
        copy.seek(0)
        return copy

    def _check_directory(self, entries: list[zipfile.ZipInfo], kind: str) -> None:
        if len(entries) > self.max_zip_entries:
            raise BudgetExceeded(
                f"the {kind} file holds {len(entries):,} parts, more than the {self.max_zip_entries:,} vkb opens "
                "(raise it with VKB_MAX_ZIP_ENTRIES)"
            )
        unpacked = sum(entry.file_size for entry in entries)
        if unpacked > self.max_unpacked_mb * 1_000_000:
            raise BudgetExceeded(
                f"the {kind} file unpacks to {unpacked / 1_000_000:,.1f} MB, over the {self.max_unpacked_mb:g} MB "
                "limit for unpacked content; it may be a zip bomb (raise it with VKB_MAX_UNPACKED_MB)"
            )
        for entry in entries:
            if entry.file_size < RATIO_FLOOR:
                continue
            ratio = entry.file_size / max(entry.compress_size, 1)
            if ratio > self.max_compression_ratio:
                raise BudgetExceeded(
                    f"the {kind} part {entry.filename!r} unpacks to {ratio:,.0f} times its packed size, over the "
                    f"{self.max_compression_ratio:g} times limit; it looks like a zip bomb "
                    "(raise it with VKB_MAX_COMPRESSION_RATIO)"
                )
