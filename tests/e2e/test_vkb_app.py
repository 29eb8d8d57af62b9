"""`vkb app` as a user starts it: Streamlit in the vkb process, the index opened while the server
starts, the search page in a real browser, Ctrl+C stops it."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from ingest import ingest_paths
from kb import KnowledgeBase
from tests.conftest import REPO, SEED_CORPUS
from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, free_port, need_chromium, wait_until_healthy

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def test_vkb_app_serves_the_search_page_and_stops_on_ctrl_c(real_kb: KnowledgeBase, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    need_chromium()
    ingest_paths([SEED_CORPUS], real_kb)
    index = str(real_kb.settings.index)
    real_kb.close()
    port = free_port()
    log_path = tmp_path / "app.log"
    with log_path.open("w") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "vkb_cli", "app", "--index", index, "--port", str(port)],
            cwd=REPO, env={**os.environ, "HF_HUB_OFFLINE": "1"}, stdout=log, stderr=subprocess.STDOUT,
        )  # fmt: skip
        try:
            url = f"http://127.0.0.1:{port}"
            wait_until_healthy(url, log_path)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
                page = browser.new_page()
                page.goto(url)
                box = page.get_by_label("Sökfråga")
                expect(box).to_be_visible(timeout=60_000)
                box.fill("vidareutbildning till specialistsjuksköterska")
                box.press("Enter")
                expect(page.get_by_text("Lägg i utkast").first).to_be_visible(timeout=60_000)
                draft = re.search(r"utkast=([0-9a-f]+)", page.url)
                assert draft is not None
                # The search page's own name, as typed or bookmarked: the search page at the root
                # address with the same draft, not Streamlit's "Page not found" over it.
                page.goto(f"{url}/sok?utkast={draft.group(1)}")
                expect(page.get_by_label("Sökfråga")).to_be_editable(timeout=60_000)
                assert re.fullmatch(rf"{re.escape(url)}/\?utkast={draft.group(1)}", page.url), page.url
                assert page.get_by_text("Page not found").count() == 0
                browser.close()
        finally:
            process.send_signal(signal.SIGINT)  # Ctrl+C
            code = process.wait(timeout=30)
    assert code == 0, log_path.read_text()
    assert "Traceback" not in log_path.read_text()
