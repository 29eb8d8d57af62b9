"""Pure text clean-up: characters no text may carry, and for page-based formats running headers/footers,
page numbers and hyphenation."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence

ZONE = 3  # lines at the top and bottom of a page where running headers/footers live
_PAGE_NUMBER = re.compile(
    r"^\s*(?:[-–—]\s*)?(?:(?:sida|sid\.|s\.|page|p\.)\s*)?\d{1,4}(?:\s*(?:av|of|/)\s*\d{1,4})?(?:\s*[-–—])?\s*$",
    re.IGNORECASE,
)
# After a line-end hyphen, these words mean the hyphen is real ("hälso- och sjukvård").
_KEEP_HYPHEN_BEFORE = frozenset(
    {"och", "eller", "samt", "respektive", "resp", "till", "som", "men", "liksom", "utan", "and", "or", "to"}
)
_HYPHENATED = re.compile(r"([A-Za-zÀ-ÖØ-öø-ÿ])-\n[ \t]*([a-zà-öø-ÿ][\w]*)")

# Characters XML 1.0 cannot hold and terminals act on: C0 controls but tab, LF and CR; DEL; C1
# controls; lone UTF-16 surrogates; the non-characters U+FFFE and U+FFFF. Terminal escape sequences go
# whole (CSI `ESC [ 3 1 m` and its one-character form U+009B, OSC `ESC ] ... BEL` such as terminal
# hyperlinks, charset designations `ESC ( B`), so no `[31m` is left behind; any other ESC goes alone.
_CONTROL = re.compile(
    r"(?:\x1b\[|\x9b)[0-?]{0,32}[ -/]{0,8}[@-~]"
    r"|\x1b\][^\x07\x1b\n]{0,2048}(?:\x07|\x1b\\)"
    r"|\x1b[()*+][ -~]"
    r"|[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]"
)
# Controls that separate text become the break or space they stand for (same length: no offset moves).
# VT is Word's manual line break in saved text, FF a page break, NEL a line break, U+001C-U+001F
# separate records and fields.
_SEPARATORS = str.maketrans(
    {"\x0b": "\n", "\x0c": "\n", "\x85": "\n", "\x1c": " ", "\x1d": " ", "\x1e": " ", "\x1f": " "}
)


def _shape(line: str) -> str:
    return re.sub(r"\d+", "#", " ".join(line.split())).lower()


def _exact(line: str) -> str:
    return " ".join(line.split()).lower()


def _zones(lines: list[str]) -> list[int]:
    """Indexes of the first and last non-empty lines (ZONE, but at most a third of the page each)."""
    filled = [i for i, line in enumerate(lines) if line.strip()]
    size = max(1, min(ZONE, len(filled) // 3))
    return sorted(set(filled[:size] + filled[-size:]))


def _tracks_page(occurrences: list[tuple[int, str]], threshold: int) -> bool:
    """Whether some number in the line moves in step with the page ("Rapport 2023, sida 7")."""
    offsets: Counter[tuple[int, int]] = Counter()
    for page, line in occurrences:
        for position, number in enumerate(re.findall(r"\d+", line)):
            offsets[(position, int(number) - page)] += 1
    return bool(offsets) and offsets.most_common(1)[0][1] >= threshold


def strip_running_lines(pages: list[str]) -> list[str]:
    """Remove page numbers and running headers/footers from the top and bottom lines of pages.

    A line goes when its exact text recurs there on at least half of the pages, or when its shape
    (digits aside) recurs and one of its numbers moves in step with the page number.
    """
    split = [page.split("\n") for page in pages]
    with_text = sum(1 for page in pages if page.strip())
    threshold = max(2, math.ceil(0.5 * with_text))
    exact: Counter[str] = Counter()
    shapes: dict[str, list[tuple[int, str]]] = {}
    for page_number, lines in enumerate(split, start=1):
        zone = [lines[i] for i in _zones(lines)]
        exact.update({_exact(line) for line in zone})
        for line in zone:
            shapes.setdefault(_shape(line), []).append((page_number, line))
    running: set[str] = set()
    if with_text >= 3:
        running = {text for text, n in exact.items() if n >= threshold and text}
        running |= {shape for shape, seen in shapes.items() if "#" in shape and _tracks_page(seen, threshold)}
    cleaned = []
    for lines in split:
        drop = {
            i
            for i in _zones(lines)
            if _exact(lines[i]) in running or _shape(lines[i]) in running or _PAGE_NUMBER.match(lines[i])
        }
        cleaned.append("\n".join(line for i, line in enumerate(lines) if i not in drop).strip("\n"))
    return cleaned


def join_hyphenation(text: str) -> str:
    """Undo line-break hyphenation ("kompetens-\\nförsörjning"); keep real hyphens ("hälso-\\noch")."""

    def repair(match: re.Match[str]) -> str:
        before, word = match.group(1), match.group(2)
        if word.lower() in _KEEP_HYPHEN_BEFORE:
            return f"{before}- {word}"
        return f"{before}{word}"

    return _HYPHENATED.sub(repair, text)


def clean_pages(pages: list[str]) -> list[str]:
    """Running lines removed, then hyphenation undone, page by page; trailing spaces trimmed."""
    stripped = strip_running_lines(pages)
    return [join_hyphenation(re.sub(r"[ \t]+\n", "\n", page)).strip() for page in stripped]


def page_ranges(numbers: list[int]) -> str:
    """[3, 4, 5, 7] -> '3–5, 7'."""
    parts: list[str] = []
    for n in sorted(numbers):
        if parts and parts[-1].split("–")[-1] == str(n - 1):
            parts[-1] = f"{parts[-1].split('–')[0]}–{n}"
        else:
            parts.append(str(n))
    return ", ".join(parts)


def control_spans(text: str) -> list[tuple[int, int]]:
    """The [start, end) spans of `text` that are control characters or terminal escape sequences."""
    return [match.span() for match in _CONTROL.finditer(text)]


def separate(text: str) -> str:
    """`text` with separating controls (VT, FF, NEL, U+001C-U+001F) as newlines or spaces; same length."""
    return text.translate(_SEPARATORS)


def without_controls(text: str) -> str:
    """`text` without control characters and escape sequences, separators turned into breaks or spaces."""
    return _CONTROL.sub("", separate(text))


def delete_spans(text: str, spans: Sequence[tuple[int, int]]) -> tuple[str, list[int]]:
    """Remove the given [start, end) spans (overlaps allowed); return the new text and removed positions."""
    if not spans:
        return text, []
    parts: list[str] = []
    removed: list[int] = []
    pos = 0
    for start, end in sorted(spans):
        if start < pos:
            start = pos
        if start >= end:
            continue
        parts.append(text[pos:start])
        removed.extend(range(start, end))
        pos = end
    parts.append(text[pos:])
    return "".join(parts), removed


def compose_removed(earlier: Sequence[int], later: Sequence[int]) -> list[int]:
    """Positions removed from a source in two steps, in source coordinates.

    `earlier` are source positions removed first (sorted); `later` are positions (sorted) of the text that
    step left, removed next. Each later position is the n-th kept source position, found by skipping
    the earlier removals at or before it.
    """
    mapped: list[int] = []
    skipped = 0
    for position in later:
        while skipped < len(earlier) and earlier[skipped] <= position + skipped:
            skipped += 1
        mapped.append(position + skipped)
    return sorted([*earlier, *mapped])


def printable(text: str) -> str:
    """`text` for one line of a terminal: what is not printable escaped as repr() does (`\\n`, `\\x1b`),
    so a file name holding a newline or an escape sequence cannot fake or colour a line of output."""
    if text.isprintable():
        return text
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
