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
OUTCOME = "status: decided\noutcomes:\n- outcome: kvarstannande\n  effect: positiv\n  design: rct\n  sources: SRC\n"
KALLA = "certainty: lag\n  grader: kalla\n  rationale: Källans egen gradering.\n  sources: [regeringen2023]"
UNIT_COST = "  unit_cost:\n    amount: 1500\n    unit: per deltagare\n"
EXTERNAL = """- id: ext
  title: A review
  authors: Doe J
  journal: Journal of Tests
  year: 2020
  url: https://example.org/review
  quote: QUOTE
"""
# The same record in the first catalogue format (evidence.level, bare actors and time_to_effect).
OLD_FORMAT = """id: gammal-post
name: En post i det första formatet
summary: Posten skrevs innan utfall, graderare och bedömningsgrund fanns i katalogen.
category: [retain]
target_groups: [sjukskoterska]
levers: [utbildning]
setting: [hela_landet]
actors: [stat, region]
evidence:
  level: ej_bedomd
cost:
  level: unknown
time_to_effect: medium
status: decided
sources:
- id: a
  doc_id: 002_77bf05357181f093
  quote: Regeringen avsätter 500 miljoner kronor 2023
"""


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
    assert record.intervention.cost.level == 3 and record.intervention.evidence.certainty == "ej_bedomd"
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
        (("status: decided", "status: decided\nbudget: 5"), "budget", "budget: 5", "unknown field"),
        (("status: decided\n", ""), "status", "id:", "required field is missing"),
        (("level: 3", "level: 7"), "cost.level", "level: 7", "1, 2, 3, 4, 5 or 'unknown', got 7"),
        (
            ("certainty: ej_bedomd", "certainty: hog"),
            "evidence",
            "evidence:",
            "needs grader (kalla or vkb), a rationale",
        ),
        (("certainty: ej_bedomd", "certainty: ej_bedomd\n  grader: vkb"), "evidence", "evidence:", "leave out grader"),
        (("- regeringen2023\n", "- nosuchsource\n"), "cost.sources", "  sources:", "names nosuchsource, not among"),
        (("status: decided", OUTCOME.replace("SRC", "[]")), "outcomes.0.sources", "sources: []", "at least 1 item"),
        (("status: decided", OUTCOME.replace("  sources: SRC\n", "")), "outcomes.0.sources", "- outcome:", "missing"),
        (
            ("status: decided", OUTCOME.replace("SRC", "[x]")),
            "outcomes.0.sources",
            "sources: [x]",
            "names x, not among",
        ),
        (
            ("status: decided", OUTCOME.replace("positiv", "bra")),
            "outcomes.0.effect",
            "effect: bra",
            "allowed: positiv",
        ),
        (("  basis: 400", UNIT_COST + "  basis: 400"), "cost.unit_cost.sources", "unit_cost:", "missing"),
        (
            ("  basis: vkb\nevidence", "  sources: [regeringen2023]\n  basis: vkb\nevidence"),
            "actors",
            "actors:",
            "not both",
        ),
        (("  value: medium\n  basis: vkb\n", "  value: medium\n"), "time_to_effect", "time_to_effect:", "not neither"),
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


def test_a_record_in_the_first_format_loads_with_its_meaning_kept(tmp_path: Path) -> None:
    record, problems = load_file(write(tmp_path, "gammal-post.yaml", OLD_FORMAT))
    assert problems == [] and record is not None
    intervention = record.intervention
    assert intervention.evidence.certainty == "ej_bedomd" and intervention.evidence.grader is None
    assert intervention.actors.values == ["stat", "region"] and intervention.actors.judged_by_vkb
    assert intervention.time_to_effect.value == "medium" and intervention.time_to_effect.judged_by_vkb


def test_a_graded_record_with_an_external_quote_loads_and_a_long_quote_warns(tmp_path: Path) -> None:
    graded = GOOD.replace("certainty: ej_bedomd", KALLA.replace("regeringen2023", "ext")).replace(
        "sources:\n- id: regeringen2023", "sources:\n" + EXTERNAL + "- id: regeringen2023"
    )
    record, problems = load_file(
        write(tmp_path, "v.yaml", graded.replace("QUOTE", "The evidence was of low certainty."))
    )
    assert record is not None and record.intervention.evidence.grader == "kalla"
    assert [p.severity for p in problems] == ["warning"]  # only: id differs from the file name
    long = graded.replace("QUOTE", "x" * 301)
    record, problems = load_file(write(tmp_path, "vidareutbildning-specialistsjukskoterskor.yaml", long))
    assert record is not None
    (warning,) = problems
    assert warning.severity == "warning" and "external quote of 301 characters" in warning.message
    assert warning.field == "sources.0.quote" and warning.line == line_of(long, "x" * 301)


def test_the_sources_own_grade_needs_the_quote_that_states_it(tmp_path: Path) -> None:
    text = GOOD.replace("certainty: ej_bedomd", KALLA.replace("regeringen2023", "ext")).replace(
        "sources:\n- id: regeringen2023",
        "sources:\n" + EXTERNAL.replace("  quote: QUOTE\n", "") + "- id: regeringen2023",
    )
    record, problems = load_file(write(tmp_path, "vidareutbildning-specialistsjukskoterskor.yaml", text))
    assert record is None
    (problem,) = problems
    assert problem.field == "evidence.grader" and problem.line == line_of(text, "grader: kalla")
    assert "needs a cited source with the quote" in problem.message


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
        if intervention.evidence.certainty != "ej_bedomd":
            assert intervention.evidence.rationale and intervention.evidence.sources and intervention.evidence.grader
    data = yaml.safe_load(GOOD)
    assert data["sources"][0]["doc_id"] == "002_77bf05357181f093"


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("hakar.yaml", "[" * 20_000 + "]" * 20_000, "nested deeper than 20 levels"),  # the hostile test's 40 kB file
        ("oppna.yaml", "[" * 20_000, "nested deeper than 20 levels"),  # unclosed: was a syntax error after 78 s
        ("klamrar.yaml", "id: x\nname: {" + "{a: " * 5_000, "nested deeper than 20 levels"),
        ("listor.yaml", "id: x\nsummary:\n" + "- " * 20_000 + "x\n", "nested deeper than 20 levels"),
        ("stor.yaml", "id: x\nsummary: " + "ord " * 20_000 + "\n", "over the 64 kB limit"),
    ],
)
def test_a_bomb_is_one_problem_and_every_valid_record_still_loads(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    folder = tmp_path / "cat"
    shutil.copytree(CATALOGUE, folder)
    bomb = write(folder, name, text)
    catalogue = Catalogue.load(folder)
    assert len(catalogue) == len(list(CATALOGUE.glob("*.yaml")))
    (problem,) = catalogue.problems
    assert problem.path == bomb and message in problem.message
    if "nested" in message:  # the line of the collection that went too deep
        assert problem.line == (1 if text.startswith("[") else 2 if "{" in text else 3)


def test_a_deep_but_allowed_record_loads_its_line_numbers(tmp_path: Path) -> None:
    nested = "description: " + "[" * 19 + "x" + "]" * 19 + "\n"  # 20 levels with the record's own mapping
    record, problems = load_file(write(tmp_path, "vidareutbildning-specialistsjukskoterskor.yaml", GOOD + nested))
    assert [p.message for p in problems if p.line == line_of(GOOD + nested, "description:")]  # a schema error, …
    assert not any("nested deeper" in p.message for p in problems)  # … not the depth limit
    assert record is None


def test_a_copied_record_keeps_the_id_for_the_file_named_after_it(tmp_path: Path) -> None:
    folder = tmp_path / "cat"
    owner = write(folder, "vidareutbildning-specialistsjukskoterskor.yaml", GOOD)
    copy = write(folder, "a-kopia.yaml", GOOD.replace("name: ", "name: Kopia av ", 1))  # sorts first
    catalogue = Catalogue.load(folder)
    assert [r.path for r in catalogue.records] == [owner]
    problem = next(p for p in catalogue.problems if p.severity == "error")
    assert problem.path == copy and problem.field == "id" and problem.line == line_of(GOOD, "id:")
    assert f"duplicate id 'vidareutbildning-specialistsjukskoterskor': {owner} is named after it" in problem.message


def test_a_duplicate_id_in_two_files_named_otherwise_loads_neither(tmp_path: Path) -> None:
    folder = tmp_path / "cat"
    first = write(folder, "forsta.yaml", GOOD)
    second = write(folder, "andra.yaml", GOOD.replace("name: ", "name: En annan ", 1))
    catalogue = Catalogue.load(folder)
    assert len(catalogue) == 0
    errors = {p.path: p.message for p in catalogue.problems if p.severity == "error"}
    assert set(errors) == {first, second}
    assert f"also in {second}" in errors[first] and f"also in {first}" in errors[second]
    assert all("none of them is loaded" in m for m in errors.values())


@pytest.mark.parametrize("name", ["VIDAREUTBILDNING.YAML", "vidareutbildning.Yml", "vidareutbildning.YML"])
def test_a_record_file_with_an_upper_case_suffix_is_loaded(tmp_path: Path, name: str) -> None:
    folder = tmp_path / "cat"
    path = write(folder, name, GOOD)
    write(folder, "README.md", "# not a record\n")
    catalogue = Catalogue.load(folder)
    assert [r.path for r in catalogue.records] == [path]
