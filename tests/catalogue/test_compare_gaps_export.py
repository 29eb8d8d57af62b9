"""Comparison, the gap map and the exports, on the starter catalogue."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook

from catalogue import Catalogue, CompareError, Query, UnknownIntervention
from catalogue.export import export, to_csv, to_markdown
from ingest import ingest_paths
from kb import KnowledgeBase, load_settings
from tests.conftest import REPO, SEED_CORPUS, HashEmbedder

CATALOGUE = Catalogue.load(REPO / "data" / "catalogue")


def test_compare_aligns_fields_and_marks_differences() -> None:
    comparison = CATALOGUE.compare(["fler-at-tjanster", "aldreomsorgslyftet"])
    rows = {row.field: row for row in comparison.rows}
    assert comparison.names == (
        "Statsbidrag för fler AT-tjänster",
        "Äldreomsorgslyftet: utbildning på betald arbetstid",
    )
    assert rows["target_groups"].values == ("Läkare, AT-/BT-läkare", "Undersköterska, Chefer")  # vocabulary order
    assert rows["target_groups"].differs and rows["cost"].differs
    assert not rows["setting"].differs and rows["setting"].values == ("Hela landet", "Hela landet")
    assert rows["cost"].values == ("3 – 100–500 mnkr/år", "4 – 500–2 000 mnkr/år")


@pytest.mark.parametrize(
    ("ids", "error"),
    [
        (["fler-at-tjanster"], CompareError),
        (["fler-at-tjanster"] * 2, CompareError),
        (["a", "b", "c", "d", "e"], CompareError),
        (["fler-at-tjanster", "finns-inte"], UnknownIntervention),
    ],
)
def test_compare_refuses_bad_selections(ids: list[str], error: type[Exception]) -> None:
    with pytest.raises(error):
        CATALOGUE.compare(ids)


def test_gap_map_counts_every_cell_against_a_direct_count() -> None:
    gap = CATALOGUE.gap_map(rows="category")
    for (row, col), cell in gap.cells.items():
        expected = [i for i in CATALOGUE.interventions if row in i.category and col in i.target_groups]
        assert cell.count == len(expected)
        assert (cell.best_evidence is None) == (not expected)
    assert gap.cell("return", "lamnat_yrket").count >= 8  # the return interventions name those who left
    assert gap.gaps() and all(not gap.cell(r, c).ids for r, c in gap.gaps())
    rural = [i for i in CATALOGUE.interventions if "gles_och_landsbygd" in i.setting]
    levers = CATALOGUE.gap_map(rows="lever", query=Query(setting=("gles_och_landsbygd",)))
    for (lever, group), cell in levers.cells.items():
        assert set(cell.ids) == {i.id for i in rural if lever in i.levers and group in i.target_groups}
    with pytest.raises(ValueError, match="rows must be one of"):
        CATALOGUE.gap_map(rows="actor")  # type: ignore[arg-type]


def test_csv_has_a_row_per_intervention_with_labels_and_references() -> None:
    chosen = CATALOGUE.filter(Query(target_groups=("barnmorska",))).interventions
    table = list(csv.reader(io.StringIO(to_csv(chosen))))
    assert table[0][:3] == ["id", "Namn", "Sammanfattning"] and table[0][-1] == "Källor"
    assert [row[0] for row in table[1:]] == [i.id for i in chosen]
    row = next(r for r in table if r[0] == "sophiahemmet-utbildningsplatser")
    assert "2 – 10–100 mnkr/år" in row and "18 000 000 kr" in row[table[0].index("Belopp")]


def test_markdown_numbers_references_once_and_quotes_with_them(tmp_path: Path) -> None:
    kb = KnowledgeBase.open(load_settings(index=tmp_path / "index"), embedder=HashEmbedder())
    ingest_paths([SEED_CORPUS], kb)
    chosen = [
        CATALOGUE.get("vidareutbildning-specialistsjukskoterskor"),
        CATALOGUE.get("utvecklings-och-karriarmojligheter"),
    ]
    text = to_markdown(chosen, kb)
    kb.close()
    assert text.count("## Referenser") == 1
    reference = "Regeringen (Regeringskansliet) (2023). *Regeringens arbete med stärkt kompetensförsörjning"
    assert text.count(reference) == 1  # the same document is one numbered reference
    assert "1. " + reference in text
    assert "> Regeringen avsätter 500 miljoner kronor 2023" in text and "sjuksköterskor. [1]" in text
    without_index = to_markdown(chosen)
    assert "Dokument 002_77bf05357181f093 (ej i indexet)." in without_index


def test_xlsx_export_opens_with_the_same_rows(tmp_path: Path) -> None:
    path = tmp_path / "insatser.xlsx"
    export(CATALOGUE.interventions, "xlsx", path)
    sheet = load_workbook(path).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0][0] == "id" and len(values) == len(CATALOGUE) + 1
    assert {row[0] for row in values[1:]} == {i.id for i in CATALOGUE.interventions}
    with pytest.raises(ValueError, match="unknown export format"):
        export(CATALOGUE.interventions, "pdf", tmp_path / "x.pdf")


def test_related_passages_leave_out_what_the_record_already_quotes(tmp_path: Path) -> None:
    from catalogue import related_passages

    kb = KnowledgeBase.open(load_settings(index=tmp_path / "index"), embedder=HashEmbedder())
    ingest_paths([SEED_CORPUS], kb)
    intervention = CATALOGUE.get("vidareutbildning-specialistsjukskoterskor")
    passages = related_passages(kb, intervention, k=3)
    kb.close()
    assert len(passages) == 3  # the seed corpus has plenty of other passages
    quote = " ".join(intervention.sources[0].quote.split())
    assert all(quote not in " ".join(p.text.split()) for p in passages)


def test_exports_say_what_a_grade_means(tmp_path: Path) -> None:
    from openpyxl import load_workbook

    from catalogue.vocabularies import EVIDENCE_GUARD

    chosen = CATALOGUE.filter(Query(category=("return",))).interventions
    assert EVIDENCE_GUARD in to_markdown(chosen)
    export(chosen, "xlsx", tmp_path / "x.xlsx")
    assert load_workbook(tmp_path / "x.xlsx")["Läs först"]["A1"].value == EVIDENCE_GUARD


def test_spreadsheets_carry_control_characters_and_formulas_as_plain_text(tmp_path: Path) -> None:
    from catalogue.review import review_rows, write_review

    record = CATALOGUE.get("vidareutbildning-specialistsjukskoterskor")
    source = record.sources[0].model_copy(update={"quote": "Citat med NUL\x00 och \x1b[31mfärg\x1b[0m"})
    hostile = record.model_copy(
        update={"name": "Insats \x1b[31mRÖD\x0c", "summary": '=HYPERLINK("http://127.0.0.1:9/x","klicka")',
                "sources": [source, *record.sources[1:]]}
    )  # fmt: skip
    export([hostile], "xlsx", tmp_path / "insatser.xlsx")
    sheet = load_workbook(tmp_path / "insatser.xlsx")["Insatser"]
    header = [c.value for c in sheet[1]]
    row = {h: c for h, c in zip(header, sheet[2], strict=True)}
    assert row["Namn"].value == "Insats [31mRÖD"
    assert row["Sammanfattning"].value == '=HYPERLINK("http://127.0.0.1:9/x","klicka")'
    assert row["Sammanfattning"].data_type == "s"  # text, not a formula
    write_review(review_rows([hostile]), "xlsx", tmp_path / "granskning.xlsx")
    review = load_workbook(tmp_path / "granskning.xlsx")["Granskning"]
    quotes = [r[5].value for r in review.iter_rows(min_row=2)]
    assert "Citat med NUL och [31mfärg[0m" in quotes
