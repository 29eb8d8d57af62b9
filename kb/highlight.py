"""Pure highlighting: which words of a passage match the query, and a snippet around the best match."""

from __future__ import annotations

import re
from collections.abc import Collection
from dataclasses import dataclass
from functools import lru_cache

from kb.analysis import WORD_CHARACTERS, Analyzer

SNIPPET_CHARS = 320


@dataclass(frozen=True)
class Snippet:
    """A piece of a passage with the matched words as (start, end) spans into `text`."""

    text: str
    marks: tuple[tuple[int, int], ...]
    truncated_start: bool = False
    truncated_end: bool = False

    def render(self, open_mark: str = "**", close_mark: str = "**") -> str:
        out, position = [], 0
        for start, end in self.marks:
            out += [self.text[position:start], open_mark, self.text[start:end], close_mark]
            position = end
        out.append(self.text[position:])
        body = "".join(out)
        return f"{'…' if self.truncated_start else ''}{body}{'…' if self.truncated_end else ''}"


def match_spans(text: str, query_terms: Collection[str], analyzer: Analyzer) -> list[tuple[int, int]]:
    """Spans of the words in `text` that share a term (stem or compound part) with the query.

    A word's terms (its Snowball stem, its compound parts' stems) are all substrings of the
    lower-cased word, so only words containing some query term need analysing: one regular
    expression finds those, which makes highlighting a result page several times cheaper.
    """
    wanted = frozenset(term for term in query_terms if term)
    if not wanted:
        return []
    lowered = text.lower()
    if len(lowered) != len(text):  # a rare letter whose lower case is longer: analyse every word
        return [
            (start, end) for start, end, word in analyzer.words(text) if wanted.intersection(analyzer.word_terms(word))
        ]
    spans = []
    for match in _words_containing(wanted).finditer(lowered):
        word = match.group()
        if not analyzer.is_stop_word(word) and wanted.intersection(analyzer.word_terms(word)):
            spans.append(match.span())
    return spans


@lru_cache(maxsize=256)
def _words_containing(terms: frozenset[str]) -> re.Pattern[str]:
    """Whole words (as the analyzer cuts them) that contain one of the terms."""
    alternation = "|".join(re.escape(term) for term in sorted(terms, key=len, reverse=True))
    letters = WORD_CHARACTERS
    return re.compile(f"(?<![{letters}])[{letters}]*(?:{alternation})[{letters}]*")


def make_snippet(text: str, spans: list[tuple[int, int]], size: int = SNIPPET_CHARS) -> Snippet:
    """The window of `size` characters holding the most matches, cut at word boundaries."""
    clean_start = len(text) - len(text.lstrip())
    if len(text.strip()) <= size:
        start, end = clean_start, len(text.rstrip())
    else:
        best_start, best_count = clean_start, -1
        for first, _ in spans or [(clean_start, 0)]:
            window_start = max(clean_start, first - size // 4)
            count = sum(1 for s, e in spans if s >= window_start and e <= window_start + size)
            if count > best_count:
                best_start, best_count = window_start, count
        start = best_start
        while start > clean_start and not text[start - 1].isspace():
            start -= 1
        end = min(len(text.rstrip()), start + size)
        while end < len(text) and end > start and not text[end - 1].isspace() and not text[end].isspace():
            end -= 1
        end = end if end > start else min(len(text), start + size)
    marks = tuple((s - start, e - start) for s, e in spans if s >= start and e <= end)
    return Snippet(_dash_bullets(text[start:end]), marks, start > clean_start, end < len(text.rstrip()))


_DASH_BULLET = re.compile(r"(?m)^([ \t]*)--(?!-)")


def _dash_bullets(text: str) -> str:
    """A line opening with "--" (a list bullet of documents converted from Word) reads "– ".

    Snippets fold whitespace, so such bullets otherwise show as stray "--" inside the sentence.
    Two characters for two keeps the marks' offsets; the indexed text and quotes are untouched."""
    return _DASH_BULLET.sub(lambda m: m.group(1) + "– ", text)
