"""PDF benchmark: pages/s and peak memory reading and fully ingesting a 500-page PDF, and OCR pages/s.

Usage: python benchmarks/pdf_bench.py [--corpus ../shared/corpus] [--pages 500] [--ocr-pages 8]
       [--no-ingest | --vectors random]

Typesets the corpus into one long volume (the PDF test set's layout: running header, page numbers,
footnotes, tables, hyphenation), then, each in a fresh process so peak memory is its own:
reads it with vkb's PDF reader (text layer); reads the first fifth of it the same way (if memory
grew with the document, the long read would need far more); reads `--ocr-pages` pages of it as a
scan (rendered images) with OCR; and ingests the whole volume and its first fifth, each into a new
index with the default model (reading, chunking, embedding, registry and Chroma writes), peak memory
measured before the ingest (the model loaded) and after it. Counts running headers and page-number
footers left in the text, and in the chunks the ingest stored in the registry. The volume has a
ruled table for nearly every page, so table finding is in the figure. With `--vectors random` the
ingests count tokens with the model's tokenizer but store random vectors: everything an ingest holds
in memory except the model's arithmetic, in minutes instead of half an hour.
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
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.fixtures is not an installed package


def measure(path: Path, running: Path | None) -> None:
    """Child process: read one PDF, print pages, seconds, peak RSS and which running lines leaked."""
    from ingest.readers import read_document

    started = time.perf_counter()
    doc = read_document(path)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    headers, footers = _running_left(running, [(p.number, doc.text[p.start : p.end]) for p in doc.pages])
    print(
        json.dumps(
            {
                "pages": doc.page_count,
                "ocr_pages": len(doc.ocr_pages),
                "seconds": seconds,
                "peak_mb": peak_mb,
                "characters": len(doc.text),
                "header_lines": headers,
                "footer_lines": footers,
            }
        )
    )


class _RandomVectors:
    """The default model's tokenizer (chunks are cut as in a real ingest) with random vectors."""

    def __init__(self, model: Any) -> None:
        self.model = model
        self.name, self.dimension, self.max_tokens = model.name, model.dimension, model.max_tokens
        self.random = np.random.default_rng(0)

    def count_tokens(self, texts: list[str]) -> list[int]:
        return self.model.count_tokens(texts)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self.random.random((len(texts), self.dimension), dtype=np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self.model.embed_query(text)


def measure_ingest(path: Path, running: Path | None, vectors: str) -> None:
    """Child process: ingest one PDF into a new index with the default model; print pages, seconds,
    peak RSS before (model loaded) and after the ingest, and the stored chunks holding running lines."""
    from ingest import ingest_paths
    from kb import KnowledgeBase, load_embedder, load_settings

    with tempfile.TemporaryDirectory(prefix="vkb-pdf-bench-index-") as folder:
        settings = load_settings(index=Path(folder))
        model = load_embedder(settings)
        kb = KnowledgeBase.open(settings, embedder=_RandomVectors(model) if vectors == "random" else model)
        kb.embedder.embed_passages(["Sjuksköterskor i regionerna."])  # the model is in memory before the ingest
        before_mb = _peak_mb()
        started = time.perf_counter()
        report = ingest_paths([path], kb)
        seconds = time.perf_counter() - started
        peak_mb = _peak_mb()
        if not report.ok:
            raise SystemExit(f"ingest failed: {report.outcomes} {report.problems}")
        chunks = [(chunk.page, chunk.text) for _, _, chunk in kb.registry.live_chunks()]
        kb.close()
    headers, footers = _running_left(running, chunks)
    print(
        json.dumps(
            {
                "pages": report.pages,
                "chunks": len(chunks),
                "seconds": seconds,
                "seconds_embedding": report.seconds_embedding,
                "before_mb": before_mb,
                "peak_mb": peak_mb,
                "header_chunks": headers,
                "footer_chunks": footers,
            }
        )
    )


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _running_left(running: Path | None, texts: list[tuple[int | None, str]]) -> tuple[int, int]:
    """Of these (page, text) pairs, how many hold the volume's running header, and how many its page's footer."""
    if running is None:
        return 0, 0
    from kb.page_truth import PdfTruth
    from tests.fixtures.pdf_set import running_lines_left

    return running_lines_left(PdfTruth.from_json(json.loads(running.read_text(encoding="utf-8"))), texts)


def _child(path: Path, running: Path | None = None, *, ingest: str | None = None) -> dict[str, float]:
    command = [sys.executable, __file__, "--ingest-one" if ingest else "--measure", str(path)]
    command += ["--running", str(running)] if running else []
    command += ["--vectors", ingest] if ingest else []
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path("../shared/corpus"))
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--ocr-pages", type=int, default=8)
    parser.add_argument("--no-ingest", action="store_true", help="read only; skip the two full ingests")
    parser.add_argument(
        "--vectors", choices=["model", "random"], default="model", help="random: ingest without the model's arithmetic"
    )
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--ingest-one", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--running", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        measure(args.measure, args.running)
        return
    if args.ingest_one:
        measure_ingest(args.ingest_one, args.running, args.vectors)
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
        scanned = scan(scanned_source, root / "skannad.pdf", dpi=200, seed=1) if args.ocr_pages else None

        running = root / "running.json"
        running.write_text(json.dumps(truth.to_json(), ensure_ascii=False), encoding="utf-8")
        whole = _child(long_pdf, running)
        part = _child(fifth)
        ocr = _child(scanned) if scanned else None
        ingests = [] if args.no_ingest else [_child(p, running, ingest=args.vectors) for p in (fifth, long_pdf)]
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
    if ocr:
        print(
            f"OCR: {ocr['ocr_pages']} scanned pages in {ocr['seconds']:.1f} s = "
            f"{ocr['ocr_pages'] / ocr['seconds']:.2f} pages/s "
            f"({ocr['seconds'] / max(ocr['ocr_pages'], 1):.1f} s/page); peak RSS {ocr['peak_mb']:.0f} MB"
        )
    kind = "full ingest" if args.vectors == "model" else "ingest with random vectors"
    loaded = ", the model loaded" if args.vectors == "model" else ""
    for run in ingests:
        print(
            f"{kind}, {run['pages']:.0f} pages: {run['chunks']:.0f} chunks in {run['seconds']:.1f} s = "
            f"{run['pages'] / run['seconds']:.2f} pages/s ({run['seconds_embedding']:.1f} s embedding); "
            f"peak RSS {run['peak_mb']:.0f} MB ({run['before_mb']:.0f} MB before the ingest{loaded}); "
            f"chunks holding the running header: {run['header_chunks']:.0f}, a page-number footer: "
            f"{run['footer_chunks']:.0f}"
        )


if __name__ == "__main__":
    main()
