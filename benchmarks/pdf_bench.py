"""PDF benchmark: pages/s for text-layer and OCR pages, and peak memory reading a 500-page PDF.

Usage: python benchmarks/pdf_bench.py [--corpus ../shared/corpus] [--pages 500] [--ocr-pages 8]

Typesets the corpus into one long volume (the PDF test set's layout: running header, page numbers,
footnotes, tables, hyphenation), then, each in a fresh process so peak memory is its own:
reads it with vkb's PDF reader (text layer); reads the first fifth of it the same way (if memory
grew with the document, the long read would need far more); and reads `--ocr-pages` pages of it as a
scan (rendered images) with OCR. Also counts running headers and page-number footers left in the
text (so in any chunk: chunks are spans of that text). The volume has a ruled table for nearly
every page, so table finding is in the figure.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.fixtures is not an installed package


def measure(path: Path, running: Path | None) -> None:
    """Child process: read one PDF, print pages, seconds, peak RSS and which running lines leaked."""
    from ingest.readers import read_document

    started = time.perf_counter()
    doc = read_document(path)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    header, footers = json.loads(running.read_text(encoding="utf-8")) if running else ("", {})
    pages = {p.number: [line.strip() for line in doc.text[p.start : p.end].split("\n")] for p in doc.pages}
    print(
        json.dumps(
            {
                "pages": doc.page_count,
                "ocr_pages": len(doc.ocr_pages),
                "seconds": seconds,
                "peak_mb": peak_mb,
                "characters": len(doc.text),
                "header_lines": sum(lines.count(header) for lines in pages.values()),
                "footer_lines": sum(footers.get(str(n)) in lines for n, lines in pages.items()),
            }
        )
    )


def _child(path: Path, running: Path | None = None) -> dict[str, float]:
    command = [sys.executable, __file__, "--measure", str(path)] + (["--running", str(running)] if running else [])
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path("../shared/corpus"))
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--ocr-pages", type=int, default=8)
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--running", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.measure, args.running)
        return

    from pypdf import PdfReader, PdfWriter

    from tests.fixtures.pdf_set import make_long_pdf, scan

    with tempfile.TemporaryDirectory(prefix="vkb-pdf-bench-") as folder:
        root = Path(folder)
        long_pdf = root / "lang.pdf"
        started = time.perf_counter()
        truth = make_long_pdf(args.corpus, long_pdf, pages=args.pages)
        size = long_pdf.stat().st_size / 1e6
        print(f"typeset {truth.page_count} pages in {time.perf_counter() - started:.1f} s ({size:.1f} MB)")

        fifth = root / "femtedel.pdf"
        writer = PdfWriter()
        for page in PdfReader(long_pdf).pages[: max(1, truth.page_count // 5)]:
            writer.add_page(page)
        writer.write(fifth)
        scanned_source = root / "ocr-kalla.pdf"
        writer = PdfWriter()
        for page in PdfReader(long_pdf).pages[1 : 1 + args.ocr_pages]:
            writer.add_page(page)
        writer.write(scanned_source)
        scanned = scan(scanned_source, root / "skannad.pdf", dpi=200, seed=1)

        running = root / "running.json"
        running.write_text(json.dumps([truth.header, {str(n): f for n, f in truth.footers}]), encoding="utf-8")
        whole = _child(long_pdf, running)
        part = _child(fifth)
        ocr = _child(scanned)
    print(
        f"text layer: {whole['pages']} pages in {whole['seconds']:.1f} s = "
        f"{whole['pages'] / whole['seconds']:.1f} pages/s; "
        f"peak RSS {whole['peak_mb']:.0f} MB ({part['pages']} pages of it: {part['peak_mb']:.0f} MB, "
        f"{part['pages'] / part['seconds']:.1f} pages/s)"
    )
    print(
        f"running headers left in the text: {whole['header_lines']}; page-number footers left: "
        f"{whole['footer_lines']} ({whole['characters']:,} characters)"
    )
    print(
        f"OCR: {ocr['ocr_pages']} scanned pages in {ocr['seconds']:.1f} s = "
        f"{ocr['ocr_pages'] / ocr['seconds']:.2f} pages/s "
        f"({ocr['seconds'] / max(ocr['ocr_pages'], 1):.1f} s/page); peak RSS {ocr['peak_mb']:.0f} MB"
    )


if __name__ == "__main__":
    main()
