"""The latent-terms signal's weight in the hybrid, cross-validated (issue #10).

Every development query is run as a hybrid over a grid of (dense weight, latent weight); latent 0 is
the hybrid without the signal. The setting is chosen on one half of the queries and measured on the
other, both ways, for the fixed split of `fusion_cv.py` and for 200 random half-splits (repeated
2-fold CV); the grid without the signal is cross-validated the same way for comparison. Per query
kind the figures of the chosen setting on all queries are printed too.

Usage: .venv/bin/python benchmarks/latent_cv.py --index DIR --queries ../shared/eval/dev_queries.jsonl
(DIR: an index of ../shared/corpus made with the default model, e.g. by `vkb ingest`.) Prints figures.
"""

from __future__ import annotations

from kb.fusion import Weights

try:
    from benchmarks.fusion_cv import Result, fold, mrr, ranks, recall10
    from benchmarks.query_weight_cv import cv_setup, held_out, repeated_two_fold
except ImportError:  # run as a script from the benchmarks folder
    from fusion_cv import Result, fold, mrr, ranks, recall10  # type: ignore[no-redef]
    from query_weight_cv import cv_setup, held_out, repeated_two_fold  # type: ignore[no-redef]

DENSE = (0.75, 1.0, 1.5, 2.0)
LATENT = (0.0, 0.25, 0.5, 0.75, 1.0, 1.5, 2.0, 3.0)
Setting = tuple[float, float]


def main() -> None:
    args, queries, ids, kb = cv_setup(__doc__)
    title = kb.searcher.weights.title
    runs: dict[Setting, Result] = {
        (d, w): ranks(kb, queries, Weights(dense=d, title=title, latent=w), "hybrid") for d in DENSE for w in LATENT
    }
    alone = ranks(kb, queries, Weights(lexical=0.0, dense=0.0, title=0.0, latent=1.0), "hybrid")
    print(f"latent terms alone: R@10 {recall10(alone, ids):.2f} MRR@10 {mrr(alone, ids):.3f}")
    for d in DENSE:
        print(
            f"all queries (optimistic), dense {d}: "
            + "  ".join(f"latent {w} {mrr(runs[(d, w)], ids):.3f}" for w in LATENT)
        )
    plain = [s for s in runs if s[1] == 0.0]
    full = list(runs)
    halves = [[q.id for q in queries if fold(q) == f] for f in (0, 1)]
    for name, family in (("without latent", plain), ("with latent", full)):
        pooled = held_out(runs, family, halves)
        print(f"{name:15} fixed split CV R@10 {recall10(pooled, ids):.2f} MRR@10 {mrr(pooled, ids):.4f}")
    scores = repeated_two_fold(runs, {"without latent": plain, "with latent": full}, ids, args.splits)
    better = sum(w > p for w, p in zip(scores["with latent"], scores["without latent"], strict=True))
    print(f"with latent better in {better} of {args.splits} splits")
    best = max(full, key=lambda s: (mrr(runs[s], ids), recall10(runs[s], ids)))
    shipped = (kb.searcher.weights.dense, kb.searcher.weights.latent)
    for label, setting in (("best on all", best), ("shipped", shipped)):
        if setting not in runs:
            continue
        kinds = sorted({q.kind for q in queries})
        per_kind = "  ".join(
            f"{k} {recall10(runs[setting], [q.id for q in queries if q.kind == k]):.2f}/"
            f"{mrr(runs[setting], [q.id for q in queries if q.kind == k]):.2f}"
            for k in kinds
        )
        print(f"{label} (dense {setting[0]}, latent {setting[1]}): R@10/MRR@10 {per_kind}")
    kb.close()


if __name__ == "__main__":
    main()
