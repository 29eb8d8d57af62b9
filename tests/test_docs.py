"""The README stays true: every CLI command, setting and metadata vocabulary term is documented."""

from __future__ import annotations

import re

import pytest
import typer.main

from kb.settings import Settings, settings_table
from kb.vocabulary import DOC_TYPES, STAKEHOLDERS
from tests.conftest import REPO
from vkb_cli.main import app

README = (REPO / "README.md").read_text(encoding="utf-8")


def _commands() -> list[str]:
    group = typer.main.get_group(app)
    return sorted(group.commands)


@pytest.mark.parametrize("command", _commands())
def test_every_cli_command_is_in_the_readme(command: str) -> None:
    assert re.search(rf"vkb {command}\b", README), f"`vkb {command}` is not documented in README.md"


@pytest.mark.parametrize(("name", "env"), [(row[0], row[1]) for row in settings_table()])
def test_every_setting_is_in_the_readme(name: str, env: str) -> None:
    assert f"`{name}`" in README and f"`{env}`" in README


@pytest.mark.parametrize("term", DOC_TYPES + STAKEHOLDERS)
def test_every_metadata_term_is_in_the_readme(term: str) -> None:
    assert re.search(rf"\b{term}\b", README)


def test_the_two_setup_commands_are_in_the_readme() -> None:
    assert "make run" in README and "make test" in README
    assert len(Settings.model_fields) == len(settings_table())


def test_every_catalogue_term_is_in_the_readme_with_its_label() -> None:
    from catalogue.vocabularies import VOCABULARIES

    for vocabulary in VOCABULARIES.values():
        for term in vocabulary.terms:
            assert f"| `{term.code}` | {term.sv} |" in README, (
                f"{vocabulary.name} term {term.code} is not in the README"
            )


@pytest.mark.parametrize("command", ["list", "show", "compare", "gaps", "validate", "export"])
def test_every_catalogue_command_is_in_the_readme(command: str) -> None:
    assert f"vkb catalogue {command}" in README
