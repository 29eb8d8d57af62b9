"""Domain errors of the ingest pipeline. Each names the file and says what the user can do."""

from __future__ import annotations

from collections.abc import Iterable

from kb.errors import InputError, UsageError


class IngestUsageError(UsageError, ValueError):
    """The ingest request itself is wrong (a path that does not exist)."""


class IngestError(InputError):
    """A file could not be ingested. `str()` is a one-line, user-facing reason."""


class UnsupportedFileType(IngestError):
    def __init__(self, suffix: str, supported: Iterable[str]) -> None:
        super().__init__(
            f"unsupported file type {suffix or '(no extension)'!r}; vkb reads {', '.join(sorted(supported))}"
        )


class DocumentUnreadable(IngestError):
    """The file is broken, encrypted, empty or has no text vkb can extract."""


class FileTooLarge(IngestError):
    def __init__(self, size_mb: float, limit_mb: float) -> None:
        super().__init__(
            f"file is {size_mb:.1f} MB, over the {limit_mb:g} MB limit (raise it with VKB_MAX_FILE_MB or --max-file-mb)"
        )


class MetadataError(IngestError):
    """A metadata value (from a manifest, a sidecar or the file) is invalid."""

    def __init__(self, where: str, field: str, message: str, allowed: Iterable[str] | None = None) -> None:
        text = f"{where}: metadata field {field!r}: {message}"
        if allowed is not None:
            text += f" (allowed: {', '.join(allowed)})"
        super().__init__(text)
        self.where = where
        self.field = field


class BudgetExceeded(IngestError):
    """A file goes over an ingest budget (unpacked size, parts, pages, characters, time) and is refused.

    Raised before the index is touched, so the document keeps its earlier version (if any)."""


class TimeBudgetExceeded(BudgetExceeded):
    """Reading, chunking and embedding one file took longer than its time budget."""


class IngestCancelled(Exception):
    """Raised by a progress callback to stop an ingest between passage batches.

    The file being ingested is left as it was (its earlier version stays live, nothing is recorded as a
    failure), the write lock is released, and the exception propagates to the caller."""
