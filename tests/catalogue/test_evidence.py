"""The evidence layer: stats, the review sheet and the intervention x outcome map, against direct counts."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from openpyxl import load_workbook
from typer.testing import CliRunner

from catalogue import Catalogue
from catalogue.evidence_map import evidence_map
from catalogue.review import HEADERS, review_rows, to_markdown, to_xlsx
from catalogue.stats import catalogue_stats
from catalogue.vocabularies import GRADED, LEVERS, OUTCOME
from tests.conftest import REPO
from vkb_cli.main import app

CATALOGUE = Catalogue.load(REPO / "data" / "catalogue")
runner = CliRunner()


def test_the_shipped_catalogue_meets_the_evidence_targets() -> None:
    stats = catalogue_stats(CATALOGUE.interventions)
    assert stats.records >= 70
    assert stats.per_category["return"] >= 8
    assert all(stats.per_category[c] >= 10 for c in ("recruit", "retain", "enable"))
    graded_by_research = [
        i for i in CATALOGUE.interventions
        if i.evidence.certainty in GRADED and any(not hasattr(i.source(s), "doc_id") for s in i.evidence.sources)
    ]  # fmt: skip
    assert len(graded_by_research) >= 35
    assert stats.graded == sum(1 for i in CATALOGUE.interventions if i.evidence.certainty in GRADED)


def test_stats_count_what_the_records_say() -> None:
    stats = catalogue_stats(CATALOGUE.interventions)
    for code in OUTCOME.codes:
        expected = sum(1 for i in CATALOGUE.interventions if any(o.outcome == code for o in i.outcomes))
        assert stats.per_outcome[code] == expected
    assert stats.with_unit_cost == sum(1 for i in CATALOGUE.interventions if i.cost.unit_cost)
    assert sum(stats.per_certainty.values()) == stats.records
    result = runner.invoke(app, ["catalogue", "stats", "--json", "--category", "return"])
    assert result.exit_code == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["records"] == stats.per_category["return"] == shown["per_category"]["return"]


def test_the_review_sheet_has_one_row_per_claim_and_source(tmp_path: Path) -> None:
    rows = review_rows(CATALOGUE.interventions)
    expected = 0
    for i in CATALOGUE.interventions:
        expected += len(i.evidence.sources) + sum(len(o.sources) for o in i.outcomes) + len(i.cost.sources)
        expected += len(i.cost.unit_cost.sources) if i.cost.unit_cost else 0
        expected += len(i.cost.cost_effectiveness.sources) if i.cost.cost_effectiveness else 0
        expected += sum(len(x.sources) for x in i.implementation)
        expected += len(i.actors.sources) + len(i.time_to_effect.sources)
    assert len(rows) == expected
    for row in rows:  # every row carries the quote of the very source it names
        quote = getattr(CATALOGUE.get(row.intervention).source(row.source), "quote", None)
        assert row.quote == (quote or "(inget citat)") and row.checked == ""
    markdown = to_markdown(rows)
    assert markdown.count("- [ ] **") == len(rows)
    path = tmp_path / "granskning.xlsx"
    to_xlsx(rows, path)
    sheet = load_workbook(path).active
    assert tuple(c.value for c in sheet[1]) == HEADERS and sheet.max_row == len(rows) + 1
    cli = runner.invoke(app, ["catalogue", "review", "--out", str(tmp_path / "r.md"), "--category", "return"])
    assert cli.exit_code == 0 and "claims to" in cli.stdout
    bad = runner.invoke(app, ["catalogue", "review", "--out", str(tmp_path / "r.pdf")])
    assert bad.exit_code == 2 and "md or xlsx" in bad.stderr


def test_the_evidence_map_counts_each_cell_directly() -> None:
    interventions = CATALOGUE.interventions
    emap = evidence_map(interventions, rows="lever")
    assert emap.rows == LEVERS.codes and len(emap.cells) == len(LEVERS.codes) * len(OUTCOME.codes)
    for (lever, outcome), cell in emap.cells.items():
        entries = [(i.id, o) for i in interventions if lever in i.levers for o in i.outcomes if o.outcome == outcome]
        assert len(cell.entries) == len(entries)
        assert cell.absolute_gap == (not entries or all(o.studies == 0 for _, o in entries))
        assert cell.studies <= sum(o.studies or 0 for _, o in entries)  # a review cited twice counts once
    by_record = evidence_map(interventions, rows="intervention")
    assert by_record.rows == tuple(i.id for i in interventions)
    grobler = by_record.cell("ekonomiska-incitament-landsbygd", "rekrytering")
    assert not grobler.absolute_gap  # one review found studies; the Cochrane review that found none is listed too
    table = list(csv.DictReader(io.StringIO(emap.to_csv())))
    assert len(table) == len(emap.cells)
    assert {r["lucka"] for r in table} == {"True", "False"}
