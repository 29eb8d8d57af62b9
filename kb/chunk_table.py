"""`ChunkTable`: one consistent snapshot of the live chunks that every search signal reads.

Built by `kb.search.Searcher` from the registry in one read and rebuilt when the registry's generation
changes, so a document is seen either fully old or fully new. Rows are chunks; signals score rows.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from kb.document_filters import Filters, allowed_values
from kb.latent_terms import LatentMatrix
from kb.lexical import LexicalIndex
from kb.matrix import VectorMatrix
from kb.records import Chunk, DocumentRecord


@dataclass
class ChunkTable:
    """A consistent snapshot of the live chunks, their documents, the lexical index and the vectors."""

    generation: int
    chunk_ids: list[str]
    chunks: list[Chunk]
    doc_rows: np.ndarray  # document index per chunk row
    documents: list[DocumentRecord]
    lexical: LexicalIndex  # headings and text of each chunk
    matrix: VectorMatrix
    titles: LexicalIndex | None = None  # one row per document: its title, a lighter field of every chunk
    latent: LatentMatrix | None = None  # each chunk's latent terms (models that make them)
    row_of: dict[str, int] = field(default_factory=dict)
    span_list: list[tuple[str, int, int]] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    allowed_values: dict[str, list[str]] = field(default_factory=dict)
    masks: dict[Filters, np.ndarray] = field(default_factory=dict)  # recent filters (a user keeps theirs)

    def __post_init__(self) -> None:
        self.row_of = {chunk_id: row for row, chunk_id in enumerate(self.chunk_ids)}
        self.span_list = [
            (self.documents[d].doc_id, c.char_start, c.char_end)
            for d, c in zip(self.doc_rows, self.chunks, strict=True)
        ]
        self.texts = [c.text for c in self.chunks]
        self.allowed_values = allowed_values([d.metadata for d in self.documents])

    def __len__(self) -> int:
        return len(self.chunk_ids)

    def spans(self) -> list[tuple[str, int, int]]:
        return self.span_list
