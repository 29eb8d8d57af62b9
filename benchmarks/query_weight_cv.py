"""A query-dependent dense weight, cross-validated (issue #10): is a query-performance predictor worth it?

The dense weight of the hybrid becomes a + b * (1 - c), where c is the share of the query's terms
(vkb's analyzer) found in the title and text of the best lexical passage: a query whose words the
lexical side finds leans on it, one it does not (English, paraphrases) leans on the dense side. b = 0
is today's plain weight. (a, b) is chosen on one half of the queries and measured on the other,
both ways, for the fixed split of `fusion_cv.py` and for 200 random half-splits (repeated 2-fold CV).

Usage: .venv/bin/python benchmarks/query_weight_cv.py --index DIR --queries ../shared/eval/dev_queries.jsonl
(DIR: an index of ../shared/corpus made with the default model, e.g. by `vkb ingest`.) Prints figures.
"""

from __future__ import annotations

import argparse
import random
import statistics
from pathlib import Path

from kb import KnowledgeBase, load_settings
from kb.evaluation import EvalQuery, answers, load_queries
from kb.fusion import Weights

try:
    from benchmarks.fusion_cv import Result, fold, mrr, recall10
except ImportError:  # run as a script from the benchmarks folder
    from fusion_cv import Result, fold, mrr, recall10  # type: ignore[no-redef]

BASES = (0.5, 0.75, 1.0, 1.5, 2.0, 3.0)
SLOPES = (0.0, 0.5, 1.0, 2.0, 3.0)
Setting = tuple[float, float]


def coverage(kb: KnowledgeBase, query: str) -> float:
    """The share of the query's terms in the title and text of its best lexical passage."""
    analyzer = kb.searcher.analyzer
    terms = set(analyzer.terms(query))
    hits = kb.search(query, k=1, mode="lexical")
    if not terms or not hits:
        return 0.0
    return len(terms & set(analyzer.terms(f"{hits[0].title} {hits[0].text}"))) / len(terms)


def ranks(kb: KnowledgeBase, queries: list[EvalQuery], covered: dict[str, float], setting: Setting) -> Result:
    base, slope = setting
    out: Result = {}
    for query in queries:
        kb.searcher.weights = Weights(dense=base + slope * (1 - covered[query.id]))
        gold = (query.doc_id, kb.source_to_text(query.doc_id, query.start), kb.source_to_text(query.doc_id, query.end))
        hits = kb.search(query.query, k=10, mode="hybrid")
        first = next((i for i, h in enumerate(hits) if answers(h.doc_id, h.char_start, h.char_end, gold)), None)
        out[query.id] = (first, 0)
    return out


def held_out(runs: dict[Setting, Result], settings: list[Setting], halves: list[list[str]]) -> Result:
    pooled: Result = {}
    for fit, test in ((0, 1), (1, 0)):
        best = max(settings, key=lambda s: (mrr(runs[s], halves[fit]), recall10(runs[s], halves[fit])))
        pooled.update({i: runs[best][i] for i in halves[test]})
    return pooled


def cv_setup(doc: str | None) -> tuple[argparse.Namespace, list[EvalQuery], list[str], KnowledgeBase]:
    """The command line every cross-validation script here shares: --index, --queries, --splits."""
    parser = argparse.ArgumentParser(description=(doc or "").splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--queries", type=Path, required=True)
    parser.add_argument("--splits", type=int, default=200)
    args = parser.parse_args()
    queries = load_queries(args.queries)
    return args, queries, [q.id for q in queries], KnowledgeBase.open(load_settings(index=args.index))


def repeated_two_fold(
    runs: dict[Setting, Result], families: dict[str, list[Setting]], ids: list[str], splits: int
) -> dict[str, list[float]]:
    """Each family's held-out MRR@10 over `splits` random half-splits of the queries (repeated 2-fold CV)."""
    rng = random.Random(7)
    scores: dict[str, list[float]] = {name: [] for name in families}
    for _ in range(splits):
        shuffled = ids[:]
        rng.shuffle(shuffled)
        split = [shuffled[: len(ids) // 2], shuffled[len(ids) // 2 :]]
        for name, family in families.items():
            scores[name].append(mrr(held_out(runs, family, split), ids))
    for name, values in scores.items():
        mean, spread = statistics.mean(values), statistics.stdev(values)
        print(f"{name:16} repeated 2-fold CV ({splits} splits) MRR@10 {mean:.4f} ± {spread:.4f}")
    return scores


def main() -> None:
    args, queries, ids, kb = cv_setup(__doc__)
    covered = {q.id: coverage(kb, q.query) for q in queries}
    for kind in sorted({q.kind for q in queries}):
        print(f"coverage {kind:11} {statistics.mean(covered[q.id] for q in queries if q.kind == kind):.2f}")
    runs = {(a, b): ranks(kb, queries, covered, (a, b)) for a in BASES for b in SLOPES}
    for b in SLOPES:
        print(f"all 40 (optimistic), b={b}: " + "  ".join(f"a={a} {mrr(runs[(a, b)], ids):.3f}" for a in BASES))
    plain, weighted = [(a, 0.0) for a in BASES], list(runs)
    halves = [[q.id for q in queries if fold(q) == f] for f in (0, 1)]
    for name, family in (("plain", plain), ("query-dependent", weighted)):
        pooled = held_out(runs, family, halves)
        print(f"{name:16} fixed split CV R@10 {recall10(pooled, ids):.2f} MRR@10 {mrr(pooled, ids):.4f}")
    scores = repeated_two_fold(runs, {"plain": plain, "query-dependent": weighted}, ids, args.splits)
    better = sum(w > p for w, p in zip(scores["query-dependent"], scores["plain"], strict=True))
    print(f"query-dependent better than plain in {better} of {args.splits} splits")
    kb.close()


if __name__ == "__main__":
    main()
