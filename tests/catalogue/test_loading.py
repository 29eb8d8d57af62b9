"""Loading and validation: every kind of problem is reported with its file and line, and the rest loads."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from catalogue import Catalogue
from catalogue.loading import load_file, quote_problem
from catalogue.schema import KbSource
from kb.records import PageSpan
from tests.conftest import REPO

CATALOGUE = REPO / "data" / "catalogue"
GOOD = (CATALOGUE / "vidareutbildning-specialistsjukskoterskor.yaml").read_text(encoding="utf-8")


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)


def write(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_the_good_record_loads() -> None:
    record, problems = load_file(CATALOGUE / "vidareutbildning-specialistsjukskoterskor.yaml")
    assert problems == [] and record is not None
    assert record.intervention.cost.level == 3 and record.intervention.evidence.level == "ej_bedomd"
    assert record.line("sources.0.quote") == line_of(GOOD, "quote:")


@pytest.mark.parametrize(
    ("change", "field", "needle", "message"),
    [
        (
            ("- sjukskoterska", "- sjukskoterskor"),
            "target_groups.0",
            "- sjukskoterskor",
            "unknown target_groups term 'sjukskoterskor'; allowed: lakare",
        ),
        (("- utbildning", "- skola"), "levers.0", "- skola", "unknown levers term 'skola'"),
        (("status: decided", "status: klar"), "status", "status: klar", "allowed: proposed, decided"),
        (("time_to_effect: medium", "time_to_effect: medium\nbudget: 5"), "budget", "budget: 5", "unknown field"),
        (("status: decided\n", ""), "status", "id:", "required field is missing"),
        (("level: 3", "level: 7"), "cost.level", "level: 7", "1, 2, 3, 4, 5 or 'unknown', got 7"),
        (("level: ej_bedomd", "level: hog"), "evidence", "evidence:", "needs a rationale and the sources"),
        (("- regeringen2023\n", "- nosuchsource\n"), "", "id:", "names nosuchsource, not among the record's sources"),
        (("- retain", "- retain\n- retain"), "category", "category:", "listed more than once: retain"),
        (
            ("id: vidareutbildning-specialistsjukskoterskor", "id: Stora Bokstäver"),
            "id",
            "id: Stora",
            "should match pattern",
        ),
    ],
)
def test_each_problem_names_field_and_line(
    tmp_path: Path, change: tuple[str, str], field: str, needle: str, message: str
) -> None:
    assert change[0] in GOOD
    text = GOOD.replace(change[0], change[1], 1)
    path = write(tmp_path, "vidareutbildning-specialistsjukskoterskor.yaml", text)
    record, problems = load_file(path)
    assert record is None
    assert len(problems) >= 1
    problem = next(p for p in problems if message in p.message)
    assert problem.path == path and problem.field == field
    assert problem.line == line_of(text, needle)


def test_several_problems_in_one_file_are_all_reported(tmp_path: Path) -> None:
    text = GOOD.replace("- sjukskoterska", "- sjukskoterskor").replace("status: decided", "status: klar")
    _, problems = load_file(write(tmp_path, "x.yaml", text))
    assert {p.field for p in problems} == {"target_groups.0", "status"}


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("id: a\nname: [unclosed\nsummary: x\n", 3, "YAML syntax"),
        ("base: &b {x: 1}\nother: *b\n", 1, "anchors and aliases"),
        ("- just\n- a list\n", 1, "must be a YAML mapping"),
    ],
)
def test_bad_yaml_is_reported_with_its_line(tmp_path: Path, text: str, line: int, message: str) -> None:
    record, problems = load_file(write(tmp_path, "bad.yaml", text))
    assert record is None
    assert problems[0].line == line and message in problems[0].message


def test_a_folder_reports_every_file_and_keeps_the_good_ones(tmp_path: Path) -> None:
    folder = tmp_path / "cat"
    shutil.copytree(CATALOGUE, folder)
    write(folder, "trasig.yaml", "id: [\n")
    duplicate = GOOD.replace(
        "id: vidareutbildning-specialistsjukskoterskor", "id: vidareutbildning-specialistsjukskoterskor"
    )
    write(folder, "zz-kopia.yaml", duplicate)
    catalogue = Catalogue.load(folder)
    assert len(catalogue) == len(list(CATALOGUE.glob("*.yaml")))
    messages = [str(p) for p in catalogue.problems]
    assert any("trasig.yaml:2: error: YAML syntax" in m for m in messages)
    duplicate_problem = next(p for p in catalogue.problems if "duplicate id" in p.message)
    assert duplicate_problem.path.name == "zz-kopia.yaml" and duplicate_problem.line == 1
    assert "vidareutbildning-specialistsjukskoterskor.yaml" in duplicate_problem.message
    assert any(p.severity == "warning" and "differs from the file name" in p.message for p in catalogue.problems)


def test_quote_check_against_pages() -> None:
    text = "Sida ett handlar om lön.\nSida två: fler   sjuksköterskor\nbehöver vidareutbilda sig."
    pages = [PageSpan(1, 0, 25), PageSpan(2, 25, len(text))]
    good = KbSource(id="a", doc_id="d", page=2, quote="fler sjuksköterskor behöver vidareutbilda sig")
    assert quote_problem(good, text, pages) is None
    wrong_page = KbSource(id="a", doc_id="d", page=1, quote="fler sjuksköterskor behöver vidareutbilda sig")
    assert "quote not found in page 1 of document 'd'" in (quote_problem(wrong_page, text, pages) or "")
    no_page = KbSource(id="a", doc_id="d", page=3, quote="fler sjuksköterskor behöver")
    assert "has no page 3; it has pages 1–2" in (quote_problem(no_page, text, pages) or "")
    invented = KbSource(id="a", doc_id="d", quote="fler läkare behöver vidareutbilda sig")
    assert quote_problem(invented, text, pages) is not None


def test_starter_catalogue_is_large_enough_and_honest() -> None:
    catalogue = Catalogue.load(CATALOGUE)
    assert catalogue.problems == []
    assert len(catalogue) >= 25
    for intervention in catalogue.interventions:
        assert intervention.sources
        if intervention.cost.level != "unknown" or intervention.cost.amount_sek is not None:
            assert intervention.cost.sources  # a stated cost names its source
        if intervention.evidence.level != "ej_bedomd":
            assert intervention.evidence.rationale and intervention.evidence.sources
    data = yaml.safe_load(GOOD)
    assert data["sources"][0]["doc_id"] == "002_77bf05357181f093"
