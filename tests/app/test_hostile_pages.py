"""Hostile input in the app: a catalogue bomb, two tabs on one draft, odd draft ids, control characters."""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from catalogue import Catalogue
from ingest import ingest_paths
from kb import KnowledgeBase, load_settings
from tests.conftest import REPO, SEED_CORPUS
from workspace import Draft, DraftItem, DraftStore

pytestmark = pytest.mark.slow
PAGES = REPO / "app" / "views"
CATALOGUE = REPO / "data" / "catalogue"
QUERY = "vidareutbildning till specialistsjuksköterska"


@pytest.fixture
def seeded(real_kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("VKB_CATALOGUE", str(CATALOGUE))
    ingest_paths([SEED_CORPUS], real_kb)
    real_kb.close()
    yield


def page(name: str, draft_id: str | None = None) -> AppTest:
    at = AppTest.from_file(str(PAGES / f"{name}.py"), default_timeout=180)
    if draft_id is not None:
        at.query_params["utkast"] = draft_id
    return at


def drafts() -> Path:
    return Path(load_settings().index) / "drafts"


def test_a_yaml_bomb_in_the_catalogue_leaves_every_page_working(
    seeded: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "katalog"
    shutil.copytree(CATALOGUE, folder)
    (folder / "bomb.yaml").write_text("[" * 20_000 + "]" * 20_000, encoding="utf-8")  # the hostile test's 40 kB file
    (folder / "KOPIA.YAML").write_text((CATALOGUE / "fler-at-tjanster.yaml").read_text(encoding="utf-8"))
    (folder / "nycklar.yaml").write_text("\n".join(f"k{n}: v" for n in range(5_000)), encoding="utf-8")
    monkeypatch.setenv("VKB_CATALOGUE", str(folder))
    total = len(Catalogue.load(CATALOGUE))
    interventions = page("insatser").run()
    assert not interventions.exception
    shown = "\n".join(m.value for m in interventions.markdown)
    assert f"**{total} av {total} insatser**" in shown  # every valid record is there
    problems = [t.value for t in interventions.text]
    assert any("bomb.yaml:1: error: YAML nested deeper than 20 levels" in p for p in problems)
    assert any("KOPIA.YAML:1: error: id: duplicate id 'fler-at-tjanster'" in p for p in problems)
    assert len(problems) == 1 + 2 + 5  # the bomb, the copy (an error, a warning), five of the 5,000 unknown keys
    assert any("till i nycklar.yaml. `vkb catalogue validate` visar alla" in c.value for c in interventions.caption)
    compare = page("jamfor")
    compare.session_state["compare"] = ["fler-at-tjanster", "aldreomsorgslyftet"]
    assert not compare.run().exception
    assert not page("evidenskarta").run().exception


def test_two_tabs_on_one_draft_keep_each_others_quotes(seeded: None) -> None:
    draft_id = "ce" * 12
    second = page("sok", draft_id).run()
    second.text_input(key="q").set_value(QUERY).run()
    adds = [b.key for b in second.button if b.key and b.key.startswith("add-")]
    second.button(key=adds[0]).click().run()  # the second tab loads the draft and adds a quote

    first = page("sok", draft_id).run()
    first.text_input(key="q").set_value(QUERY).run()
    first.button(key=adds[1]).click().run()  # the first tab adds another

    second.button(key=adds[2]).click().run()  # the second tab again, with its copy from before
    assert not first.exception and not second.exception
    stored = DraftStore(drafts()).load(draft_id)
    assert len(stored.items) == 3  # the first tab's quote is kept
    assert any("ändrats i en annan flik (1 tillagd)" in t.value for t in second.toast)

    utkast = page("utkast", draft_id).run()
    assert not utkast.exception and len(utkast.text_area) == 3
    utkast.text_area(key=utkast.text_area[0].key).input("Min anteckning").run()
    assert DraftStore(drafts()).load(draft_id).items[0].note == "Min anteckning"


def test_a_draft_id_with_a_final_newline_gets_a_fresh_id(seeded: None) -> None:
    at = page("utkast", "ab" * 12 + "\n").run()  # ?utkast=abab…%0A
    assert not at.exception
    assert re.fullmatch(r"[0-9a-f]{24}", at.session_state["draft_id"]) and at.session_state["draft_id"] != "ab" * 12
    assert at.query_params["utkast"] == at.session_state["draft_id"]
    at.text_input(key="draft_title").input("Ny rubrik").run()
    assert not at.exception
    assert [p.name for p in drafts().iterdir() if p.suffix == ".json"] == [f"{at.session_state['draft_id']}.json"]


def test_a_passage_with_control_characters_shows_and_exports(seeded: None) -> None:
    draft_id = "ee" * 12
    hostile = "Text med \x1b[31mfärgkod\x1b[0m, NUL\x00 och sidbrytning\x0c mitt i."
    DraftStore(drafts()).save(draft_id, Draft([DraftItem("quote", "k", "Titel\x1b", hostile, ["Ref (2020). *X*."])]))
    at = page("utkast", draft_id).run()
    assert not at.exception and not at.error
    assert "färgkod" in at.code[0].value  # the Markdown preview
    for _ in range(2):  # every visit, not only the first
        assert not at.run().exception


def test_no_lexical_hits_suggest_hybrid_not_the_word_mode_already_chosen(seeded: None) -> None:
    at = page("sok").run()
    at.radio(key="f_mode").set_value("lexical").run()
    at.text_input(key="q").set_value("qqxqzzyy").run()
    assert not at.exception
    (info,) = [i.value for i in at.info if "Inga träffar" in i.value]
    assert "sökläget Hybrid" in info and "Ord" not in info
