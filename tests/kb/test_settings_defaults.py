"""One index: `make run`, the `vkb` command and the app all default to the same folder."""

from __future__ import annotations

import re

import pytest

from kb import load_settings
from tests.conftest import REPO


def test_make_run_vkb_and_the_app_share_one_default_index(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VKB_INDEX", raising=False)
    default = load_settings().index
    assert default == REPO / ".vkb-index"
    makefile = (REPO / "Makefile").read_text(encoding="utf-8")
    made = re.search(r"^INDEX\s*\?=\s*\$\(or \$\(VKB_INDEX\),(\S+)\)", makefile, re.MULTILINE)
    assert made and REPO / made.group(1) == default  # make run ingests into the folder vkb reads
    assert "--index $(INDEX)" in makefile
    assert (REPO / ".gitignore").read_text(encoding="utf-8").count(".vkb-index") >= 1


def test_the_environment_still_wins(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("VKB_INDEX", str(tmp_path / "elsewhere"))
    assert load_settings().index == tmp_path / "elsewhere"
