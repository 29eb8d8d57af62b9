"""Choose chunk size and fusion by measurement, cross-validated on the development queries.

For each chunk size: ingest the corpus into a temporary index, run every query lexically, densely
and as hybrids over a grid of dense weights and both fusion methods (weighted min-max, RRF), then
2-fold cross-validate: pick the best setting on one half of the queries (by MRR@10), report it on
the other half, both ways. Also prints citation precision: the mean length in characters of the
first passage that answers (what a reader scans to find the answer).

Usage: .venv/bin/python benchmarks/fusion_cv.py --corpus ../shared/corpus \
           --queries ../shared/eval/dev_queries.jsonl --chunk-tokens 128 192 256 384 0
(0 = the model's maximum.) Prints figures; nothing is tuned to single queries.
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import tempfile
import time
from pathlib import Path

from ingest import ingest_paths
from kb import KnowledgeBase, load_embedder, load_settings, search
from kb.evaluation import EvalQuery, answers, load_queries
from kb.fusion import Weights

DENSE_WEIGHTS = (0.2, 0.3, 0.5, 0.75, 1.0, 1.5)
TITLE_WEIGHTS = ("in-text", 0.0, 0.25, 0.5, 1.0)  # the title inside each chunk's text, or a field of this weight


def fold(query: EvalQuery) -> int:
    return int(hashlib.md5(query.id.encode()).hexdigest(), 16) % 2


def ranks(
    kb: KnowledgeBase, queries: list[EvalQuery], weights: Weights | None, mode: str
) -> dict[str, tuple[int | None, int]]:
    """query id -> (rank of the first answering passage or None, its length in characters)."""
    searcher = kb.searcher
    if weights is not None:
        searcher.weights = weights
    out = {}
    for query in queries:
        gold = (query.doc_id, kb.source_to_text(query.doc_id, query.start), kb.source_to_text(query.doc_id, query.end))
        hits = searcher.search(query.query, k=10, mode=mode)  # type: ignore[arg-type]
        first = next((i for i, h in enumerate(hits) if answers(h.doc_id, h.char_start, h.char_end, gold)), None)
        out[query.id] = (first, (hits[first].char_end - hits[first].char_start) if first is not None else 0)
    return out


def mrr(result: dict[str, tuple[int | None, int]], ids: list[str]) -> float:
    return sum(1 / (result[i][0] + 1) for i in ids if result[i][0] is not None) / max(len(ids), 1)


def recall10(result: dict[str, tuple[int | None, int]], ids: list[str]) -> float:
    return sum(1 for i in ids if result[i][0] is not None) / max(len(ids), 1)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--queries", type=Path, required=True)
    parser.add_argument("--chunk-tokens", type=int, nargs="+", default=[0])
    parser.add_argument("--model", default=None)
    args = parser.parse_args()
    queries = load_queries(args.queries)
    halves = [[q.id for q in queries if fold(q) == f] for f in (0, 1)]
    kinds = sorted({q.kind for q in queries})
    embedder = load_embedder(load_settings(model=args.model))
    print(f"model {embedder.name}; {len(queries)} queries, folds of {len(halves[0])} and {len(halves[1])}")
    for size in args.chunk_tokens:
        with tempfile.TemporaryDirectory(prefix="vkb-cv-") as scratch:
            settings = load_settings(index=Path(scratch), model=args.model, chunk_tokens=size or None)
            kb = KnowledgeBase.open(settings, embedder=embedder)
            started = time.perf_counter()
            report = ingest_paths([args.corpus], kb)
            took = time.perf_counter() - started
            chunks = sum(d.chunk_count for d in kb.documents())
            runs = {"dense": ranks(kb, queries, None, "dense")}
            for t in TITLE_WEIGHTS:
                search.TITLE_IN_TEXT = t == "in-text"
                kb.searcher._table = None  # the lexical index differs between the two designs
                title = 1.0 if t == "in-text" else float(t)
                runs[f"lexical:t{t}"] = ranks(kb, queries, Weights(title=title), "lexical")
                runs[f"rrf:0.3:t{t}"] = ranks(kb, queries, Weights(dense=0.3, title=title, method="rrf"), "hybrid")
                for w in DENSE_WEIGHTS:
                    runs[f"weighted:{w}:t{t}"] = ranks(kb, queries, Weights(dense=w, title=title), "hybrid")
            search.TITLE_IN_TEXT = False
            kb.close()
        all_ids = [q.id for q in queries]
        print(
            f"\nchunk tokens {size or 'max'} ({kb.chunk_tokens}): {chunks} chunks, ingest {took:.1f} s, ok={report.ok}"
        )
        for name in ["dense", *(n for n in runs if n.startswith("lexical:"))]:
            r = runs[name]
            print(f"  {name:14} R@10 {recall10(r, all_ids):.2f}  MRR@10 {mrr(r, all_ids):.3f}")
        hybrid = [n for n in runs if n.startswith("weighted:")]  # RRF is reported, not chosen from (it lost)
        best_all = max(hybrid, key=lambda n: mrr(runs[n], all_ids))
        for n in hybrid:
            r = runs[n]
            mark = " <- best on all (not a result)" if n == best_all else ""
            print(f"  {n:14} R@10 {recall10(r, all_ids):.2f}  MRR@10 {mrr(r, all_ids):.3f}{mark}")
        cv_r, cv_m = [], []
        for fit, test in ((0, 1), (1, 0)):
            chosen = max(hybrid, key=lambda n: (mrr(runs[n], halves[fit]), recall10(runs[n], halves[fit])))
            cv_m.append(mrr(runs[chosen], halves[test]))
            cv_r.append(recall10(runs[chosen], halves[test]))
            print(f"  fold fit={fit}: chose {chosen}; on the other half R@10 {cv_r[-1]:.2f} MRR@10 {cv_m[-1]:.3f}")
        print(f"  cross-validated hybrid: R@10 {statistics.mean(cv_r):.2f}  MRR@10 {statistics.mean(cv_m):.3f}")
        lengths = [length for first, length in runs[best_all].values() if first is not None]
        print(f"  citation precision: mean answering passage {statistics.mean(lengths):.0f} characters")
        for kind in kinds:
            ids = [q.id for q in queries if q.kind == kind]
            best_lexical = max((n for n in runs if n.startswith("lexical:")), key=lambda n: mrr(runs[n], all_ids))
            shown = (best_lexical, "dense", best_all)
            line = "  ".join(f"{m} {recall10(runs[m], ids):.2f}/{mrr(runs[m], ids):.2f}" for m in shown)
            print(f"    {kind:11} (R@10/MRR) {line}")


if __name__ == "__main__":
    main()
