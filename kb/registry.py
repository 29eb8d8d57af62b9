"""The document registry: an SQLite file beside the vectors that says which version of each document is live.

A document is written under a new version first (`stage_chunks`), and becomes visible only when
`publish` flips its live version in one transaction. A version that was staged but never published
(the process was killed) stays in `pending` and is cleaned up by the next writer. Readers only ever
see live versions, so a document is either fully old or fully new.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

from kb.records import Chunk, DocumentMetadata, DocumentRecord, FailureRecord, PageSpan

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS documents (
    doc_id TEXT PRIMARY KEY,
    source_path TEXT NOT NULL,
    abs_path TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    version TEXT NOT NULL,
    metadata TEXT NOT NULL,
    text TEXT NOT NULL,
    pages TEXT NOT NULL,
    chunk_count INTEGER NOT NULL,
    page_count INTEGER,
    warnings TEXT NOT NULL,
    ingested_at TEXT NOT NULL,
    removed TEXT NOT NULL DEFAULT '[]',
    ocr_pages TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX IF NOT EXISTS documents_abs_path ON documents(abs_path);
CREATE TABLE IF NOT EXISTS chunks (
    chunk_id TEXT PRIMARY KEY,
    doc_id TEXT NOT NULL,
    version TEXT NOT NULL,
    ordinal INTEGER NOT NULL,
    page INTEGER,
    char_start INTEGER NOT NULL,
    char_end INTEGER NOT NULL,
    heading TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_doc_version ON chunks(doc_id, version);
CREATE TABLE IF NOT EXISTS pending (doc_id TEXT NOT NULL, version TEXT NOT NULL, PRIMARY KEY (doc_id, version));
CREATE TABLE IF NOT EXISTS failures (
    abs_path TEXT PRIMARY KEY, source_path TEXT NOT NULL, reason TEXT NOT NULL, at TEXT NOT NULL
);
"""


def chunk_id(doc_id: str, version: str, ordinal: int) -> str:
    return f"{doc_id}:{version}:{ordinal}"


def _ranges(positions: Sequence[int]) -> list[list[int]]:
    """[3, 4, 5, 9] -> [[3, 6], [9, 10]] (sorted positions as half-open ranges)."""
    ranges: list[list[int]] = []
    for p in positions:
        if ranges and ranges[-1][1] == p:
            ranges[-1][1] = p + 1
        else:
            ranges.append([p, p + 1])
    return ranges


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class Registry:
    """Thread-safe access to the registry database."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._conn = sqlite3.connect(path, check_same_thread=False, isolation_level=None, timeout=30)
        self._conn.execute("PRAGMA journal_mode=WAL")
        self._conn.execute("PRAGMA synchronous=NORMAL")
        self._lock = threading.RLock()
        with self._lock:
            self._conn.executescript(SCHEMA)
            columns = {row[1] for row in self._conn.execute("PRAGMA table_info(documents)")}
            if "ocr_pages" not in columns:  # a registry from before OCR: pages read by OCR are listed per document
                self._conn.execute("ALTER TABLE documents ADD COLUMN ocr_pages TEXT NOT NULL DEFAULT '[]'")

    def close(self) -> None:
        with self._lock:
            self._conn.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    # --- meta -------------------------------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        with self._lock:
            row = self._conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, key: str, value: str) -> None:
        with self._transaction() as conn:
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def generation(self) -> int:
        """A counter bumped by every change to the live set (for caches such as the lexical index)."""
        return int(self.get_meta("generation") or 0)

    def bump_generation(self) -> None:
        """Mark the live set changed without changing it (the vectors were replaced: caches must go)."""
        with self._transaction() as conn:
            self._bump(conn)

    def _bump(self, conn: sqlite3.Connection) -> None:
        conn.execute(
            "INSERT INTO meta (key, value) VALUES ('generation', '1') "
            "ON CONFLICT(key) DO UPDATE SET value = CAST(value AS INTEGER) + 1"
        )

    # --- writing ----------------------------------------------------------------------------------
    def stage_chunks(self, doc_id: str, version: str, chunks: Sequence[Chunk]) -> None:
        """Record a not-yet-live version and its chunks (replacing any earlier attempt at it)."""
        with self._transaction() as conn:
            conn.execute("INSERT OR IGNORE INTO pending (doc_id, version) VALUES (?, ?)", (doc_id, version))
            conn.execute("DELETE FROM chunks WHERE doc_id = ? AND version = ?", (doc_id, version))
            conn.executemany(
                "INSERT INTO chunks (chunk_id, doc_id, version, ordinal, page, char_start, char_end, heading, text)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        chunk_id(doc_id, version, c.ordinal),
                        doc_id,
                        version,
                        c.ordinal,
                        c.page,
                        c.char_start,
                        c.char_end,
                        json.dumps(list(c.heading_path), ensure_ascii=False),
                        c.text,
                    )
                    for c in chunks
                ],
            )

    def publish(
        self,
        metadata: DocumentMetadata,
        *,
        abs_path: str,
        fingerprint: str,
        version: str,
        text: str,
        pages: Sequence[PageSpan],
        chunk_count: int,
        page_count: int | None,
        warnings: Sequence[str],
        removed: Sequence[int] = (),
        ocr_pages: Sequence[int] = (),
    ) -> None:
        """Make `version` the live version of the document, in one transaction."""
        with self._transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO documents (doc_id, source_path, abs_path, fingerprint, version, metadata,"
                " text, pages, chunk_count, page_count, warnings, ingested_at, removed, ocr_pages)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    metadata.doc_id,
                    metadata.source_path,
                    abs_path,
                    fingerprint,
                    version,
                    metadata.model_dump_json(),
                    text,
                    json.dumps([[p.number, p.start, p.end] for p in pages]),
                    chunk_count,
                    page_count,
                    json.dumps(list(warnings), ensure_ascii=False),
                    _now(),
                    json.dumps(_ranges(removed)),
                    json.dumps(list(ocr_pages)),
                ),
            )
            conn.execute("DELETE FROM chunks WHERE doc_id = ? AND version != ?", (metadata.doc_id, version))
            conn.execute("DELETE FROM pending WHERE doc_id = ? AND version = ?", (metadata.doc_id, version))
            conn.execute("DELETE FROM failures WHERE abs_path = ?", (abs_path,))
            self._bump(conn)

    def remove(self, doc_id: str) -> None:
        """Drop a document and all its chunks from the live set."""
        with self._transaction() as conn:
            conn.execute("DELETE FROM documents WHERE doc_id = ?", (doc_id,))
            conn.execute("DELETE FROM chunks WHERE doc_id = ?", (doc_id,))
            self._bump(conn)

    def pending_versions(self) -> list[tuple[str, str]]:
        with self._lock:
            return [tuple(r) for r in self._conn.execute("SELECT doc_id, version FROM pending")]

    def discard_pending(self, doc_id: str, version: str) -> None:
        """Forget an abandoned, never-published version (its vectors must already be gone)."""
        with self._transaction() as conn:
            conn.execute("DELETE FROM pending WHERE doc_id = ? AND version = ?", (doc_id, version))
            live = conn.execute("SELECT version FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
            if live is None or live[0] != version:
                conn.execute("DELETE FROM chunks WHERE doc_id = ? AND version = ?", (doc_id, version))

    def record_failure(self, abs_path: str, source_path: str, reason: str) -> None:
        with self._transaction() as conn:
            conn.execute(
                "INSERT OR REPLACE INTO failures (abs_path, source_path, reason, at) VALUES (?, ?, ?, ?)",
                (abs_path, source_path, reason, _now()),
            )

    def clear_failure(self, abs_path: str) -> None:
        with self._transaction() as conn:
            conn.execute("DELETE FROM failures WHERE abs_path = ?", (abs_path,))

    # --- reading ----------------------------------------------------------------------------------
    def document(self, doc_id: str) -> DocumentRecord | None:
        with self._lock:
            row = self._conn.execute(_DOC_SELECT + " WHERE doc_id = ?", (doc_id,)).fetchone()
        return _document(row) if row else None

    def documents(self) -> list[DocumentRecord]:
        with self._lock:
            rows = self._conn.execute(_DOC_SELECT + " ORDER BY source_path").fetchall()
        return [_document(r) for r in rows]

    def document_text(self, doc_id: str) -> tuple[str, list[PageSpan]] | None:
        with self._lock:
            row = self._conn.execute("SELECT text, pages FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        if row is None:
            return None
        return row[0], [PageSpan(*p) for p in json.loads(row[1])]

    def source_to_text(self, doc_id: str, position: int) -> int:
        """Map a position in the document's source file onto its extracted text (deletions undone)."""
        with self._lock:
            row = self._conn.execute("SELECT removed FROM documents WHERE doc_id = ?", (doc_id,)).fetchone()
        if row is None:
            raise KeyError(doc_id)
        shift = 0
        for start, end in json.loads(row[0]):
            if start >= position:
                break
            shift += min(end, position) - start
        return position - shift

    def live_versions(self) -> dict[str, str]:
        with self._lock:
            return dict(self._conn.execute("SELECT doc_id, version FROM documents").fetchall())

    def live_chunks(self) -> list[tuple[str, str, Chunk]]:
        """(chunk_id, doc_id, chunk) for every chunk of every live document, in document order."""
        with self._lock:
            rows = self._conn.execute(
                "SELECT c.chunk_id, c.doc_id, c.ordinal, c.char_start, c.char_end, c.page, c.heading, c.text"
                " FROM chunks c JOIN documents d ON d.doc_id = c.doc_id AND d.version = c.version"
                " ORDER BY c.doc_id, c.ordinal"
            ).fetchall()
        return [
            (
                r[0],
                r[1],
                Chunk(
                    ordinal=r[2],
                    char_start=r[3],
                    char_end=r[4],
                    page=r[5],
                    heading_path=tuple(json.loads(r[6])),
                    text=r[7],
                ),
            )
            for r in rows
        ]

    def failures(self) -> list[FailureRecord]:
        with self._lock:
            rows = self._conn.execute(
                "SELECT abs_path, source_path, reason, at FROM failures ORDER BY source_path"
            ).fetchall()
        return [FailureRecord(*r) for r in rows]


_DOC_SELECT = (
    "SELECT metadata, abs_path, fingerprint, version, chunk_count, page_count, warnings, ingested_at, ocr_pages"
    " FROM documents"
)


def _document(row: tuple) -> DocumentRecord:
    return DocumentRecord(
        metadata=DocumentMetadata.model_validate_json(row[0]),
        abs_path=row[1],
        fingerprint=row[2],
        version=row[3],
        chunk_count=row[4],
        page_count=row[5],
        warnings=tuple(json.loads(row[6])),
        ingested_at=row[7],
        ocr_pages=tuple(json.loads(row[8])),
    )
