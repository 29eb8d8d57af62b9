"""The lexical index: BM25 (bm25s) over Swedish-analysed chunk terms, cached on disk per index generation."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import bm25s
import numpy as np

from kb.temp_files import private_name

# BM25's term-frequency saturation and length normalisation, chosen by 2-fold cross-validation on
# the development queries (benchmarks/fusion_cv.py --remedies "bm25 k1/b"; README "Quality
# evaluation"): a low k1 counts a term's presence far more than its repetition, which suits
# ~100-word chunks and queries expanded with compound parts and synonyms (lexical MRR@10 0.71 at
# k1=1.2, 0.75 at 0.5). b hardly matters on chunks of near-equal length.
K1 = 0.5
B = 0.75


class LexicalIndex:
    """BM25 over a fixed list of chunks (row i is chunk_ids[i])."""

    def __init__(self, retriever: bm25s.BM25 | None, chunk_ids: list[str]) -> None:
        self._retriever = retriever
        self.chunk_ids = chunk_ids
        self._vocab: dict[str, int] = dict(retriever.vocab_dict) if retriever is not None else {}

    @classmethod
    def build(cls, chunk_ids: list[str], term_lists: list[list[str]]) -> LexicalIndex:
        if not chunk_ids:
            return cls(None, [])
        retriever = bm25s.BM25(k1=K1, b=B)
        retriever.index(term_lists, show_progress=False)
        return cls(retriever, chunk_ids)

    def __len__(self) -> int:
        return len(self.chunk_ids)

    def scores(self, weighted_terms: dict[str, float]) -> np.ndarray:
        """BM25 score of every row for the weighted query terms."""
        total = np.zeros(len(self.chunk_ids), dtype=np.float32)
        if self._retriever is None:
            return total
        for term, weight in weighted_terms.items():
            if term in self._vocab:
                total += weight * self._retriever.get_scores([term]).astype(np.float32)
        return total

    def save(self, folder: Path) -> None:
        """Write the index to a temporary folder of this process and rename it into place: readers never
        see a half-written index, and processes saving the same generation at once do not mix files."""
        tmp = folder.with_name(private_name(folder.name))
        try:
            tmp.mkdir(parents=True)
            if self._retriever is not None:
                self._retriever.save(str(tmp))
            (tmp / "chunk_ids.json").write_text(json.dumps(self.chunk_ids), encoding="utf-8")
            shutil.rmtree(folder, ignore_errors=True)
            try:
                tmp.rename(folder)
            except OSError:
                if not folder.is_dir():  # (else another process saved the same generation first)
                    raise
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        """The saved index; ValueError when it was built with other BM25 parameters (vkb then rebuilds it)."""
        chunk_ids = json.loads((folder / "chunk_ids.json").read_text(encoding="utf-8"))
        retriever = bm25s.BM25.load(str(folder)) if chunk_ids else None
        if retriever is not None and (retriever.k1, retriever.b) != (K1, B):
            raise ValueError(f"{folder} was built with k1={retriever.k1}, b={retriever.b} (now k1={K1}, b={B})")
        return cls(retriever, chunk_ids)
