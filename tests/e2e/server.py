"""A real `streamlit run` of the app on a free 127.0.0.1 port, for the browser tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.conftest import REPO

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip


def need_chromium() -> None:
    """Skip without Debian's Chromium, except in CI, where a missing Chromium is a failure."""
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing at /usr/bin/chromium; .ci/run should have installed it")
        pytest.skip("Debian's Chromium is not installed (apt-get install chromium)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_healthy(url: str, log_path: Path, seconds: float = 90) -> None:
    """Wait for the app's health endpoint; fail with the app's log when it does not come up."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                return
        except OSError:
            time.sleep(0.3)
    pytest.fail(f"the app did not start: {log_path.read_text()}")


@contextmanager
def serve(index: Path, logs: Path, catalogue: Path = REPO / "data" / "catalogue") -> Iterator[str]:
    """The app over this index and catalogue, started as a user starts it (`vkb app`); yields its address,
    stops it by its PID afterwards."""
    port = free_port()
    env = {**os.environ, "VKB_INDEX": str(index), "VKB_CATALOGUE": str(catalogue), "HF_HUB_OFFLINE": "1"}
    log_path = logs / "streamlit.log"
    log = log_path.open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "vkb_cli", "app", "--index", str(index), "--port", str(port)],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, log_path)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()
