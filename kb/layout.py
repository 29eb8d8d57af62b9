"""`IndexLayout`: the one place that names what lives in an index folder."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class IndexLayout:
    """The paths inside one index folder (`Settings.index`)."""

    root: Path

    @classmethod
    def at(cls, index: str | Path) -> IndexLayout:
        return cls(Path(index).expanduser())

    @property
    def registry(self) -> Path:
        """The SQLite registry: documents, texts, chunks, their vectors, failures, the generation."""
        return self.root / "registry.sqlite3"

    @property
    def chroma(self) -> Path:
        """The embedded Chroma store (unused with a Chroma server)."""
        return self.root / "chroma"

    @property
    def search_cache(self) -> Path:
        """Per-generation lexical indexes and vector copies for readers (rebuilt when missing)."""
        return self.root / "lexical"

    @property
    def uploads(self) -> Path:
        """Files uploaded in the app, each with its metadata sidecar."""
        return self.root / "uploads"

    @property
    def drafts(self) -> Path:
        """The app's drafts of the plan."""
        return self.root / "drafts"

    @property
    def write_lock(self) -> Path:
        """Held by the one process writing to the index."""
        return self.root / "write.lock"

    @property
    def session_marker(self) -> Path:
        """Exists while a write session writes; left behind by a killed one."""
        return self.root / "write-session"

    @property
    def failed_marker(self) -> Path:
        """A write session's write failed: the vector store may be torn and is rebuilt."""
        return self.root / "write-failed"
