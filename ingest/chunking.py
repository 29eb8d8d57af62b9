"""Structure-aware chunking sized in the embedding model's own tokens.

The text is cut into units (sentences, list items, headings) that never cross a paragraph or page
boundary; units longer than the budget are cut at word, then character boundaries. Units are packed
greedily into chunks of at most `max_tokens` tokens: a chunk never spans two pages, a heading starts
a new chunk, and a chunk that was cut for size starts with the previous chunk's last sentences (up to
`overlap_tokens`). Chunks are contiguous: every character of the text lies in at least one chunk,
and each chunk's text is exactly text[char_start:char_end].
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from ingest.readers.base import Heading
from kb.records import Chunk, PageSpan

TokenCounter = Callable[[list[str]], list[int]]

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
_LIST_ITEM = re.compile(r"^[ \t]*(?:[•·▪◦‣●\-–—*]+|\d{1,3}[.)])[ \t]+", re.MULTILINE)
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"”»')]*\s+(?=[\"“«'(]?[A-ZÅÄÖÉ0-9•–—-])")
_WORD = re.compile(r"\S+")


@dataclass(frozen=True)
class _Unit:
    start: int
    end: int
    tokens: int
    page: int | None
    heading: bool


def chunk_text(
    text: str,
    *,
    pages: Sequence[PageSpan] = (),
    headings: Sequence[Heading] = (),
    max_tokens: int,
    overlap_tokens: int,
    count_tokens: TokenCounter,
) -> list[Chunk]:
    """Cut `text` into chunks of at most `max_tokens` model tokens (see module docstring)."""
    if max_tokens < 8:
        raise ValueError("max_tokens must be at least 8")
    if not text.strip():
        return []
    regions: list[tuple[int | None, int, int]] = [(p.number, p.start, p.end) for p in pages] or [(None, 0, len(text))]
    heading_starts = sorted(h.start for h in headings)
    spans: list[tuple[int, int, int | None, bool]] = []
    for page, start, end in regions:
        for block_start, block_end in _blocks(text, start, end, headings):
            at = bisect_left(heading_starts, block_start)  # a heading starts inside this block
            is_heading = at < len(heading_starts) and heading_starts[at] < block_end
            pieces = [(block_start, block_end)] if is_heading else _sentences(text, block_start, block_end)
            spans.extend((s, e, page, is_heading) for s, e in pieces)
    units = _fit(text, spans, max_tokens, count_tokens)
    groups = _within_budget(text, _pack(units, max_tokens, overlap_tokens), max_tokens, count_tokens)
    return _to_chunks(text, groups, sorted(headings, key=lambda h: h.start))


def _within_budget(
    text: str, groups: list[list[_Unit]], max_tokens: int, count_tokens: TokenCounter
) -> list[list[_Unit]]:
    """Split any group whose whole text counts over the budget (sub-word tokenizers such as XLM-R's
    count a joined text a few tokens differently from the sum of its parts), until every chunk fits."""
    out: list[list[_Unit]] = []
    pending = list(groups)
    while pending:
        counts = count_tokens([" ".join(text[g[0].start : g[-1].end].split()) for g in pending])
        again: list[list[_Unit]] = []
        for group, tokens in zip(pending, counts, strict=True):
            if tokens <= max_tokens or len(group) == 1:
                out.append(group)
            else:
                middle = len(group) // 2
                again += [group[:middle], group[middle:]]
        pending = again
    return sorted(out, key=lambda g: (g[0].start, g[-1].end))


def _blocks(text: str, start: int, end: int, headings: Sequence[Heading]) -> list[tuple[int, int]]:
    """Paragraphs, list items and heading lines within [start, end), as trimmed spans."""
    cuts = {start, end}
    for match in _PARAGRAPH_BREAK.finditer(text, start, end):
        cuts.update((match.start(), match.end()))
    for match in _LIST_ITEM.finditer(text, start, end):
        cuts.add(match.start())
    for heading in headings:  # a heading is its whole line ("## Title" in text files)
        if start <= heading.start < end:
            cuts.add(max(start, text.rfind("\n", start, heading.start) + 1))
            line_end = text.find("\n", heading.end, end)
            cuts.add(line_end if line_end != -1 else end)
    ordered = sorted(cuts)
    blocks = []
    for a, b in pairwise(ordered):
        trimmed = _trim(text, a, b)
        if trimmed:
            blocks.append(trimmed)
    return blocks


def _trim(text: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


def _sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    cuts = [start] + [m.end() for m in _SENTENCE_END.finditer(text, start, end)] + [end]
    return [t for a, b in pairwise(cuts) if (t := _trim(text, a, b))]


def _fit(
    text: str, spans: list[tuple[int, int, int | None, bool]], max_tokens: int, count_tokens: TokenCounter
) -> list[_Unit]:
    """Count tokens per span; cut spans over budget at words, then characters."""
    counts = count_tokens([text[s:e] for s, e, _, _ in spans])
    units: list[_Unit] = []
    for (start, end, page, heading), tokens in zip(spans, counts, strict=True):
        if tokens <= max_tokens:
            units.append(_Unit(start, end, tokens, page, heading))
            continue
        for piece_start, piece_end, piece_tokens in _split_words(text, start, end, max_tokens, count_tokens):
            units.append(_Unit(piece_start, piece_end, piece_tokens, page, heading))
    return units


def _split_words(
    text: str, start: int, end: int, max_tokens: int, count_tokens: TokenCounter
) -> list[tuple[int, int, int]]:
    words = [(m.start(), m.end()) for m in _WORD.finditer(text, start, end)]
    counts = count_tokens([text[a:b] for a, b in words])
    pieces: list[tuple[int, int, int]] = []
    piece_start, piece_tokens = None, 0
    last_end = start
    for (a, b), n in zip(words, counts, strict=True):
        if n > max_tokens:  # one "word" longer than the budget (a URL, a table row without spaces)
            if piece_start is not None:
                pieces.append((piece_start, last_end, piece_tokens))
                piece_start, piece_tokens = None, 0
            pieces.extend(_split_chars(text, a, b, max_tokens, count_tokens))
            last_end = b
            continue
        if piece_start is not None and piece_tokens + n > max_tokens:
            pieces.append((piece_start, last_end, piece_tokens))
            piece_start, piece_tokens = None, 0
        if piece_start is None:
            piece_start = a
        piece_tokens += n
        last_end = b
    if piece_start is not None:
        pieces.append((piece_start, last_end, piece_tokens))
    return pieces


def _split_chars(
    text: str, start: int, end: int, max_tokens: int, count_tokens: TokenCounter
) -> list[tuple[int, int, int]]:
    pieces = []
    position = start
    while position < end:
        size = end - position
        while True:
            tokens = count_tokens([text[position : position + size]])[0]
            if tokens <= max_tokens or size == 1:
                break
            size = max(1, size * max_tokens // (tokens + 1))
        pieces.append((position, position + size, tokens))
        position += size
    return pieces


def _pack(units: list[_Unit], max_tokens: int, overlap_tokens: int) -> list[list[_Unit]]:
    groups: list[list[_Unit]] = []
    current: list[_Unit] = []
    used = 0
    for unit in units:
        if current:
            new_page = unit.page != current[-1].page
            new_section = unit.heading and not current[-1].heading
            too_big = used + unit.tokens > max_tokens
            if new_page or new_section or too_big:
                groups.append(current)
                tail = _overlap(current, unit, max_tokens, overlap_tokens) if too_big and not new_page else []
                current, used = tail, sum(u.tokens for u in tail)
        current.append(unit)
        used += unit.tokens
    if current:
        groups.append(current)
    return groups


def _overlap(previous: list[_Unit], following: _Unit, max_tokens: int, overlap_tokens: int) -> list[_Unit]:
    tail: list[_Unit] = []
    total = 0
    for unit in reversed(previous[1:]):  # never the whole previous chunk
        if unit.heading or total + unit.tokens > overlap_tokens:
            break
        tail.insert(0, unit)
        total += unit.tokens
    return tail if total + following.tokens <= max_tokens else []


def _to_chunks(text: str, groups: list[list[_Unit]], headings: list[Heading]) -> list[Chunk]:
    bounds = [[group[0].start, group[-1].end] for group in groups]
    bounds[0][0] = 0
    for i in range(len(bounds) - 1):  # close gaps: whitespace between chunks goes to the earlier one
        bounds[i][1] = max(bounds[i][1], bounds[i + 1][0])
    bounds[-1][1] = len(text)
    bodies = [next((u for u in group if not u.heading), group[0]).start for group in groups]
    paths = _heading_paths(text, headings, bodies)
    return [
        Chunk(
            ordinal=ordinal,
            char_start=start,
            char_end=end,
            page=group[0].page,
            heading_path=path,
            text=text[start:end],
        )
        for ordinal, (group, (start, end), path) in enumerate(zip(groups, bounds, paths, strict=True))
    ]


def _heading_paths(text: str, headings: list[Heading], positions: list[int]) -> list[tuple[str, ...]]:
    """The headings above each position, in one pass over the headings (they are sorted by start);
    a document of 100,000 headings must not cost 100,000 x 100,000 steps."""
    order = sorted(range(len(positions)), key=lambda i: positions[i])
    paths: list[tuple[str, ...]] = [()] * len(positions)
    stack: list[Heading] = []
    path: tuple[str, ...] = ()
    next_heading = 0
    for i in order:
        moved = False
        while next_heading < len(headings) and headings[next_heading].start <= positions[i]:
            heading = headings[next_heading]
            while stack and stack[-1].level >= heading.level:
                stack.pop()
            stack.append(heading)
            next_heading += 1
            moved = True
        if moved:
            path = tuple(" ".join(text[h.start : h.end].split()) for h in stack)
        paths[i] = path
    return paths
