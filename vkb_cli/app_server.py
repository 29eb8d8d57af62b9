"""`vkb app`: Streamlit's server for the app, started in this process.

In-process, so a thread can open the index and read the search snapshot while the server starts
(`app.state.prewarm`). Two things Streamlit does at start are skipped because vkb needs neither,
and together they were most of the time before the first page (see README, "The two models"):
- its scan of every installed package's metadata for custom components (vkb has none; the venv
  holds ~170 packages, read one by one);
- watching the app's source files for changes (a development convenience: `fileWatcherType none`).
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from pathlib import Path

from kb import Settings

log = logging.getLogger("vkb.app")
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
    threading.Thread(target=_prewarm, daemon=True).start()
    _skip_component_scan()
    from streamlit.web import cli as streamlit_cli

    sys.argv = streamlit_arguments(settings, address, port)
    streamlit_cli.main()


def _prewarm() -> None:
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
