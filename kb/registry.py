"""The document registry: an SQLite file beside the vectors that says which version of each document is live.

A document is written under a new version first (`stage_chunks`), and becomes visible only when
`publish` flips its live version in one transaction. A version that was staged but never published
(the process was killed) stays in `pending` and is cleaned up by the next writer. Readers only ever
see live versions, so a document is either fully old or fully new.

Each chunk's vector is kept here too (float32, 1.5 kB per chunk with the default model), written in
the same transaction as the chunk: the registry alone is a complete, consistent index. Readers build
their vector copy from it (no Chroma client, so a reader in another process never sees a Chroma
index half written by a writer), and a Chroma collection a full disk or a crash left unreadable is
rebuilt from it (`kb.writer`). Indexes made before vectors were kept here get them from Chroma at
the next ingest (`Registry.missing_vectors`).
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from kb.latent_terms import LatentTerms
from kb.records import Chunk, DocumentContent, DocumentMetadata, DocumentRecord, FailureRecord, PageSpan

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
    text TEXT NOT NULL,
    vector BLOB,
    terms BLOB
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


def vector_blob(vector: np.ndarray) -> bytes:
    return np.asarray(vector, dtype="<f4").tobytes()


def blob_vector(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype="<f4")


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
            columns = {row[1] for row in self._conn.execute("PRAGMA table_info(chunks)")}
            documents = {row[1] for row in self._conn.execute("PRAGMA table_info(documents)")}
            if "ocr_pages" not in documents:  # a registry from before OCR: pages read by OCR, per document
                self._conn.execute("ALTER TABLE documents ADD COLUMN ocr_pages TEXT NOT NULL DEFAULT '[]'")
        self._has_vectors = "vector" in columns  # False for an index made before vectors were kept here
        self._has_terms = "terms" in columns  # False for an index made before latent terms

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
    def stage_chunks(
        self,
        doc_id: str,
        version: str,
        chunks: Sequence[Chunk],
        vectors: np.ndarray | None = None,
        terms: Sequence[LatentTerms] | None = None,
    ) -> None:
        """Record a not-yet-live version, its chunks, their vectors and latent terms (replacing any
        earlier attempt at it)."""
        if vectors is not None and len(vectors) != len(chunks):
            raise ValueError(f"{len(chunks)} chunks but {len(vectors)} vectors")
        if terms is not None and len(terms) != len(chunks):
            raise ValueError(f"{len(chunks)} chunks but {len(terms)} latent terms")
        self.ensure_vector_column()
        blobs = [vector_blob(v) for v in vectors] if vectors is not None else [None] * len(chunks)
        term_blobs = [t.to_blob() for t in terms] if terms is not None else [None] * len(chunks)
        with self._transaction() as conn:
            conn.execute("INSERT OR IGNORE INTO pending (doc_id, version) VALUES (?, ?)", (doc_id, version))
            conn.execute("DELETE FROM chunks WHERE doc_id = ? AND version = ?", (doc_id, version))
            conn.executemany(
                "INSERT INTO chunks (chunk_id, doc_id, version, ordinal, page, char_start, char_end, heading, text,"
                " vector, terms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
                        blob,
                        term_blob,
                    )
                    for c, blob, term_blob in zip(chunks, blobs, term_blobs, strict=True)
                ],
            )

    def publish(
        self,
        metadata: DocumentMetadata,
        content: DocumentContent,
        *,
        abs_path: str,
        fingerprint: str,
        version: str,
        chunk_count: int,
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
                    content.text,
                    json.dumps([[p.number, p.start, p.end] for p in content.pages]),
                    chunk_count,
                    content.page_count,
                    json.dumps(list(content.warnings), ensure_ascii=False),
                    _now(),
                    json.dumps(_ranges(content.removed)),
                    json.dumps(list(content.ocr_pages)),
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

    # --- vectors ----------------------------------------------------------------------------------
    def ensure_vector_column(self) -> None:
        """Add the vector and latent-terms columns to an index made before they were kept here (a
        writer's first step)."""
        if self._has_vectors and self._has_terms:
            return
        with self._transaction() as conn:
            columns = {row[1] for row in conn.execute("PRAGMA table_info(chunks)")}
            if "vector" not in columns:
                conn.execute("ALTER TABLE chunks ADD COLUMN vector BLOB")
            if "terms" not in columns:
                conn.execute("ALTER TABLE chunks ADD COLUMN terms BLOB")
        self._has_vectors = self._has_terms = True

    def _terms_column(self) -> bool:
        if not self._has_terms:
            with self._lock:
                self._has_terms = any(row[1] == "terms" for row in self._conn.execute("PRAGMA table_info(chunks)"))
        return self._has_terms

    def terms(self, chunk_ids: Sequence[str]) -> dict[str, LatentTerms]:
        """The stored latent terms of these chunks (chunks without them are left out)."""
        if not chunk_ids or not self._terms_column():
            return {}
        return {cid: LatentTerms.from_blob(blob) for cid, blob in self._blobs("terms", chunk_ids)}

    def _blobs(self, column: str, chunk_ids: Sequence[str]) -> list[tuple[str, bytes]]:
        """(chunk_id, blob) of these chunks whose `column` (vector, terms) is set."""
        found: list[tuple[str, bytes]] = []
        with self._lock:
            for start in range(0, len(chunk_ids), 500):
                batch = list(chunk_ids[start : start + 500])
                marks = ",".join("?" * len(batch))
                found += self._conn.execute(
                    f"SELECT chunk_id, {column} FROM chunks WHERE {column} IS NOT NULL AND chunk_id IN ({marks})", batch
                ).fetchall()
        return found

    def missing_terms(self) -> int:
        """How many live chunks have no latent terms (an index made before them, or by another model)."""
        with self._lock:
            if not self._terms_column():
                return len(self._conn.execute(_LIVE_IDS).fetchall())
            return len(self._conn.execute(_LIVE_IDS + " WHERE c.terms IS NULL").fetchall())

    def _vector_column(self) -> bool:
        """Whether chunks have a vector column (looked up again while not: another process may add it)."""
        if not self._has_vectors:
            with self._lock:
                self._has_vectors = any(row[1] == "vector" for row in self._conn.execute("PRAGMA table_info(chunks)"))
        return self._has_vectors

    def vector_model(self) -> str | None:
        """The embedding model the stored vectors belong to (None: not recorded, an older index)."""
        return self.get_meta("vector_model")

    def vectors(self, chunk_ids: Sequence[str]) -> dict[str, np.ndarray]:
        """The stored vectors of these chunks (chunks without one are left out)."""
        if not chunk_ids or not self._vector_column():
            return {}
        return {cid: blob_vector(blob) for cid, blob in self._blobs("vector", chunk_ids)}

    def missing_vectors(self) -> list[str]:
        """Live chunks without a stored vector (an index made before vectors were kept here)."""
        with self._lock:
            if not self._vector_column():
                return [r[0] for r in self._conn.execute(_LIVE_IDS).fetchall()]
            return [r[0] for r in self._conn.execute(_LIVE_IDS + " WHERE c.vector IS NULL").fetchall()]

    def set_vectors(self, vectors: dict[str, np.ndarray], model: str) -> None:
        """Store vectors for existing chunks and record the model they belong to."""
        self.ensure_vector_column()
        with self._transaction() as conn:
            conn.executemany(
                "UPDATE chunks SET vector = ? WHERE chunk_id = ?", [(vector_blob(v), cid) for cid, v in vectors.items()]
            )
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('vector_model', ?)", (model,))

    def live_chunk_ids(self) -> list[str]:
        with self._lock:
            return [r[0] for r in self._conn.execute(_LIVE_IDS).fetchall()]

    def live_vector_rows(self) -> list[tuple[str, str, int, int | None, np.ndarray | None]]:
        """(chunk_id, doc_id, ordinal, page, vector or None) of every live chunk: what a rebuilt
        vector store holds."""
        with self._lock:
            column = "c.vector" if self._vector_column() else "NULL"
            rows = self._conn.execute(
                f"SELECT c.chunk_id, c.doc_id, c.ordinal, c.page, {column} FROM chunks c"
                " JOIN documents d ON d.doc_id = c.doc_id AND d.version = c.version ORDER BY c.doc_id, c.ordinal"
            ).fetchall()
        return [(r[0], r[1], r[2], r[3], blob_vector(r[4]) if r[4] is not None else None) for r in rows]

    def stage_reindex_vectors(
        self, vectors: dict[str, np.ndarray], terms: dict[str, LatentTerms] | None = None
    ) -> None:
        """Keep a re-embedded batch (vectors, and latent terms if the model makes them) aside until the
        whole index is re-embedded (`vkb reindex`)."""
        terms = terms or {}
        with self._transaction() as conn:
            _staged_table(conn)
            conn.executemany(
                "INSERT OR REPLACE INTO staged_vectors (chunk_id, vector, terms) VALUES (?, ?, ?)",
                [(cid, vector_blob(v), terms[cid].to_blob() if cid in terms else None) for cid, v in vectors.items()],
            )

    def clear_reindex_vectors(self) -> None:
        with self._transaction() as conn:
            _staged_table(conn)
            conn.execute("DELETE FROM staged_vectors")

    def swap_in_reindex_vectors(self, model: str) -> None:
        """Make the re-embedded vectors the live ones, for `model`, in one transaction."""
        self.ensure_vector_column()
        with self._transaction() as conn:
            _staged_table(conn)
            conn.execute(
                "UPDATE chunks SET vector = (SELECT s.vector FROM staged_vectors s WHERE s.chunk_id = chunks.chunk_id),"
                " terms = (SELECT s.terms FROM staged_vectors s WHERE s.chunk_id = chunks.chunk_id)"
                " WHERE chunk_id IN (SELECT chunk_id FROM staged_vectors)"
            )
            conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('vector_model', ?)", (model,))
            conn.execute("DELETE FROM staged_vectors")
            self._bump(conn)

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


# Created by the first `vkb reindex`, not on open: opening an index never writes to it.
_STAGED = "CREATE TABLE IF NOT EXISTS staged_vectors (chunk_id TEXT PRIMARY KEY, vector BLOB NOT NULL, terms BLOB)"


def _staged_table(conn: sqlite3.Connection) -> None:
    """The reindex's staging table, with the terms column an interrupted reindex of an older vkb lacks."""
    conn.execute(_STAGED)
    if not any(row[1] == "terms" for row in conn.execute("PRAGMA table_info(staged_vectors)")):
        conn.execute("ALTER TABLE staged_vectors ADD COLUMN terms BLOB")


_LIVE_IDS = "SELECT c.chunk_id FROM chunks c JOIN documents d ON d.doc_id = c.doc_id AND d.version = c.version"
_DOC_SELECT = (
    "SELECT metadata, abs_path, fingerprint, version, chunk_count, page_count, warnings, ingested_at, ocr_pages"
    " FROM documents"
)


# One row of _DOC_SELECT: metadata JSON, abs_path, fingerprint, version, chunk_count, page_count, warnings JSON,
# ingested_at, ocr_pages JSON.
_DocRow = tuple[str, str, str, str, int, int | None, str, str, str]


def _document(row: _DocRow) -> DocumentRecord:
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
