"""A long upload in a real browser: the bar moves per batch of passages, and Avbryt stops it cleanly.

Clicking Avbryt makes Streamlit stop the running script at its next progress update (after the batch of
passages being embedded); the upload is then undone and the write lock let go. The test waits for
that with a deadline, it does not time it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest
from filelock import FileLock, Timeout

from tests.e2e.test_browser import CHROMIUM, CHROMIUM_ARGS, app_url  # noqa: F401 - app_url is a fixture

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def _eventually(check: Callable[[], bool], seconds: float = 120) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.5)
    return False


def _lock_free(index: Path) -> bool:
    try:
        FileLock(str(index / "write.lock"), timeout=0).acquire().lock.release()
    except Timeout:
        return False
    return True


def test_a_long_upload_shows_progress_and_can_be_stopped(
    app_url: str,  # noqa: F811
    tmp_path: Path,
    _isolated_index: Path,  # the index the app serves (conftest's autouse fixture)
) -> None:
    from playwright.sync_api import expect, sync_playwright

    index = _isolated_index
    text = tmp_path / "lång remiss.txt"  # about 3,000 passages' worth: minutes with the real model
    text.write_text(
        "".join(f"Mening {n} om bemanning och sjuksköterskor i regionens vårdcentraler.\n\n" for n in range(3000)),
        encoding="utf-8",
    )
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{app_url}/dokument")
        expect(page.get_by_role("heading", name="Dokument").first).to_be_visible(timeout=120_000)
        documents = page.locator("[data-testid='stMetricValue']").first.inner_text()
        page.locator("input[type=file]").set_input_files(str(text))
        page.get_by_role("button", name="Läs in").click()
        expect(page.get_by_text("textavsnitt").first).to_be_visible(timeout=180_000)  # "Fil 1 av 1: … 32 av N"
        page.get_by_role("button", name="Avbryt").click()
        expect(page.get_by_text("Inläsningen avbröts").first).to_be_visible(timeout=120_000)
        assert page.locator("[data-testid='stException']").count() == 0
        assert _eventually(lambda: not any((index / "uploads").glob("lång*")))  # undone after the batch
        assert _eventually(lambda: _lock_free(index))
        page.reload()
        expect(page.get_by_role("heading", name="Dokument").first).to_be_visible(timeout=120_000)
        assert page.locator("[data-testid='stMetricValue']").first.inner_text() == documents
        browser.close()
