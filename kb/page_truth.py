"""Ground truth of a typeset PDF test set, and matching source text against extracted text.

The PDF test set (written by `benchmarks/make_pdf_set.py`) typesets corpus documents into PDF
volumes and records, from the typesetter itself, the page of every source word (`truth.jsonl`, one
`PdfTruth` per layout and volume). This module reads that file and offers the two comparisons the
page-aware evaluation needs:

- `locate`: where a span of a source document's text lies in a PDF's extracted text. Letters and
  digits are compared case-blind, so line breaks, hyphenation and spacing do not matter; a span
  over a page break may have that page's footnotes between its two parts; OCR text, which has wrong
  letters, is matched by the best window of words (`fuzzy=True`).
- `faithful`: whether a quoted passage is exactly text of a page (whitespace aside) once running
  headers and footers are removed and line-break hyphenation undone.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from kb.errors import UsageError

TRUTH_FILE = "truth.jsonl"
_ALNUM = re.compile(r"\w", re.UNICODE)
_WORD = re.compile(r"\w+", re.UNICODE)
_SPACE = re.compile(r"[\s|]+")


@dataclass
class TableTruth:
    page: int
    rows: list[list[str]]


@dataclass
class PartTruth:
    """Where the words of one corpus document landed: (start, end, page) per word, in source characters."""

    doc_id: str
    source_path: str
    words: list[tuple[int, int, int]]
    sentences: list[tuple[int, int, list[int]]]  # (start, end, pages) per source sentence

    def pages_of(self, start: int, end: int) -> list[int]:
        """The pages holding any word of source span [start, end)."""
        return sorted({p for s, e, p in self.words if s < end and e > start})


@dataclass
class PdfTruth:
    """One typeset PDF (a volume of corpus documents) in one layout, and where everything landed."""

    layout: str
    doc_id: str  # the volume's doc_id in its manifest
    pdf: str
    page_count: int
    parts: list[PartTruth]
    page_text: list[str]  # per page: what is drawn outside header and footer, in reading order
    header: str
    footers: list[tuple[int, str]]
    tables: list[TableTruth] = field(default_factory=list)
    footnotes: list[tuple[int, str]] = field(default_factory=list)  # (page, text)

    def part(self, doc_id: str) -> PartTruth | None:
        return next((p for p in self.parts if p.doc_id == doc_id), None)

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> PdfTruth:
        data = dict(data)
        data["parts"] = [
            PartTruth(
                p["doc_id"],
                p["source_path"],
                [(s, e, g) for s, e, g in p["words"]],
                [(s, e, list(g)) for s, e, g in p["sentences"]],
            )
            for p in data["parts"]
        ]
        data["footers"] = [(n, t) for n, t in data["footers"]]
        data["tables"] = [TableTruth(**t) for t in data["tables"]]
        data["footnotes"] = [(n, t) for n, t in data["footnotes"]]
        return cls(**data)


class PdfSetError(UsageError, ValueError):
    """The folder given as a PDF test set is not one, or holds none of the queries' documents."""


def load_truth(folder: Path) -> list[PdfTruth]:
    """Every `PdfTruth` of a PDF test set folder (its `truth.jsonl`)."""
    path = folder / TRUTH_FILE
    if not path.is_file():
        raise PdfSetError(f"{folder} is not a PDF test set (no {TRUTH_FILE}); make one with benchmarks/make_pdf_set.py")
    return [PdfTruth.from_json(json.loads(line)) for line in path.read_text(encoding="utf-8").splitlines() if line]


def write_truth(folder: Path, truths: list[PdfTruth]) -> None:
    lines = "".join(json.dumps(t.to_json(), ensure_ascii=False) + "\n" for t in truths)
    (folder / TRUTH_FILE).write_text(lines, encoding="utf-8")


def _letters(text: str) -> tuple[str, list[int]]:
    """Lower-cased letters and digits of `text`, and the position in `text` of each."""
    kept = [(m.group().lower(), m.start()) for m in _ALNUM.finditer(text) if m.group() != "_"]
    return "".join(c for c, _ in kept), [p for _, p in kept]


def locate(needle: str, haystack: str, *, fuzzy: bool = False) -> tuple[int, int] | None:
    """Where `needle` lies in `haystack` (character span of haystack), comparing letters and digits only.

    With `fuzzy`, when there is no exact match the window of haystack words sharing most words with
    the needle is returned if it shares at least 60 % of them (OCR text).
    """
    small, _ = _letters(needle)
    if not small:
        return None
    large, positions = _letters(haystack)
    found = large.find(small)
    if found >= 0:
        return positions[found], positions[found + len(small) - 1] + 1
    split = _split_match(small, large)
    if split is not None:
        return positions[split[0]], positions[split[1] - 1] + 1
    if not fuzzy:
        return None
    return _best_window(needle, haystack)


def _split_match(small: str, large: str, gap: int = 800) -> tuple[int, int] | None:
    """The needle's letters as two runs with at most `gap` letters between them: an answer running
    over a page break has that page's footnotes (and the next page's header) in between."""
    low, high = 1, len(small) - 1  # the longest prefix that occurs (prefixes occur monotonically)
    if high < 1 or large.find(small[:low]) < 0:
        return None
    while low < high:
        middle = (low + high + 1) // 2
        if large.find(small[:middle]) >= 0:
            low = middle
        else:
            high = middle - 1
    start = large.find(small[:low])
    while start >= 0:
        rest = large.find(small[low:], start + low, start + low + gap + len(small) - low)
        if rest >= 0:
            return start, rest + len(small) - low
        start = large.find(small[:low], start + 1)
    return None


def _best_window(needle: str, haystack: str) -> tuple[int, int] | None:
    wanted = Counter(w.lower() for w in _WORD.findall(needle))
    size = sum(wanted.values())
    words = list(_WORD.finditer(haystack))
    if not size or len(words) < 1:
        return None
    have: Counter[str] = Counter()
    shared = 0
    best = (0, 0)
    for i, match in enumerate(words):
        word = match.group().lower()
        have[word] += 1
        if have[word] <= wanted[word]:
            shared += 1
        if i >= size:
            old = words[i - size].group().lower()
            if have[old] <= wanted[old]:
                shared -= 1
            have[old] -= 1
        if shared > best[0]:
            best = (shared, i)
    if best[0] < 0.6 * size:
        return None
    first = words[max(0, best[1] - size + 1)]
    return first.start(), words[best[1]].end()


def squeeze(text: str) -> str:
    """Text without whitespace or table-cell separators: how a quote and a page's text are compared."""
    return _SPACE.sub("", text)


def faithful(quote: str, page_text: str) -> bool:
    """Whether the quote is exactly text of the page, whitespace and cell separators aside."""
    return bool(squeeze(quote)) and squeeze(quote) in squeeze(page_text)
