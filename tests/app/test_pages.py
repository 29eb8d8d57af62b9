"""Every page of the app under `streamlit.testing.v1.AppTest`, on the seed corpus and the starter catalogue."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from catalogue import Catalogue
from ingest import ingest_paths
from kb import KnowledgeBase
from tests.conftest import REPO, SEED_CORPUS
from workspace import DraftItem

pytestmark = pytest.mark.slow
PAGES = REPO / "app" / "views"
CATALOGUE = REPO / "data" / "catalogue"


@pytest.fixture
def seeded(real_kb: KnowledgeBase, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("VKB_CATALOGUE", str(CATALOGUE))
    ingest_paths([SEED_CORPUS], real_kb)
    real_kb.close()
    yield


def page(name: str) -> AppTest:
    return AppTest.from_file(str(PAGES / f"{name}.py"), default_timeout=180)


def html(at: AppTest) -> str:
    """The Markdown/HTML source the page sent (document text in it is entity-escaped)."""
    return "\n".join(m.value for m in at.markdown)


def text(at: AppTest) -> str:
    """What a reader sees of that source: entities decoded."""
    from html import unescape

    return unescape(html(at))


def test_entry_script_opens_the_search_page(seeded: None) -> None:
    at = AppTest.from_file(str(REPO / "app" / "Hem.py"), default_timeout=180).run()
    assert not at.exception
    assert at.title[0].value == "Sök i kunskapsbasen"


def test_search_shows_the_passage_with_marked_words_and_filters_narrow_it(seeded: None) -> None:
    at = page("sok").run()
    assert not at.exception
    at.text_input(key="q").set_value("vidareutbildning till specialistsjuksköterska").run()
    assert not at.exception
    shown = text(at)
    assert "Fler <mark>sjuksköterskor</mark> behöver <mark>vidareutbilda</mark>" in shown
    assert "10 träffar" in [c.value for c in at.caption]
    at.multiselect(key="f_doc_type").set_value(["regeringsuppdrag"]).run()
    assert not at.exception
    filtered = text(at)
    assert "Fler <mark>sjuksköterskor</mark>" not in filtered  # that passage is a web page, not an assignment
    assert "Regeringen (Socialdepartementet)" in filtered and "Regeringen (Regeringskansliet)" not in filtered


def test_search_escapes_document_text(seeded: None) -> None:
    at = page("sok").run()
    at.text_input(key="q").set_value("<script>alert(1)</script> sjuksköterskor").run()
    assert not at.exception
    assert "<script>" not in html(at)


def test_adding_a_quote_puts_it_in_the_draft_and_its_export(seeded: None) -> None:
    draft_id = "cd" * 12
    at = page("sok")
    at.query_params["utkast"] = draft_id
    at.run()
    at.text_input(key="q").set_value("vidareutbildning till specialistsjuksköterska").run()
    first = next(b for b in at.button if b.key and b.key.startswith("add-"))
    first.click().run()
    assert not at.exception
    draft = at.session_state[f"draft:{draft_id}"]
    assert len(draft.items) == 1 and "Fler sjuksköterskor behöver vidareutbilda sig" in draft.items[0].text

    utkast = page("utkast")  # a new session with the same address: the draft is read back from disk
    utkast.query_params["utkast"] = draft_id
    utkast.run()
    assert not utkast.exception
    markdown = utkast.code[0].value
    quote_start = " ".join(draft.items[0].text.split()[:8])
    assert f"> {quote_start}" in " ".join(markdown.split())  # the added passage, as a block quote
    assert "Fler sjuksköterskor behöver vidareutbilda sig" in markdown
    assert "## Referenser" in markdown
    assert "1. Regeringen (Regeringskansliet) (2023). *Regeringens arbete med stärkt kompetensförsörjning" in markdown


def test_draft_reorders_and_saves_to_disk(seeded: None, tmp_path: Path) -> None:
    at = page("utkast")
    at.query_params["utkast"] = "ab" * 12
    items = [DraftItem("quote", f"k{n}", f"Titel {n}", f"Citat nummer {n}", [f"Ref {n}"]) for n in (1, 2)]
    from workspace import Draft

    at.session_state["draft:" + "ab" * 12] = Draft(items)
    at.run()
    assert not at.exception
    at.button(key="down-k1").click().run()
    assert not at.exception
    assert "> Citat nummer 2 [1]" in at.code[0].value.split("> Citat nummer 1")[0]
    saved = (Path(load_index()) / "drafts" / f"{'ab' * 12}.json").read_text(encoding="utf-8")
    assert saved.index("Citat nummer 2") < saved.index("Citat nummer 1")


def test_a_quote_read_by_ocr_carries_its_mark_on_the_draft_page_and_in_the_export(seeded: None) -> None:
    from workspace.draft import OCR_MARK, Draft

    at = page("utkast")
    at.query_params["utkast"] = "ef" * 12
    items = [
        DraftItem("quote", "k1", "Skannad", "Citat ur en skannad sida", ["Ref 1"], ocr=True),
        DraftItem("quote", "k2", "Digital", "Citat ur en digital sida", ["Ref 2"]),
    ]
    at.session_state["draft:" + "ef" * 12] = Draft(items)
    at.run()
    assert not at.exception
    assert [c.value for c in at.caption].count(OCR_MARK) == 1
    markdown = at.code[0].value
    assert markdown.count(OCR_MARK) == 1
    assert markdown.index("Citat ur en skannad sida") < markdown.index(OCR_MARK) < markdown.index("## Citat: Digital")


def load_index() -> str:
    from kb import load_settings

    return str(load_settings().index)


def test_interventions_filter_changes_counts(seeded: None) -> None:
    at = page("insatser").run()
    assert not at.exception
    total = len(Catalogue.load(CATALOGUE))
    assert f"**{total} av {total} insatser**" in html(at)
    before = at.multiselect(key="i_category").options
    at.multiselect(key="i_target_groups").set_value(["barnmorska"]).run()
    assert not at.exception
    expected = len(
        Catalogue.load(CATALOGUE).filter(__import__("catalogue").Query(target_groups=("barnmorska",))).interventions
    )
    assert f"**{expected} av {total} insatser**" in html(at)
    assert at.multiselect(key="i_category").options == before  # labels stay stable: no count in them
    counts = [c.value for c in at.caption if c.value.startswith("I urvalet:")]
    assert counts and any("Barnmorska" in c for c in counts)  # the counts follow the filter, beside the widget
    at.select_slider(key="i_max_cost").set_value(2).run()
    assert not at.exception and f"av {total} insatser**" in html(at)


def test_compare_shows_both_interventions(seeded: None) -> None:
    at = page("jamfor")
    at.session_state["compare"] = ["fler-at-tjanster", "aldreomsorgslyftet"]
    at.run()
    assert not at.exception
    table = text(at)
    assert "<th>Statsbidrag för fler AT-tjänster</th>" in table
    assert "<th>Äldreomsorgslyftet: utbildning på betald arbetstid</th>" in table
    assert '<tr class="differs"><th>Målgrupp</th>' in table.replace("'", '"')
    assert "<tr><th>Geografi</th>" in table  # the same in both: not marked


def test_gap_map_counts_match_the_catalogue(seeded: None) -> None:
    at = page("evidenskarta").run()
    assert not at.exception
    at.radio(key="map_view").set_value("target").run()
    gap = Catalogue.load(CATALOGUE).gap_map(rows="category")
    at.selectbox(key="gap_cell_row_category").set_value("recruit").run()
    at.selectbox(key="gap_cell_col").set_value("lakare").run()
    assert not at.exception
    assert f"**{gap.cell('recruit', 'lakare').count} insatser**" in html(at)
    empty = next((r, c) for r, c in gap.gaps())
    at.selectbox(key="gap_cell_row_category").set_value(empty[0]).run()
    at.selectbox(key="gap_cell_col").set_value(empty[1]).run()
    assert any("Lucka" in w.value for w in at.warning)
    at.radio(key="gap_rows").set_value("lever").run()  # switching rows never keeps a category in the row box
    assert not at.exception and at.selectbox(key="gap_cell_row_lever").value in gap_levers()
    levers = Catalogue.load(CATALOGUE).gap_map(rows="lever")
    assert f"{len(levers.gaps())} av {len(levers.cells)} rutor är luckor." in [c.value for c in at.caption]


def gap_levers() -> tuple[str, ...]:
    from catalogue.vocabularies import LEVERS

    return LEVERS.codes


def test_evidence_map_lists_the_records_of_a_clicked_cell(seeded: None) -> None:
    from catalogue.evidence_map import evidence_map

    at = page("evidenskarta").run()
    assert not at.exception and at.radio(key="map_view").value == "outcome"
    emap = evidence_map(Catalogue.load(CATALOGUE).interventions, rows="lever")
    assert f"{len(emap.gaps())} av {len(emap.cells)} rutor är absoluta luckor." in [c.value for c in at.caption]
    busiest = max(emap.cells.values(), key=lambda c: len(c.entries))
    at.session_state["map_cell"] = (busiest.row, busiest.outcome)  # what a click on that bubble stores
    at.run()
    assert not at.exception
    names = {Catalogue.load(CATALOGUE).get(e.intervention).name for e in busiest.entries}
    shown = text(at)
    assert all(name in shown for name in names) and f"{busiest.studies} studier" in shown
    gap = emap.gaps()[0]
    at.session_state["map_cell"] = gap
    at.run()
    assert any("Lucka" in w.value and "inte att insatsen saknar effekt" in w.value for w in at.warning)


@pytest.mark.parametrize("name", ["sok", "dokument"])
def test_an_index_that_cannot_be_opened_is_one_swedish_message_without_the_path(
    name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "en-fil"  # where the index folder should be: a file, so opening it fails
    blocker.write_text("inte en mapp", encoding="utf-8")
    monkeypatch.setenv("VKB_INDEX", str(blocker))
    at = page(name).run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "Kunskapsbasen kunde inte öppnas. Ladda om sidan om en stund; om felet kvarstår, be den som sköter "
        "vkb kontrollera inställningen VKB_INDEX (detaljerna finns i serverns logg)."
    ]
    assert str(blocker) not in html(at) and "Errno" not in html(at)


def test_documents_page_lists_the_library(seeded: None) -> None:
    at = page("dokument").run()
    assert not at.exception
    assert at.metric[0].value == "3"
    assert "Framtidens vårdkompetens" in list(at.dataframe[0].value["Titel"])


def test_empty_index_and_missing_catalogue_say_what_to_do(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("VKB_CATALOGUE", str(tmp_path / "none"))
    search = page("sok").run()
    assert not search.exception and any("tom" in w.value for w in search.warning)
    interventions = page("insatser").run()
    assert not interventions.exception and any("VKB_CATALOGUE" in e.value for e in interventions.error)
