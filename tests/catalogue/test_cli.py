"""`vkb catalogue …` end to end on the starter catalogue: output, files and exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import REPO
from vkb_cli.main import app

runner = CliRunner()
CATALOGUE = REPO / "data" / "catalogue"


@pytest.fixture(autouse=True)
def _catalogue(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VKB_CATALOGUE", str(CATALOGUE))


def test_list_filters_sorts_and_prints_json() -> None:
    result = runner.invoke(
        app, ["catalogue", "list", "--target-group", "barnmorska", "--max-cost", "3", "--sort", "cost"]
    )
    assert result.exit_code == 0, result.stderr
    assert "sophiahemmet-utbildningsplatser" in result.stdout and "kompetensmiljarden-2026" not in result.stdout
    assert result.stdout.index("nationell-plan-kompetensforsorjning") < result.stdout.index("sophiahemmet")
    data = json.loads(runner.invoke(app, ["catalogue", "list", "--category", "recruit", "--json"]).stdout)
    assert all("recruit" in i["category"] for i in data["interventions"])
    assert data["facets"]["category"]["recruit"] == len(data["interventions"])


def test_show_compare_and_gaps() -> None:
    shown = runner.invoke(app, ["catalogue", "show", "eat-provet-fler-provplatser"])
    assert shown.exit_code == 0 and "Kostnad: 1 – under 10 mnkr/år" in shown.stdout
    assert "”Totalt tillförs Karolinska institutet 700 000 kronor" in shown.stdout
    compared = runner.invoke(app, ["catalogue", "compare", "fler-at-tjanster", "aldreomsorgslyftet"])
    assert compared.exit_code == 0 and "≠ Målgrupp" in compared.stdout and "  Geografi" in compared.stdout
    gaps = runner.invoke(app, ["catalogue", "gaps", "--rows", "lever"])
    assert gaps.exit_code == 0 and "Boende och levnadsvillkor" in gaps.stdout and "cells are gaps" in gaps.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["list", "--target-group", "sjukskoterskor"], "unknown target_groups 'sjukskoterskor'"),
        (["list", "--sort", "price"], "unknown sort 'price'"),
        (["show", "finns-inte"], "no intervention with id 'finns-inte'"),
        (["compare", "fler-at-tjanster"], "compare 2–4 interventions, not 1"),
        (["gaps", "--rows", "actor"], "--rows must be category or lever"),
        (["export", "--out", "x.pdf"], "unknown format 'pdf'"),
    ],
)
def test_usage_errors_exit_2(args: list[str], message: str) -> None:
    result = runner.invoke(app, ["catalogue", *args])
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_validate_checks_quotes_against_the_index_and_fails_on_errors(tmp_path: Path) -> None:
    assert runner.invoke(app, ["ingest", str(REPO / "data" / "corpus"), "--no-progress"]).exit_code == 0
    ok = runner.invoke(app, ["catalogue", "validate"])
    assert ok.exit_code == 0, ok.stdout
    assert " valid records · 0 errors · 0 warnings" in ok.stdout  # data/corpus ships every cited document
    assert "unverified" not in ok.stdout
    folder = tmp_path / "cat"
    shutil.copytree(CATALOGUE, folder)
    record = folder / "utvecklings-och-karriarmojligheter.yaml"
    record.write_text(record.read_text(encoding="utf-8").replace("100 miljoner", "200 miljoner"), encoding="utf-8")
    bad = runner.invoke(app, ["catalogue", "validate", str(folder)])
    assert bad.exit_code == 1
    assert "utvecklings-och-karriarmojligheter.yaml:" in bad.stdout and "quote not found in document" in bad.stdout


def test_export_writes_each_format(tmp_path: Path) -> None:
    for suffix in ("csv", "md", "xlsx"):
        out = tmp_path / f"insatser.{suffix}"
        result = runner.invoke(app, ["catalogue", "export", "--out", str(out), "--setting", "gles_och_landsbygd"])
        assert result.exit_code == 0, result.stderr
        assert out.exists() and out.stat().st_size > 100
    assert "## Referenser" in (tmp_path / "insatser.md").read_text(encoding="utf-8")


def test_validate_reports_a_yaml_bomb_and_a_duplicate_and_counts_every_good_record(tmp_path: Path) -> None:
    folder = tmp_path / "katalog"
    shutil.copytree(CATALOGUE, folder)
    (folder / "bomb.yaml").write_text("[" * 20_000 + "]" * 20_000, encoding="utf-8")  # the hostile test's 40 kB file
    shutil.copy(CATALOGUE / "fler-at-tjanster.yaml", folder / "KOPIA.YAML")
    result = runner.invoke(app, ["catalogue", "validate", str(folder), "--no-quotes"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{folder / 'bomb.yaml'}:1: error: YAML nested deeper than 20 levels" in result.stdout
    assert f"{folder / 'KOPIA.YAML'}:1: error: id: duplicate id 'fler-at-tjanster'" in result.stdout
    total = len(list(CATALOGUE.glob("*.yaml")))
    assert f"{total} valid records · 2 errors · 1 warnings" in result.stdout
