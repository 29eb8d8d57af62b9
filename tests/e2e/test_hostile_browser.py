"""Hostile document text in a real browser: shown as text, and not one request leaves the app.

Two Markdown documents carry what Markdown, HTML and Streamlit would act on: a `:red[…]` colour
directive in the title and text, KaTeX (`$$x^2$$`), a `:material/home:` icon, images and a raw
`<img>` pointing at beacon addresses on 127.0.0.1:9, a `javascript:` link, a script tag and a
terminal colour code (ESC). The browser opens a page by its direct address (as after an app
restart), searches, opens "Visa i källan", "Fler liknande" and "Citera", adds the passage to the
draft, opens Utkast and downloads the Word file, while Playwright records every request of the
browser context and every websocket. Every request must go to the app's own 127.0.0.1:<port>; the
beacons are never fetched; no text is red; no KaTeX, image or javascript: link is in the page.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from ingest import ingest_paths
from kb import KnowledgeBase
from tests.conftest import SEED_CORPUS
from tests.e2e.server import CHROMIUM, CHROMIUM_ARGS, need_chromium, serve

pytestmark = [pytest.mark.slow, pytest.mark.browser]
BEACON = "127.0.0.1:9/"
HOSTILE = {
    "fientlig.md": (
        "# :red[RÖD RUBRIK] om bemanning i glesbygden\n\n"
        "Regionen har brist på sjuksköterskor i glesbygden :red[RÖD TEXT] och anlitar hyrläkare. "
        "Formeln $$x^2$$ och ikonen :material/home: står i texten.\n\n"
        "![x](http://127.0.0.1:9/beacon.png)\n\n"
        "<img src=http://127.0.0.1:9/b2.png>\n\n"
        "Läs mer om hyrläkare och bemanning i glesbygden: [länk](javascript:alert(1)).\n\n"
        "Terminalens färgkod \x1b[31mRÖD\x1b[0m står mitt i ett stycke om bemanning av sjuksköterskor.\n"
    ),
    "fientlig-2.md": (
        "# Hyrläkare :blue-background[BLÅ] <img src=http://127.0.0.1:9/b3.png> i glesbygden\n\n"
        "Hyrläkare i glesbygden kostar regionerna mycket och bemanningen av sjuksköterskor är svår. "
        "[klicka](http://127.0.0.1:9/b4) <script>fetch('http://127.0.0.1:9/b5')</script> "
        '![y](http://127.0.0.1:9/b6.png "t") <iframe src="http://127.0.0.1:9/b7"></iframe>\n'
    ),
}
QUERY = "bemanning hyrläkare sjuksköterskor glesbygden"


@pytest.fixture
def hostile_app(real_kb: KnowledgeBase, tmp_path: Path) -> Iterator[str]:
    need_chromium()
    folder = tmp_path / "fientliga"
    folder.mkdir()
    for name, text in HOSTILE.items():
        (folder / name).write_text(text, encoding="utf-8")
    assert ingest_paths([SEED_CORPUS], real_kb).ok and ingest_paths([folder], real_kb).ok
    index = Path(real_kb.settings.index)
    real_kb.close()
    with serve(index, tmp_path) as url:
        yield url


def settle(page: Any) -> None:
    from playwright.sync_api import expect

    page.wait_for_timeout(800)
    expect(page.locator("[data-testid='stStatusWidget']")).to_have_count(0, timeout=120_000)
    page.wait_for_timeout(300)


def nothing_acted_on(page: Any) -> None:
    """No exception, no KaTeX, no image or frame from document text, no javascript: link, nothing red."""
    assert page.locator("[data-testid='stException']").count() == 0
    main = page.locator("[data-testid='stMain']")
    assert main.locator(".katex").count() == 0
    assert main.locator("img[src*='127.0.0.1:9'], iframe, script[src*='127.0.0.1:9']").count() == 0
    assert main.locator("a[href^='javascript' i]").count() == 0
    colours = page.evaluate(
        """() => [...document.querySelectorAll('[data-testid="stMain"] *')]
              .filter(e => /RÖD|BLÅ/.test(e.textContent) && e.children.length === 0)
              .map(e => [getComputedStyle(e).color, getComputedStyle(e).backgroundColor, e.outerHTML.slice(0, 200),
                         !!e.closest('[data-testid="stCode"]')])"""
    )
    assert colours, "the hostile words are on the page"
    for colour, background, element, in_code in colours:
        if in_code:  # the Markdown preview's syntax colours (every "## " heading is red there), not document markup
            continue
        r, g, b = (int(v) for v in re.findall(r"\d+", colour)[:3])
        assert not (r > 150 and g < 110 and b < 110), f"red text: {colour} {element}"
        assert background in ("rgba(0, 0, 0, 0)", "transparent") or "255, 255" in background or "mark" in background


def foreign(urls: list[str], app: str) -> list[str]:
    """Requests that went anywhere but the app's own address (data: and blob: URLs stay in the page)."""
    own = re.compile(rf"(https?|wss?)://127\.0\.0\.1:{app.rsplit(':', 1)[1]}/")
    return [u for u in urls if (not own.match(u) and not u.startswith(("data:", "blob:"))) or BEACON in u]


def test_hostile_document_text_is_shown_as_text_and_no_request_leaves_the_app(hostile_app: str, tmp_path: Path) -> None:
    from docx import Document
    from playwright.sync_api import expect, sync_playwright

    shots = Path(os.environ.get("VKB_SCREENSHOTS", tmp_path))
    shots.mkdir(parents=True, exist_ok=True)
    requests: list[str] = []
    sockets: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1400, "height": 1000}, accept_downloads=True)
        context.on("request", lambda request: requests.append(request.url))
        page = context.new_page()
        page.on("websocket", lambda socket: sockets.append(socket.url))

        # A direct address as the first visit of a fresh app: the page's own title, Swedish menu, a draft id.
        page.goto(f"{hostile_app}/insatser")
        expect(page.get_by_role("heading", name="Insatser", exact=True)).to_be_visible(timeout=120_000)
        expect(page.get_by_role("link", name="Sök")).to_be_visible()
        assert re.search(r"[?&]utkast=[0-9a-f]{24}\b", page.url)

        page.get_by_role("link", name="Sök").click()
        search = page.get_by_label("Sökfråga")
        expect(search).to_be_visible(timeout=120_000)
        search.fill(QUERY)
        search.press("Enter")
        settle(page)
        assert foreign(requests, hostile_app) == []  # checked first at every step: a request is the harm
        hit = (  # the bordered box of the hostile hit: its title and its own buttons
            page.locator("[data-testid='stLayoutWrapper']")
            .filter(has_text=":red[RÖD RUBRIK]")
            .filter(has=page.get_by_role("button", name="Lägg i utkast"))
        )
        expect(hit.first).to_be_visible(timeout=120_000)  # the directive, shown as the text it is
        expect(page.get_by_text(":material/home:").first).to_be_visible()
        nothing_acted_on(page)
        page.screenshot(path=str(shots / "fientlig-sok.png"))

        hit.first.get_by_text("Visa i källan").click()
        settle(page)
        assert foreign(requests, hostile_app) == []
        context = hit.first.locator(".vkb-context")
        expect(context).to_contain_text("![x](http://127.0.0.1:9/beacon.png)")
        expect(context).to_contain_text("<img src=http://127.0.0.1:9/b2.png>")
        expect(context).to_contain_text("[länk](javascript:alert(1))")
        nothing_acted_on(page)
        hit.first.get_by_role("button", name="Fler liknande").click()
        settle(page)
        assert foreign(requests, hostile_app) == []
        expect(page.get_by_text("Fler avsnitt som liknar detta")).to_be_visible(timeout=60_000)
        nothing_acted_on(page)
        page.screenshot(path=str(shots / "fientlig-kallan.png"), full_page=True)
        hit.first.get_by_role("button", name="Citera").click()
        expect(page.locator("[data-testid='stPopoverBody'] code").first).to_be_visible(timeout=30_000)
        assert ":red[RÖD RUBRIK]" in page.locator("[data-testid='stPopoverBody']").inner_text()
        page.keyboard.press("Escape")
        hit.first.get_by_role("button", name="Lägg i utkast").click()
        expect(page.get_by_text("Tillagt i utkastet")).to_be_visible(timeout=30_000)

        page.get_by_role("link", name="Utkast").click()
        expect(page.get_by_role("heading", name="Utkast", exact=True)).to_be_visible(timeout=60_000)
        settle(page)
        assert foreign(requests, hostile_app) == []
        expect(page.get_by_text("Citat: :red[RÖD RUBRIK] om bemanning i glesbygden").first).to_be_visible()
        nothing_acted_on(page)
        page.screenshot(path=str(shots / "fientlig-utkast.png"), full_page=True)
        with page.expect_download() as download:
            page.get_by_role("button", name="Ladda ned Word (DOCX)").click()
        word = Document(io.BytesIO(Path(download.value.path()).read_bytes()))
        paragraphs = "\n".join(paragraph.text for paragraph in word.paragraphs)
        assert ":red[RÖD RUBRIK]" in paragraphs and "\x1b" not in paragraphs
        browser.close()

    assert requests and sockets
    assert foreign(requests + sockets, hostile_app) == []
