"""Pure text clean-up: characters no text may carry, and for page-based formats running headers/footers,
page numbers and hyphenation."""

from __future__ import annotations

import itertools
import math
import re
from collections import Counter
from collections.abc import Sequence
from difflib import SequenceMatcher

ZONE = 3  # lines at the top and bottom of a page where running headers/footers live
_PAGE_NUMBER = re.compile(
    r"^\s*(?:[-–—]\s*)?(?:(?:sida|sid\.|s\.|page|p\.)\s*)?\d{1,4}(?:\s*(?:av|of|/)\s*\d{1,4})?(?:\s*[-–—])?\s*$",
    re.IGNORECASE,
)
# After a line-end hyphen, these words mean the hyphen is real ("hälso- och sjukvård").
_KEEP_HYPHEN_BEFORE = frozenset(
    {"och", "eller", "samt", "respektive", "resp", "till", "som", "men", "liksom", "utan", "and", "or", "to"}
)
_FOOTNOTE = re.compile(r"^\s*\d{1,3}\s+\S")
_CONTINUED = re.compile(r"([a-zà-öø-ÿ][^\s]*)")
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


def _zones(lines: list[str], least: int = 1) -> list[int]:
    """Indexes of the first and last non-empty lines (ZONE, but at most a third of the page each, and at
    least `least`)."""
    filled = [i for i, line in enumerate(lines) if line.strip()]
    size = max(least, min(ZONE, len(filled) // 3))
    return sorted(set(filled[:size] + filled[-size:]))


def _page_offset(occurrences: list[tuple[int, str]], threshold: int) -> tuple[int, int] | None:
    """Which number of the line (position) moves in step with the page, and by what offset ("Rapport
    2023, sida 7" on page 9: (1, -2)); None when none does on at least `threshold` pages."""
    offsets: Counter[tuple[int, int]] = Counter()
    for page, line in occurrences:
        for position, number in enumerate(re.findall(r"\d+", line)):
            offsets[(position, int(number) - page)] += 1
    if not offsets or offsets.most_common(1)[0][1] < threshold:
        return None
    return offsets.most_common(1)[0][0]


def _moves_with_page(line: str, page: int, tracking: dict[str, tuple[int, int]]) -> bool:
    """Whether the line has a running line's shape with its number in step with this page (a lone
    "2024" on a cover has the shape of a page number "7" but not its number)."""
    where = tracking.get(_shape(line))
    if where is None:
        return False
    numbers = re.findall(r"\d+", line)
    position, offset = where
    return position < len(numbers) and int(numbers[position]) - page == offset


def _letters(line: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"[^\w]+", "", line.lower()))


def _fuzzy_running(split: list[list[str]], sample_size: int = 12) -> set[tuple[int, int]]:
    """(page index, line index) of zone lines that recur, nearly alike, on at least half of a sample of
    pages: running lines in OCR text, where a letter read differently on each page defeats exact matching."""
    filled = [i for i, lines in enumerate(split) if any(line.strip() for line in lines)]
    if len(filled) < 3:
        return set()
    step = max(1, len(filled) // sample_size)
    sample = filled[::step][:sample_size]
    zone_of = {i: [_letters(split[i][j]) for j in _zones(split[i])] for i in sample}
    found = set()
    for i in filled:
        for j in _zones(split[i]):
            key = _letters(split[i][j])
            if len(key) < 4:
                continue
            others = [p for p in sample if p != i]
            alike = sum(
                any(
                    SequenceMatcher(None, key, other).quick_ratio() >= 0.85
                    and SequenceMatcher(None, key, other).ratio() >= 0.85
                    for other in zone_of[p]
                )
                for p in others
            )
            if alike * 2 >= len(others):
                found.add((i, j))
    return found


def strip_running_lines(pages: list[str], *, fuzzy: bool = False) -> list[str]:
    """Remove page numbers and running headers/footers from the top and bottom lines of pages.

    A line goes when its exact text recurs there on at least half of the pages, or when its shape
    (digits aside) recurs and one of its numbers moves in step with the page number (and does so on
    this page), or when it is a bare page number no larger than the page count (plus 30). With
    `fuzzy` (OCR text), a line also goes when nearly the same line recurs there on half of the pages.
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
    tracking: dict[str, tuple[int, int]] = {}
    if with_text >= 3:
        running = {text for text, n in exact.items() if n >= threshold and text}
        # At least three pages: in a short document, numbered footnotes ("1 Se …" on page 2, "2 Se …"
        # on page 3) would otherwise pass for a running line that tracks the page.
        tracking = {
            shape: offset
            for shape, seen in shapes.items()
            if "#" in shape and (offset := _page_offset(seen, max(3, threshold))) is not None
        }
    alike = _fuzzy_running(split) if fuzzy else set()
    cleaned = []
    for page_number, lines in enumerate(split, start=1):
        # Exact running lines and bare page numbers are looked for in at least two lines at each end: a
        # text layer often gives header and footer both first, before the text of a short last page.
        drop = {
            i
            for i in _zones(lines)
            if (page_number - 1, i) in alike or _moves_with_page(lines[i], page_number, tracking)
        }
        drop |= {i for i in _zones(lines, 2) if _exact(lines[i]) in running or _is_page_number(lines[i], len(pages))}
        cleaned.append("\n".join(line for i, line in enumerate(lines) if i not in drop).strip("\n"))
    return cleaned


def _is_page_number(line: str, pages: int) -> bool:
    """A bare page number ("7", "– 7 –", "Sida 7 av 9"), not a year alone on a cover ("2024")."""
    match = _PAGE_NUMBER.match(line)
    return bool(match) and int(re.findall(r"\d+", line)[0]) <= pages + 30


def join_across_pages(pages: list[str]) -> list[str]:
    """A word hyphenated over a page break ("kompe-" | "tens") is joined onto the page where it starts."""
    joined = list(pages)
    filled = [i for i, page in enumerate(joined) if page.strip()]
    for here, after in itertools.pairwise(filled):
        lines = joined[here].rstrip().split("\n")
        body = len(lines)  # footnotes ("3 Se …") may follow the last line of the body text
        while body > 1 and _FOOTNOTE.match(lines[body - 1]) and len(lines) - body < 4:
            body -= 1
        end = lines[body - 1].rstrip()
        start = joined[after].lstrip()
        match = _CONTINUED.match(start)
        stem = end.rsplit(None, 1)[-1] if end.strip() else ""
        if re.search(r"[A-Za-zÀ-ÖØ-öø-ÿ]-$", end) and match and not _real_hyphen(stem[:-1], match.group(1)):
            lines[body - 1] = end[:-1] + match.group(1)
            joined[here] = "\n".join(lines)
            joined[after] = start[match.end() :].lstrip(" \t").lstrip("\n")
    return joined


def join_hyphenation(text: str) -> str:
    """Undo line-break hyphenation ("kompetens-\\nförsörjning"); keep real hyphens ("hälso-\\noch")."""

    def repair(match: re.Match[str]) -> str:
        before, word = match.group(1), match.group(2)
        start = max(text.rfind(" ", 0, match.start()), text.rfind("\n", 0, match.start())) + 1
        if _real_hyphen(text[start : match.start() + 1], word):
            return f"{before}- {word}"
        return f"{before}{word}"

    return _HYPHENATED.sub(repair, text)


def _real_hyphen(stem: str, word: str) -> bool:
    """Whether "stem-" + "word" at a line break is a real hyphen ("hälso- och") rather than a split word.

    Only when the second part is a conjunction-like word is there a doubt; then the joined form decides:
    a known Swedish word ("tax-" + "or" = "taxor"), or a compound ending in a common one
    ("specialistsjuksköterskeexa-" + "men" ends in "examen"), is a split word.
    """
    if word.lower() not in _KEEP_HYPHEN_BEFORE:
        return False
    from wordfreq import zipf_frequency

    joined = (stem + word).lower()
    if zipf_frequency(joined, "sv") >= 1.5:
        return False
    tails = (joined[-(len(word) + n) :] for n in range(3, min(len(stem), 9) + 1))
    return not any(zipf_frequency(tail, "sv") >= 3.0 for tail in tails)


def clean_pages(pages: list[str], *, fuzzy: bool = False) -> list[str]:
    """Running lines removed (`fuzzy`: also nearly alike ones, for OCR text), then hyphenation undone
    (across page breaks too), page by page; trailing spaces trimmed."""
    stripped = join_across_pages(strip_running_lines(pages, fuzzy=fuzzy))
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
