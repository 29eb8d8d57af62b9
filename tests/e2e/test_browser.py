"""One real-browser walk: search -> add to draft -> export, against a real `streamlit run`, with screenshots.

Uses Debian's Chromium (/usr/bin/chromium; `.ci/run` installs it) driven by Playwright. Outside CI
the test is skipped when Chromium is missing; in CI a missing Chromium is a failure.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ingest import ingest_paths
from kb import KnowledgeBase
from tests.conftest import SEED_CORPUS
from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, need_chromium, serve

pytestmark = [pytest.mark.slow, pytest.mark.browser]
QUERY = "vidareutbildning till specialistsjuksköterska"


@pytest.fixture
def app_url(real_kb: KnowledgeBase, tmp_path: Path) -> Iterator[str]:
    need_chromium()
    ingest_paths([SEED_CORPUS], real_kb)
    index = Path(real_kb.settings.index)
    real_kb.close()
    with serve(index, tmp_path) as url:
        yield url


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


def settle(page: Any) -> None:
    from playwright.sync_api import expect

    page.wait_for_timeout(800)
    expect(page.locator("[data-testid='stStatusWidget']")).to_have_count(0, timeout=120_000)
    page.wait_for_timeout(300)


def no_error(page: Any) -> None:
    assert page.locator("[data-testid='stException']").count() == 0
    assert page.locator("[data-testid='stAlertContentError']").count() == 0


def test_filter_interventions_then_click_a_bubble_of_the_evidence_map(app_url: str, tmp_path: Path) -> None:
    """The crash of issue 11 (a target group, then the cost slider, then the sort), and the map's click."""
    from playwright.sync_api import expect, sync_playwright

    shots = Path(os.environ.get("VKB_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{app_url}/insatser")
        expect(page.get_by_role("heading", name="Insatser", exact=True)).to_be_visible(timeout=120_000)
        settle(page)
        target = page.locator("[data-testid='stMultiSelect']").filter(has_text="Målgrupp").first
        target.locator("input").click()
        page.get_by_role("option", name="Sjuksköterska", exact=True).click()
        page.keyboard.press("Escape")
        settle(page)
        no_error(page)
        slider = page.get_by_role("slider").first  # Högsta kostnad
        slider.focus()
        for _ in range(2):
            page.keyboard.press("ArrowRight")
            settle(page)
            no_error(page)
        page.get_by_label("Fritext").fill("landsbygd")
        page.get_by_label("Fritext").press("Enter")
        settle(page)
        page.locator("[data-testid='stSelectbox']").filter(has_text="Sortera").locator("input").click()
        page.get_by_role("option", name="Kostnad (lägst först)").click()
        settle(page)
        no_error(page)
        expect(page.get_by_text("av 86 insatser").first).to_be_visible()
        page.screenshot(path=str(shots / "insatser-filter.png"))

        page.get_by_role("link", name="Evidenskarta").click()
        settle(page)
        bubble = page.locator("[data-testid='stVegaLiteChart'] path[aria-label^='Arbetsmiljö × Kvarstannande:']")
        expect(bubble.first).to_be_attached(timeout=60_000)
        bubble.first.click(force=True)
        settle(page)
        no_error(page)
        expect(page.get_by_text("Arbetsmiljö × Kvarstannande").first).to_be_visible(timeout=30_000)
        expect(page.get_by_text("Interventions to Reduce Adult Nursing Turnover").first).to_be_visible()
        page.screenshot(path=str(shots / "evidenskarta-klick.png"), full_page=True)
        browser.close()
    assert (shots / "evidenskarta-klick.png").stat().st_size > 10_000
