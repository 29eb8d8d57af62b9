"""`vkb app`: Streamlit's server for the app, started in this process.

In-process, so a thread can open the index and read the search snapshot (`app.state.prewarm`). The
thread waits until the server listens: before that, its imports would only slow Streamlit's own
(one interpreter lock), and after it they overlap with the browser loading the page's scripts,
which a server cannot speed up (README, run 4: with the light `vkb app` command, the first page
0.1-0.4 s sooner in alternating runs). Two things Streamlit does at start are skipped because vkb
needs neither, and together they were most of the time before the first page (README, "The two
models"):
- its scan of every installed package's metadata for custom components (vkb has none; the venv
  holds ~170 packages, read one by one);
- watching the app's source files for changes (a development convenience: `fileWatcherType none`).
"""

from __future__ import annotations

import logging
import os
import socket
import sys
import threading
import time
from pathlib import Path

from kb import Settings

log = logging.getLogger("vkb.app")
LISTEN_WAIT_S = 60.0  # how long the prewarm waits for the server; then it runs anyway
ENTRY = Path(__file__).resolve().parent.parent / "app" / "Hem.py"


def streamlit_arguments(settings: Settings, address: str, port: int) -> list[str]:
    """The `streamlit run` command line for the app."""
    return [
        "streamlit",
        "run",
        str(ENTRY),
        "--server.address",
        address,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--server.fileWatcherType",
        "none",
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "minimal",
        # The same as .streamlit/config.toml, which Streamlit reads only when started from the checkout:
        "--client.showErrorDetails",
        "none",
        "--server.maxUploadSize",
        str(max(1, round(settings.max_file_mb))),
    ]


def serve(settings: Settings, address: str, port: int, env: dict[str, str]) -> None:
    """Run the app's server until it is stopped (Ctrl+C)."""
    os.environ.update(env)
    threading.Thread(target=_prewarm, args=(address, port), daemon=True).start()
    _skip_component_scan()
    from streamlit.web import cli as streamlit_cli

    sys.argv = streamlit_arguments(settings, address, port)
    streamlit_cli.main()


def listening(address: str, port: int, timeout: float) -> bool:
    """Whether a server accepts connections on the port within `timeout` seconds (polled)."""
    host = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}.get(address, address)
    deadline = time.monotonic() + timeout
    while True:
        try:
            with socket.create_connection((host, port), timeout=0.5):
                return True
        except OSError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)


def _prewarm(address: str, port: int) -> None:
    if not listening(address, port, LISTEN_WAIT_S):
        log.info("the server did not listen within %.0f s; preparing the first page anyway", LISTEN_WAIT_S)
    from app.state import prewarm

    prewarm()


def _skip_component_scan() -> None:
    """Make Streamlit's start-up scan for installed custom components (v2) find none."""
    try:
        from streamlit.components.v2 import component_manager
    except ImportError:  # a Streamlit without custom components v2: nothing to skip
        return
    manager = getattr(component_manager, "BidiComponentManager", None)
    if manager is None or not hasattr(manager, "discover_and_register_components"):
        log.info("Streamlit's component scan was not found; it runs as usual")
        return

    def discover_none(self: object, *, start_file_watching: bool = True) -> None:
        return None

    manager.discover_and_register_components = discover_none
