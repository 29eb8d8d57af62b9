"""The app's entry page (AppTest): an empty index and an ingested one."""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from ingest import ingest_paths
from kb import KnowledgeBase
from tests.conftest import REPO

pytestmark = pytest.mark.slow
PAGE = str(REPO / "app" / "Hem.py")


def test_empty_index_says_what_to_do() -> None:
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    assert not at.exception
    assert any("vkb ingest" in w.value for w in at.warning)


def test_ingested_corpus_is_listed(real_kb: KnowledgeBase) -> None:
    ingest_paths([REPO / "data" / "corpus"], real_kb)
    real_kb.close()
    at = AppTest.from_file(PAGE, default_timeout=120).run()
    assert not at.exception
    assert at.metric[0].value == "3"
    titles = list(at.dataframe[0].value["Titel"])
    assert "Framtidens vårdkompetens" in titles
