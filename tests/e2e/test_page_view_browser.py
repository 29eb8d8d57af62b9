"""Real browser: Visa i källan on a PDF hit shows the page image, turns pages and downloads the original."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from ingest import ingest_paths
from kb import KnowledgeBase
from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, need_chromium, serve

pytestmark = [pytest.mark.slow, pytest.mark.browser]


@pytest.fixture
def pdf_app_url(real_kb: KnowledgeBase, pdf_set: Path, tmp_path: Path) -> Iterator[str]:
    need_chromium()
    uploads = Path(real_kb.settings.index) / "uploads"
    uploads.mkdir(parents=True)
    shutil.copyfile(pdf_set / "digital" / "pdf-01.pdf", uploads / "underlag.pdf")
    assert ingest_paths([uploads], real_kb).ok
    index = Path(real_kb.settings.index)
    real_kb.close()
    with serve(index, tmp_path) as url:
        yield url


def test_visa_i_kallan_shows_the_pdf_page_turns_it_and_downloads_the_original(pdf_app_url: str, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    shots = Path(os.environ.get("VKB_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1400}, accept_downloads=True)
        page.goto(pdf_app_url)
        search = page.get_by_label("Sökfråga")
        expect(search).to_be_visible(timeout=120_000)
        search.fill("specialistsjuksköterskor vidareutbildning")
        search.press("Enter")
        source = page.get_by_role("button", name="Visa i källan").first
        expect(source).to_be_visible(timeout=120_000)
        source.click()
        image = page.locator("[data-testid='stImage'] img").first
        expect(image).to_be_visible(timeout=60_000)
        expect(page.get_by_text("markerat med gult").first).to_be_visible()
        assert image.evaluate("img => img.naturalWidth") > 500
        image.scroll_into_view_if_needed()
        page.screenshot(path=str(shots / "visa-i-kallan.png"))
        shown = page.get_by_text("Sida ", exact=False).filter(has_text=" av ").first.inner_text()
        number = int(shown.split()[1])
        page.get_by_role("button", name="Nästa sida").first.click()
        expect(page.get_by_text(f"Sida {number + 1} av").first).to_be_visible(timeout=60_000)
        with page.expect_download() as download_info:
            page.get_by_role("button", name="Ladda ned originalet").first.click()
        assert Path(download_info.value.path()).read_bytes().startswith(b"%PDF")
        assert page.locator("[data-testid='stException']").count() == 0
        assert "file://" not in page.content()
        browser.close()
