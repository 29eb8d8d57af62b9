"""Choose chunk size and fusion by measurement, cross-validated on the development queries.

For each chunk size: ingest the corpus into a temporary index, run every query lexically, densely
and as hybrids over a grid of dense weights and both fusion methods (weighted min-max, RRF), then
2-fold cross-validate: pick the best setting on one half of the queries (by MRR@10), report it on
the other half, both ways. Also prints citation precision: the mean length in characters of the
first passage that answers (what a reader scans to find the answer).

Usage: .venv/bin/python benchmarks/fusion_cv.py --corpus ../shared/corpus \
           --queries ../shared/eval/dev_queries.jsonl --chunk-tokens 128 192 256 384 0
(0 = the model's maximum.) Prints figures; nothing is tuned to single queries.

With `--index DIR` the corpus is ingested into (or reused from) that folder at the model's chunk
size, and `--remedies` then cross-validates the ranking remedies of `benchmarks/remedies.py` (issue
#10): each family's grid includes the plain dense-weight grid, so "remedy off" can always be chosen.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import functools
import hashlib
import json
import statistics
import tempfile
import time
from pathlib import Path

from ingest import ingest_paths
from kb import KnowledgeBase, lexical, load_embedder, load_settings, search
from kb.evaluation import EvalQuery, answers, load_queries
from kb.fusion import Weights
from kb.hits import Hit
from kb.signals import SIGNALS, DenseSignal, LexicalSignal

try:
    from benchmarks.remedies import (
        MinMaxLexical,
        ProximitySettings,
        SpreadDense,
        TermProximity,
        document_evidence,
        within_document,
    )
except ImportError:  # run as a script from the benchmarks folder
    from remedies import (  # type: ignore[no-redef]
        MinMaxLexical,
        ProximitySettings,
        SpreadDense,
        TermProximity,
        document_evidence,
        within_document,
    )

Result = dict[str, tuple[int | None, int]]

DENSE_WEIGHTS = (0.2, 0.3, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)
TITLE_WEIGHTS = ("in-text", 0.0, 0.25, 0.5, 1.0)  # the title inside each chunk's text, or a field of this weight
PROXIMITY_WEIGHTS = (0.1, 0.25, 0.5, 1.0)
PROXIMITY_WINDOWS = (3, 8)
DOCUMENT_GAMMAS = (0.1, 0.25, 0.5)
BM25_K1 = (0.0, 0.1, 0.2, 0.35, 0.5, 0.8, 1.2, 1.6)
BM25_B = (0.4, 0.75)
NORMALISED_DENSE_WEIGHTS = (0.1, 0.2, 0.3, 0.5, 0.75, 1.0, 1.5)  # a spread-scaled dense score runs to ~3-5


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


def cross_validate(runs: dict[str, Result], halves: list[list[str]], names: list[str]) -> tuple[Result, list[str]]:
    """Per query, its result under the setting chosen (best MRR@10, then R@10) on the other half."""
    pooled: Result = {}
    chosen = []
    for fit, test in ((0, 1), (1, 0)):
        best = max(names, key=lambda n: (mrr(runs[n], halves[fit]), recall10(runs[n], halves[fit])))
        chosen.append(best)
        pooled.update({i: runs[best][i] for i in halves[test]})
    return pooled, chosen


def _no_cached_index(folder: Path) -> lexical.LexicalIndex:
    raise OSError("k1/b experiments rebuild the lexical index")


def two_stage(runs: dict[str, Result], ids: list[str]) -> tuple[float, float, float]:
    """(k1, b, dense weight): BM25's k1/b by the lexical ranking alone, then the dense weight of the
    hybrid at that k1/b (each signal's own parameters on its own ranking, then the fusion)."""

    def key(name: str) -> tuple[float, float]:
        return mrr(runs[name], ids), recall10(runs[name], ids)

    k1, b = max(((k1, b) for k1 in BM25_K1 for b in BM25_B), key=lambda p: key(f"lexical k1={p[0]} b={p[1]}"))
    return k1, b, max(DENSE_WEIGHTS, key=lambda w: key(f"dense={w} k1={k1} b={b}"))


def remedy_ranks(
    kb: KnowledgeBase,
    queries: list[EvalQuery],
    weights: Weights,
    signals: tuple[object, ...] = SIGNALS,
    post: object = None,
    mode: str = "hybrid",
) -> Result:
    """Like `ranks`, through a fresh searcher with the given signals, optionally re-ranking the top 100
    (from the same candidate pool as a top-10 search) with `post` before cutting at 10."""
    searcher = search.Searcher(kb, analyzer=kb.searcher.analyzer, weights=weights, signals=signals)  # type: ignore[arg-type]
    out: Result = {}
    for query in queries:
        gold = (query.doc_id, kb.source_to_text(query.doc_id, query.start), kb.source_to_text(query.doc_id, query.end))
        plan = searcher.plan(query.query, k=100, mode=mode)  # type: ignore[arg-type]
        hits: list[Hit] = searcher.run(dataclasses.replace(plan, candidates=search.CANDIDATES))
        if callable(post):
            hits = post(hits)
        hits = hits[:10]
        first = next((i for i, h in enumerate(hits) if answers(h.doc_id, h.char_start, h.char_end, gold)), None)
        out[query.id] = (first, (hits[first].char_end - hits[first].char_start) if first is not None else 0)
    return out


FAMILIES = ("proximity", "within-document", "document evidence", "bm25 k1/b", "normalisation")


def remedies(
    kb: KnowledgeBase, queries: list[EvalQuery], halves: list[list[str]], chosen: list[str], dump: Path | None
) -> None:
    """Cross-validate each remedy family against the plain dense-weight grid."""
    all_ids = [q.id for q in queries]
    kinds = sorted({q.kind for q in queries})
    kb.embedder.embed_query = functools.lru_cache(maxsize=None)(kb.embedder.embed_query)  # type: ignore[method-assign]
    analyzer = kb.searcher.analyzer
    runs: dict[str, Result] = {}
    base = [f"dense={w}" for w in DENSE_WEIGHTS]
    for w in DENSE_WEIGHTS:
        runs[f"dense={w}"] = remedy_ranks(kb, queries, Weights(dense=w))
    runs["lexical"] = remedy_ranks(kb, queries, Weights(), mode="lexical")
    runs["dense"] = remedy_ranks(kb, queries, Weights(), mode="dense")
    families: dict[str, list[str]] = {"plain": base}

    if "proximity" in chosen:
        family = families.setdefault("proximity", list(base))
        for window in PROXIMITY_WINDOWS:
            signal = TermProximity.factory(ProximitySettings(window=window), analyzer)
            for p in PROXIMITY_WEIGHTS:
                for w in DENSE_WEIGHTS:
                    name = f"dense={w} proximity={p} window={window}"
                    weights = Weights(dense=w, others=(("proximity", p),))
                    runs[name] = remedy_ranks(kb, queries, weights, (*SIGNALS, signal))
                    family.append(name)

    if "within-document" in chosen:
        family = families.setdefault("within-document", list(base))
        proximity = TermProximity.factory(ProximitySettings(window=5), analyzer)
        for by in ("lexical", "dense", "proximity"):
            for w in DENSE_WEIGHTS:
                name = f"dense={w} within-document by {by}"
                weights = Weights(dense=w, others=(("proximity", 0.0),))
                post = functools.partial(within_document, signal=by)
                runs[name] = remedy_ranks(kb, queries, weights, (*SIGNALS, proximity), post)
                family.append(name)

    if "document evidence" in chosen:
        family = families.setdefault("document evidence", list(base))
        for gamma in DOCUMENT_GAMMAS:
            for w in DENSE_WEIGHTS:
                name = f"dense={w} document gamma={gamma}"
                runs[name] = remedy_ranks(
                    kb, queries, Weights(dense=w), post=functools.partial(document_evidence, gamma=gamma)
                )
                family.append(name)

    if "bm25 k1/b" in chosen:
        family = families.setdefault("bm25 k1/b", [])
        load, save, k1_b = search.LexicalIndex.load, search.Searcher._save_lexical, (lexical.K1, lexical.B)
        search.LexicalIndex.load = _no_cached_index  # type: ignore[method-assign]
        search.Searcher._save_lexical = staticmethod(lambda lexical, folder: None)  # type: ignore[method-assign]
        for k1 in BM25_K1:
            for b in BM25_B:
                lexical.K1, lexical.B = k1, b
                kb.searcher._table = None
                for w in DENSE_WEIGHTS:
                    name = f"dense={w} k1={k1} b={b}"
                    runs[name] = remedy_ranks(kb, queries, Weights(dense=w))
                    family.append(name)
                runs[f"lexical k1={k1} b={b}"] = remedy_ranks(kb, queries, Weights(), mode="lexical")
        lexical.K1, lexical.B = k1_b
        search.LexicalIndex.load, search.Searcher._save_lexical = load, save  # type: ignore[method-assign]
        kb.searcher._table = None

    if "normalisation" in chosen:
        family = families.setdefault("normalisation", list(base))
        pairs = {
            "lexical min-max": (MinMaxLexical, DenseSignal),
            "dense spread": (LexicalSignal, SpreadDense),
            "lexical min-max, dense spread": (MinMaxLexical, SpreadDense),
        }
        for label, signals in pairs.items():
            for w in NORMALISED_DENSE_WEIGHTS:
                name = f"dense={w} {label}"
                runs[name] = remedy_ranks(kb, queries, Weights(dense=w), signals)
                family.append(name)

    if dump is not None:
        dump.write_text(json.dumps({"halves": halves, "families": families, "runs": runs}), encoding="utf-8")

    def line(result: Result, ids: list[str]) -> str:
        return f"{recall10(result, ids):.2f}/{mrr(result, ids):.3f}"

    if "bm25 k1/b" in chosen:
        pooled: Result = {}
        picks = []
        for fit, test in ((0, 1), (1, 0)):
            k1, b, w = two_stage(runs, halves[fit])
            picks.append(f"k1={k1} b={b} dense={w}")
            pooled.update({i: runs[f"dense={w} k1={k1} b={b}"][i] for i in halves[test]})
        runs["k1/b two-stage CV"] = pooled
        k1, b, w = two_stage(runs, all_ids)
        two_stage_note = f"chose {picks[0]} | {picks[1]}; on all 40: k1={k1} b={b} dense={w}"

    print("\nremedies (R@10/MRR@10 on all 40; cross-validated = each half scored with the setting chosen on the other)")
    for mode in ("lexical", "dense"):
        print(
            f"  {mode:18} all {line(runs[mode], all_ids)}  "
            + "  ".join(f"{k} {line(runs[mode], [q.id for q in queries if q.kind == k])}" for k in kinds)
        )
    for label, names in families.items():
        best = max(names, key=lambda n: (mrr(runs[n], all_ids), recall10(runs[n], all_ids)))
        pooled, picked = cross_validate(runs, halves, names)
        folds = [mrr(runs[c], halves[1 - f]) for f, c in enumerate(picked)]
        print(f"  {label:18} best on all {line(runs[best], all_ids)} ({best}); {len(names)} settings")
        print(
            f"  {'':18} CV {line(pooled, all_ids)} (fold means {statistics.mean(folds):.3f}); "
            f"chose {picked[0]!r} | {picked[1]!r}"
        )
        print(
            f"  {'':18} CV per kind "
            + "  ".join(f"{k} {line(pooled, [q.id for q in queries if q.kind == k])}" for k in kinds)
        )
    if "bm25 k1/b" in chosen:
        cv = runs["k1/b two-stage CV"]
        print(f"  {'k1/b two-stage':18} CV {line(cv, all_ids)}; {two_stage_note}")
        print(
            f"  {'':18} CV per kind "
            + "  ".join(f"{k} {line(cv, [q.id for q in queries if q.kind == k])}" for k in kinds)
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, required=True)
    parser.add_argument("--queries", type=Path, required=True)
    parser.add_argument("--chunk-tokens", type=int, nargs="+", default=[0])
    parser.add_argument("--model", default=None)
    parser.add_argument("--index", type=Path, default=None, help="ingest into (or reuse) this index folder")
    parser.add_argument(
        "--remedies", nargs="*", choices=FAMILIES, default=None, help="also cross-validate these remedy families (all)"
    )
    parser.add_argument("--remedies-only", action="store_true", help="skip the chunk-size/title grid")
    parser.add_argument("--dump", type=Path, default=None, help="write every remedy run's ranks as JSON")
    args = parser.parse_args()
    if args.index and len(args.chunk_tokens) > 1:
        parser.error("--index holds one chunk size")
    queries = load_queries(args.queries)
    halves = [[q.id for q in queries if fold(q) == f] for f in (0, 1)]
    kinds = sorted({q.kind for q in queries})
    embedder = load_embedder(load_settings(model=args.model))
    print(f"model {embedder.name}; {len(queries)} queries, folds of {len(halves[0])} and {len(halves[1])}")
    for size in args.chunk_tokens:
        folder = (
            contextlib.nullcontext(str(args.index)) if args.index else tempfile.TemporaryDirectory(prefix="vkb-cv-")
        )
        with folder as scratch:
            settings = load_settings(index=Path(scratch), model=args.model, chunk_tokens=size or None)
            kb = KnowledgeBase.open(settings, embedder=embedder)
            started = time.perf_counter()
            report = ingest_paths([args.corpus], kb)
            took = time.perf_counter() - started
            chunks = sum(d.chunk_count for d in kb.documents())
            if args.remedies_only:
                remedies(kb, queries, halves, args.remedies or list(FAMILIES), args.dump)
                kb.close()
                continue
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
            kb.searcher._table = None
            if args.remedies is not None:
                remedies(kb, queries, halves, args.remedies or list(FAMILIES), args.dump)
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
