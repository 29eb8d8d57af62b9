"""Visa i källan on a PDF hit: the page as an image, previous/next page, the original served from the index."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ingest import ingest_paths
from kb import KnowledgeBase, Settings
from tests.conftest import REPO

pytestmark = pytest.mark.slow
QUERY = "specialistsjuksköterskor vidareutbildning"


def _index_with(pdf: Path, folder: Path, real_kb: KnowledgeBase) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(pdf, folder / "underlag.pdf")
    report = ingest_paths([folder], real_kb)
    assert report.ok, report.outcomes
    real_kb.close()


@pytest.fixture
def uploaded_pdf(pdf_set: Path, real_kb: KnowledgeBase, settings: Settings) -> Iterator[None]:
    _index_with(pdf_set / "digital" / "pdf-01.pdf", Path(settings.index) / "uploads", real_kb)
    yield


@pytest.fixture
def outside_pdf(pdf_set: Path, real_kb: KnowledgeBase, tmp_path: Path) -> Iterator[None]:
    _index_with(pdf_set / "digital" / "pdf-01.pdf", tmp_path / "elsewhere", real_kb)
    yield


def _open_source(at: AppTest) -> AppTest:
    at.text_input(key="q").set_value(QUERY).run()
    assert not at.exception
    first = next(b for b in at.button if b.key and b.key.startswith("src-"))
    first.click().run()
    assert not at.exception
    return at


def test_the_cited_page_is_shown_as_an_image_and_pages_turn(uploaded_pdf: None) -> None:
    at = _open_source(AppTest.from_file(str(REPO / "app" / "views" / "sok.py"), default_timeout=180).run())
    images = at.get("image")
    assert len(images) == 1
    captions = " ".join(str(i.proto) for i in images)
    assert "markerat med gult" in captions
    shown = next(m.value for m in at.markdown if m.value.startswith("Sida ") and " av " in m.value)
    page = int(shown.split()[1])
    forward = next(b for b in at.button if b.key and b.key.startswith("next-"))
    forward.click().run()
    assert not at.exception
    assert any(m.value.startswith(f"Sida {page + 1} av ") for m in at.markdown)
    assert "står på sida" in " ".join(str(i.proto) for i in at.get("image"))
    back = next(b for b in at.button if b.key and b.key.startswith("prev-"))
    back.click().run()
    assert any(m.value.startswith(f"Sida {page} av ") for m in at.markdown)
    downloads = at.get("download_button")
    assert len(downloads) == 1 and f"sida {page}" in str(downloads[0].proto)
    assert "file://" not in str(at._tree)


def test_a_file_outside_the_index_is_shown_but_not_offered(outside_pdf: None) -> None:
    at = _open_source(AppTest.from_file(str(REPO / "app" / "views" / "sok.py"), default_timeout=180).run())
    assert len(at.get("image")) == 1
    assert not at.get("download_button")
    assert any("utanför kunskapsbasens mapp" in c.value for c in at.caption)
