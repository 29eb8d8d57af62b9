"""One real-browser walk: search -> add to draft -> export, against a real `streamlit run`, with screenshots.

Uses Debian's Chromium (/usr/bin/chromium; `.ci/run` installs it) driven by Playwright. Outside CI
the test is skipped when Chromium is missing; in CI a missing Chromium is a failure.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest import ingest_paths
from kb import KnowledgeBase
from tests.conftest import REPO, SEED_CORPUS

pytestmark = [pytest.mark.slow, pytest.mark.browser]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip
QUERY = "vidareutbildning till specialistsjuksköterska"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def app_url(real_kb: KnowledgeBase, tmp_path: Path) -> Iterator[str]:
    if not Path(CHROMIUM).exists():
        if os.environ.get("CI"):
            pytest.fail("Chromium is missing at /usr/bin/chromium; .ci/run should have installed it")
        pytest.skip("Debian's Chromium is not installed (apt-get install chromium)")
    ingest_paths([SEED_CORPUS], real_kb)
    index = str(real_kb.settings.index)
    real_kb.close()
    port = free_port()
    env = {**os.environ, "VKB_INDEX": index, "VKB_CATALOGUE": str(REPO / "data" / "catalogue"), "HF_HUB_OFFLINE": "1"}
    log = (tmp_path / "streamlit.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(REPO / "app" / "Hem.py"), "--server.port", str(port),
         "--server.address", "127.0.0.1", "--server.headless", "true", "--browser.gatherUsageStats", "false",
         "--client.toolbarMode", "minimal"],
        cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            try:
                if urllib.request.urlopen(f"{url}/_stcore/health", timeout=2).read() == b"ok":
                    break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail(f"streamlit did not start: {(tmp_path / 'streamlit.log').read_text()}")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=30)
        log.close()


def test_search_add_to_draft_and_export(app_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    shots = Path(os.environ.get("VKB_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        page.goto(app_url)
        search = page.get_by_label("Sökfråga")
        expect(search).to_be_visible(timeout=120_000)
        search.fill(QUERY)
        search.press("Enter")
        expect(page.get_by_text("Fler sjuksköterskor behöver").first).to_be_visible(timeout=120_000)
        assert page.locator("mark", has_text="specialistsjuksköterska").count() >= 1
        page.screenshot(path=str(shots / "sok.png"))

        page.get_by_role("button", name="Lägg i utkast").first.click()
        expect(page.get_by_text("Tillagt i utkastet")).to_be_visible(timeout=30_000)
        assert "utkast=" in page.url

        page.get_by_role("link", name="Utkast").click()
        expect(page.get_by_role("heading", name="Utkast")).to_be_visible(timeout=60_000)
        expect(page.get_by_text("Fler sjuksköterskor behöver vidareutbilda sig").first).to_be_visible()
        page.screenshot(path=str(shots / "utkast.png"), full_page=True)

        with page.expect_download() as download_info:
            page.get_by_role("button", name="Ladda ned Markdown").click()
        exported = Path(download_info.value.path()).read_text(encoding="utf-8")
        assert "Fler sjuksköterskor behöver vidareutbilda sig till specialistsjuksköterska" in exported
        assert "## Referenser" in exported and "1. Regeringen (Regeringskansliet) (2023)." in exported

        page.reload()  # the draft survives a reload: its id is in the address
        expect(page.get_by_text("Fler sjuksköterskor behöver vidareutbilda sig").first).to_be_visible(timeout=60_000)
        assert page.locator("[data-testid='stException']").count() == 0
        browser.close()
    assert (shots / "sok.png").stat().st_size > 10_000
