"""Screenshots of every page of a running vkb app, for the README.

Usage: start the app (`make run`), then: .venv/bin/python docs/take_screenshots.py [--url http://127.0.0.1:8501]
Writes docs/screenshots/<page>.png with Debian's Chromium (/usr/bin/chromium).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from playwright.sync_api import Page, expect, sync_playwright

OUT = Path(__file__).parent / "screenshots"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]


def settle(page: Page) -> None:
    page.wait_for_timeout(1500)
    expect(page.locator("[data-testid='stStatusWidget']")).to_have_count(0, timeout=120_000)
    page.wait_for_timeout(800)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8501")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        page.goto(args.url)
        search = page.get_by_label("Sökfråga")
        expect(search).to_be_visible(timeout=120_000)
        search.fill("hur kan vi locka tillbaka sjuksköterskor som lämnat yrket?")
        search.press("Enter")
        settle(page)
        page.get_by_role("button", name="Lägg i utkast").first.click()
        settle(page)
        page.screenshot(path=str(OUT / "sok.png"))

        page.get_by_role("link", name="Insatser").click()
        settle(page)
        for nth in (0, 1):  # two interventions to compare (each card has a Jämför box)
            page.locator("[data-testid='stCheckbox']").filter(has_text="Jämför").nth(nth).locator("label").click()
            settle(page)
        page.get_by_role("button", name="Lägg i utkast").nth(1).click()
        settle(page)
        page.get_by_role("heading", name="Insatser", exact=True).scroll_into_view_if_needed()
        page.screenshot(path=str(OUT / "insatser.png"))
        for name, file in (("Jämför", "jamfor"), ("Evidenskarta", "evidenskarta"), ("Utkast", "utkast"),
                           ("Dokument", "dokument")):  # fmt: skip
            page.get_by_role("link", name=name).click()
            settle(page)
            if file == "evidenskarta":  # click the busiest bubble: its records and sources appear below
                page.locator("path[aria-label^='Arbetsmiljö × Kvarstannande:']").first.click(force=True)
                settle(page)
                page.screenshot(path=str(OUT / "evidenskarta.png"), full_page=True)
                continue
            page.screenshot(path=str(OUT / f"{file}.png"))
        browser.close()
    print(f"wrote {len(list(OUT.glob('*.png')))} screenshots to {OUT}")


if __name__ == "__main__":
    main()
