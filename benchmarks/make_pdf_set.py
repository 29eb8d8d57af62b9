"""Write the PDF test set: corpus documents typeset as PDF volumes (digital, two-column, scanned) with truth.

Usage: python benchmarks/make_pdf_set.py [--corpus ../shared/corpus] [--out .cache/pdf-set]
       [--queries ../shared/eval/dev_queries.jsonl | --all] [--per-volume 6]

By default the documents are those the development queries answer from, so `vkb eval --pdf-set`
can score page accuracy on every query. The folder holds `digital/`, `twocolumn/` and `scanned/`
(each with its PDFs and a manifest.jsonl) and `truth.jsonl`; it is a cache, never committed.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.fixtures is not an installed package

from tests.fixtures.pdf_set import make_pdf_set


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path("../shared/corpus"))
    parser.add_argument("--out", type=Path, default=Path(".cache/pdf-set"))
    parser.add_argument("--queries", type=Path, default=Path("../shared/eval/dev_queries.jsonl"))
    parser.add_argument("--all", action="store_true", help="every corpus document, not only the queries' ones")
    parser.add_argument("--per-volume", type=int, default=6, help="corpus documents per PDF volume")
    args = parser.parse_args()
    doc_ids = None
    if not args.all:
        rows = [json.loads(line) for line in args.queries.read_text(encoding="utf-8").splitlines() if line.strip()]
        doc_ids = [row["doc_id"] for row in rows]
    started = time.perf_counter()
    truths = make_pdf_set(args.corpus, args.out, doc_ids, per_volume=args.per_volume)
    for layout in sorted({t.layout for t in truths}):
        chosen = [t for t in truths if t.layout == layout]
        print(f"{layout:10} {len(chosen)} PDFs, {sum(t.page_count for t in chosen)} pages")
    print(f"written to {args.out} in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
