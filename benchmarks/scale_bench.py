"""Scale benchmark: the search benchmark at 10k and 100k chunks, embedded and against a real Chroma server.

Usage: python benchmarks/scale_bench.py --corpus ../shared/corpus [--sizes 10000 100000] [--rounds 2]
Starts `chroma run` on 127.0.0.1 (stopped by its PID at the end), runs benchmarks/search_bench.py once
per store and size in its own process (so peak memory is per run), and prints one table plus a linear
estimate for 1,000,000 chunks from the growth between the two sizes.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import psutil

HERE = Path(__file__).parent
ROWS = ("lexical | none", "dense | none", "hybrid | none", "hybrid | stakeholder=region (~10 %)")


def start_server(folder: Path) -> tuple[subprocess.Popen[bytes], str]:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    chroma = Path(sys.executable).with_name("chroma")
    log = (folder / "chroma.log").open("wb")
    process = subprocess.Popen(
        [str(chroma), "run", "--path", str(folder / "data"), "--host", "127.0.0.1", "--port", str(port)],
        stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    for _ in range(60):
        try:
            urllib.request.urlopen(f"{url}/api/v2/heartbeat", timeout=2)
            return process, url
        except OSError:
            time.sleep(1)
    process.kill()
    raise SystemExit(f"chroma run did not start; see {folder / 'chroma.log'}")


def folder_mb(folder: Path) -> float:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path("../shared/corpus"))
    parser.add_argument("--sizes", type=int, nargs=2, default=(10_000, 100_000))
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    results: dict[tuple[str, int], dict] = {}
    with tempfile.TemporaryDirectory(prefix="vkb-scale-") as scratch:
        root = Path(scratch)
        server, url = start_server(root)
        try:
            for store in ("embedded", "server"):
                for size in args.sizes:
                    out = root / f"{store}-{size}.json"
                    command = [sys.executable, str(HERE / "search_bench.py"), "--corpus", str(args.corpus),
                               "--chunks", str(size), "--rounds", str(args.rounds), "--json", str(out)]  # fmt: skip
                    if store == "server":
                        command += ["--chroma-url", url]
                    print(f"== {store}, {size} chunks", flush=True)
                    subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
                    figures = json.loads(out.read_text(encoding="utf-8"))
                    if store == "server":
                        figures["server_data_mb"] = folder_mb(root / "data")
                        figures["server_rss_mb"] = psutil.Process(server.pid).memory_info().rss / 1e6
                    results[(store, size)] = figures
        finally:
            server.terminate()
            server.wait(timeout=30)
    small, large = args.sizes
    print(f"\n{'':38}" + "".join(f"{f'{s} {n // 1000}k':>16}" for s in ("embedded", "server") for n in args.sizes))
    lines = [("write chunks/s", "write_chunks_per_s", "{:.0f}"), ("index folder MB", "index_folder_mb", "{:.0f}"),
             ("server data MB", "server_data_mb", "{:.0f}"), ("server RSS MB", "server_rss_mb", "{:.0f}"),
             ("client peak RSS MB", "peak_rss_mb", "{:.0f}")]  # fmt: skip
    for label, key, fmt in lines:
        cells = [results[(s, n)].get(key) for s in ("embedded", "server") for n in args.sizes]
        print(f"{label:38}" + "".join(f"{fmt.format(c) if c is not None else '-':>16}" for c in cells))
    for key in ROWS:
        cells = [results[(s, n)][key] for s in ("embedded", "server") for n in args.sizes]
        print(f"{key + ' p50/p95 ms':38}" + "".join(f"{f'{a:.1f}/{b:.1f}':>16}" for a, b in cells))
    print(f"\nlinear estimate at 1,000,000 chunks from the growth {small} -> {large}:")
    for store in ("embedded", "server"):
        a, b = results[(store, small)], results[(store, large)]
        factor = (1_000_000 - large) / (large - small)
        for label, key in (("index folder MB", "index_folder_mb"), ("client peak RSS MB", "peak_rss_mb"),
                           ("server data MB", "server_data_mb")):  # fmt: skip
            if a.get(key) is not None:
                growth = max(0.0, b[key] - a[key])  # noise can make a small growth negative
                print(f"  {store:9} {label:20} {b[key] + factor * growth:10.0f}")
        for key in ROWS:
            p95 = b[key][1] + factor * max(0.0, b[key][1] - a[key][1])
            print(f"  {store:9} {key + ' p95 ms':40} {p95:10.1f}")


if __name__ == "__main__":
    main()
