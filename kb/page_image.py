"""The cited page as it looks: a PDF page rendered (PDFium) with the cited passage highlighted, and the
original file, opened at that page, for download.

The passage is found in the page's text layer by its letters and digits only (the indexed text has
running lines removed, hyphenation undone and tables re-laid as rows, so it is not the raw text
layer); its characters' boxes are drawn as translucent yellow rectangles. A page without a text
layer (a scan) is shown without a highlight. Files are served only from inside the index folder
(uploads live there); anything else, a symlink leading out included, is refused.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pypdfium2 as pdfium

_ALNUM = re.compile(r"\w")
_WORDS = re.compile(r"\w+")
HIGHLIGHT = (250, 204, 21, 110)  # translucent yellow, RGBA
ANCHOR = 60  # letters matched at each end of a passage that is not found whole


class PageViewError(Exception):
    """The page cannot be shown or the file cannot be served. `str()` is a one-line English reason."""


class FileOutsideIndex(PageViewError):
    """The file lies outside the index folder: the app never serves it."""


@dataclass(frozen=True)
class PageView:
    png: bytes
    page: int  # 1-based
    page_count: int
    width: int
    height: int
    boxes: tuple[tuple[int, int, int, int], ...]  # highlighted rectangles in image pixels (left, top, right, bottom)

    @property
    def highlighted(self) -> bool:
        return bool(self.boxes)


def _letters(text: str) -> tuple[str, list[int]]:
    kept = [(m.group().lower(), m.start()) for m in _ALNUM.finditer(text) if m.group() != "_"]
    return "".join(c for c, _ in kept), [p for _, p in kept]


def passage_range(page_text: str, passage: str) -> tuple[int, int] | None:
    """The character range [start, end) of `passage` in the page's raw text, letters and digits compared."""
    small, _ = _letters(passage)
    large, positions = _letters(page_text)
    if not small or not large:
        return None
    found = large.find(small)
    if found >= 0:
        return positions[found], positions[found + len(small) - 1] + 1
    head, tail = small[:ANCHOR], small[-ANCHOR:]
    start = large.find(head)
    end = large.find(tail, max(start, 0))
    if start < 0 or end < 0:
        return None
    return positions[start], positions[end + len(tail) - 1] + 1


Box = tuple[float, float, float, float]  # left, bottom, right, top in PDF points


def words_range(words: Sequence[str], passage: str) -> tuple[int, int] | None:
    """The run of `words` (OCR output) that best matches the passage's words, when at least 60 % of
    them are there in a window of the passage's length: OCR misreads some letters, so no exact match."""
    wanted = Counter(w.lower() for w in _WORDS.findall(passage))
    size = sum(wanted.values())
    keys = [" ".join(_WORDS.findall(w)).lower() for w in words]
    if not size or not keys:
        return None
    have: Counter[str] = Counter()
    shared, best = 0, (0, 0)
    for i, key in enumerate(keys):
        have[key] += 1
        shared += have[key] <= wanted[key]
        if i >= size:
            old = keys[i - size]
            shared -= have[old] <= wanted[old]
            have[old] -= 1
        if shared > best[0]:
            best = (shared, i)
    if best[0] < 0.6 * size:
        return None
    first = max(0, best[1] - size + 1)
    while first < best[1] and keys[first] not in wanted:  # trim unmatched words at the window's ends
        first += 1
    last = best[1]
    while last > first and keys[last] not in wanted:
        last -= 1
    return first, last + 1


def render_page(
    path: Path,
    page: int,
    *,
    passage: str | None = None,
    scale: float = 1.6,
    words: Sequence[tuple[str, Box]] | None = None,
) -> PageView:
    """Page `page` of the PDF at `path` as a PNG, with `passage` highlighted where the text layer has it,
    or, on a scanned page, where the OCR `words` (text and box) have it."""
    from PIL import Image, ImageDraw

    try:
        pdf = pdfium.PdfDocument(str(path))
    except (pdfium.PdfiumError, OSError) as exc:
        raise PageViewError(f"the PDF cannot be opened ({exc})") from exc
    try:
        count = len(pdf)
        if not 1 <= page <= count:
            raise PageViewError(f"the PDF has {count} pages, not a page {page}")
        handle = pdf[page - 1]
        try:
            _, height = handle.get_size()
            image = handle.render(scale=scale).to_pil().convert("RGBA")
            rects = _passage_rects(handle, passage) if passage else []
            if passage and not rects and words:
                found = words_range([w for w, _ in words], passage)
                rects = [box for _, box in words[found[0] : found[1]]] if found else []
        finally:
            handle.close()
    finally:
        pdf.close()
    boxes = tuple(
        (int(left * scale), int((height - top) * scale), int(right * scale) + 1, int((height - bottom) * scale) + 1)
        for left, bottom, right, top in rects
    )
    if boxes:
        overlay = Image.new("RGBA", image.size, (0, 0, 0, 0))
        draw = ImageDraw.Draw(overlay)
        for box in boxes:
            draw.rectangle(box, fill=HIGHLIGHT)
        image = Image.alpha_composite(image, overlay)
    buffer = io.BytesIO()
    image.convert("RGB").save(buffer, "PNG", optimize=True)
    return PageView(buffer.getvalue(), page, count, image.width, image.height, boxes)


def _passage_rects(page: pdfium.PdfPage, passage: str) -> list[tuple[float, float, float, float]]:
    textpage = page.get_textpage()
    try:
        found = passage_range(textpage.get_text_range(), passage)
        if found is None:
            return []
        start, end = found
        return [textpage.get_rect(i) for i in range(textpage.count_rects(start, end - start))]
    finally:
        textpage.close()


def servable_file(index: Path, abs_path: str) -> Path:
    """The file at `abs_path` if it lies inside the index folder (symlinks resolved) and exists."""
    root = Path(index).expanduser().resolve()
    try:
        path = Path(abs_path).resolve(strict=True)
    except (OSError, RuntimeError) as exc:
        raise PageViewError("the original file is no longer there") from exc
    if not path.is_relative_to(root):
        raise FileOutsideIndex("only files inside the index folder (uploads) are served")
    if not path.is_file():
        raise PageViewError("the original is not a file")
    return path


def pdf_at_page(path: Path, page: int) -> bytes:
    """The PDF's bytes, set to open at `page` (1-based) in a PDF reader; otherwise unchanged."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.errors import PyPdfError

    try:
        writer = PdfWriter(clone_from=PdfReader(path))
        writer.open_destination = writer.pages[max(0, min(page, len(writer.pages)) - 1)]
        buffer = io.BytesIO()
        writer.write(buffer)
    except (PyPdfError, OSError, ValueError, KeyError) as exc:
        raise PageViewError(f"the PDF cannot be prepared for download ({exc})") from exc
    return buffer.getvalue()
