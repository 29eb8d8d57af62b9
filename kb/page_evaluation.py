"""Page-exact evaluation on the PDF test set: recall with the page required, page accuracy, quote fidelity.

For a query whose gold document was typeset into a PDF volume (see `kb.page_truth`), a returned
passage counts only when it comes from that volume, covers the answer as `kb.evaluation.answers`
requires (the answer is first located in the volume's extracted text), and its page holds the
answering span according to the typesetter's truth. Two more figures, over the queries where some
passage in the top 10 covers the answer:

- page accuracy: the first such passage carries a page that holds the span;
- quote fidelity: its citation quote is exactly text of that page (whitespace aside), with running
  headers and footers removed and line-break hyphenation undone, as the typesetter drew it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from kb.evaluation import CUTOFFS, EvalQuery, Scores, answers
from kb.page_truth import PdfTruth, faithful, load_truth, locate
from kb.search import Mode, Searcher


@dataclass
class PageScores:
    """Figures of one layout (or of the text-only corpus) over the queries with a PDF version."""

    label: str
    scores: Scores = field(default_factory=Scores)
    answered: int = 0  # queries with a covering passage in the top 10, page aside
    right_page: int = 0
    faithful: int = 0
    misses: list[str] = field(default_factory=list)
    pages: bool = True  # False for the text-only row (no pages to check)

    def row(self) -> dict[str, object]:
        row: dict[str, object] = {"corpus": self.label, "n": self.scores.n, **self.scores.row()}
        row["page_accuracy"] = self.right_page / self.answered if self.pages and self.answered else None
        row["quote_fidelity"] = self.faithful / self.answered if self.pages and self.answered else None
        return row


def queries_with_pdf(queries: Sequence[EvalQuery], truths: Sequence[PdfTruth]) -> list[EvalQuery]:
    """The queries whose gold document is part of some typeset volume."""
    typeset = {part.doc_id for truth in truths for part in truth.parts}
    return [q for q in queries if q.doc_id in typeset]


def evaluate_pages(
    searcher: Searcher,
    queries: Sequence[EvalQuery],
    truths: Sequence[PdfTruth],
    corpus: Path,
    *,
    label: str,
    mode: Mode = "hybrid",
) -> PageScores:
    """Score `queries` against an index holding the volumes of `truths` (one layout) in place of the text."""
    result = PageScores(label)
    by_part = {part.doc_id: (truth, part) for truth in truths for part in truth.parts}
    registry = searcher.kb.registry
    for query in queries:
        if query.doc_id not in by_part:
            continue
        truth, part = by_part[query.doc_id]
        gold_text = (corpus / part.source_path).read_text(encoding="utf-8")[query.start : query.end]
        gold_pages = part.pages_of(query.start, query.end)
        stored = registry.document_text(truth.doc_id)
        span = locate(gold_text, stored[0], fuzzy=truth.layout == "scanned") if stored else None
        hits = searcher.search(query.query, k=10, mode=mode)
        covering = [
            span is not None and answers(h.doc_id, h.char_start, h.char_end, (truth.doc_id, *span)) for h in hits
        ]
        relevant = [c and h.page in gold_pages for c, h in zip(covering, hits, strict=True)]
        result.scores.add(relevant, total_relevant=1)
        if not any(relevant):
            result.misses.append(query.id)
        first = next((h for c, h in zip(covering, hits, strict=True) if c), None)
        if first is None:
            continue
        result.answered += 1
        result.right_page += first.page in gold_pages
        page_text = truth.page_text[first.page - 1] if first.page and first.page <= truth.page_count else ""
        result.faithful += faithful(searcher.kb.cite(first).quote, page_text)
    return result


def evaluate_text(searcher: Searcher, queries: Sequence[EvalQuery], *, mode: Mode = "hybrid") -> PageScores:
    """The same queries against the plain-text corpus: the figures the PDF rows are compared with."""
    result = PageScores("text", pages=False)
    for query in queries:
        assert query.doc_id is not None
        gold = (
            query.doc_id,
            searcher.kb.source_to_text(query.doc_id, query.start),
            searcher.kb.source_to_text(query.doc_id, query.end),
        )
        hits = searcher.search(query.query, k=10, mode=mode)
        relevant = [answers(h.doc_id, h.char_start, h.char_end, gold) for h in hits]
        result.scores.add(relevant, total_relevant=1)
        if not any(relevant):
            result.misses.append(query.id)
    return result


def mixed_corpus(corpus: Path, pdf_set: Path, layout: str, into: Path) -> list[Path]:
    """Folders to ingest for one layout: the corpus without the typeset documents, and the layout's PDFs.

    The corpus files are copied (with a manifest of the rest) into `into`, so the typeset documents
    are found only in their PDF volumes, among the same distractors as in the text-only run.
    """
    import json
    import shutil

    typeset = {part.doc_id for truth in load_truth(pdf_set) for part in truth.parts}
    rows = [json.loads(line) for line in (corpus / "manifest.jsonl").read_text(encoding="utf-8").splitlines() if line]
    kept = [row for row in rows if row["doc_id"] not in typeset]
    rest = into / "corpus"
    for row in kept:
        target = rest / row["path"]
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(corpus / row["path"], target)
    (rest / "manifest.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in kept), "utf-8")
    pdfs = pdf_set / layout
    if not (pdfs / "manifest.jsonl").is_file():
        raise ValueError(f"{pdf_set} has no {layout} layout")
    return [rest, pdfs]


__all__ = ["CUTOFFS", "PageScores", "evaluate_pages", "evaluate_text", "mixed_corpus", "queries_with_pdf"]
