"""What the hand-written thesaurus adds: the development queries with it, without its Swedish synonym
groups, without its English glossary, and with neither, on one existing index (queries only: the
thesaurus expands queries, never documents, so one index serves all four).

Usage: .venv/bin/python benchmarks/thesaurus_ablation.py --index DIR --queries ../shared/eval/dev_queries.jsonl
(build DIR first with `vkb ingest ../shared/corpus --index DIR`).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from kb import KnowledgeBase, load_settings
from kb.analysis import Thesaurus
from kb.evaluation import evaluate, load_queries

VARIANTS = {
    "full thesaurus": lambda e: True,
    "no Swedish synonyms": lambda e: e.english,
    "no English glossary": lambda e: not e.english,
    "no thesaurus": lambda e: False,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--queries", type=Path, default=Path("../shared/eval/dev_queries.jsonl"))
    args = parser.parse_args()
    queries = load_queries(args.queries)
    kb = KnowledgeBase.open(load_settings(index=args.index))
    analyzer = kb.searcher.analyzer
    full = analyzer._thesaurus._entries
    print(f"{'variant':22} {'mode':8} {'kind':12} {'n':>3} {'R@10':>6} {'MRR@10':>7}")
    for name, keep in VARIANTS.items():
        analyzer._thesaurus = Thesaurus([e for e in full if keep(e)], analyzer)
        for row in evaluate(kb.searcher, queries, baseline=False).table():
            print(f"{name:22} {row['mode']:8} {row['kind']:12} {row['n']:>3} {row['R@10']:6.2f} {row['MRR@10']:7.2f}")
    kb.close()


if __name__ == "__main__":
    main()
