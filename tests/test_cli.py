"""The `vkb` command: output, JSON and exit codes (0 ok, 1 some files failed, 2 usage errors)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import REPO
from vkb_cli.main import app

pytestmark = pytest.mark.slow
runner = CliRunner()


def test_ingest_docs_and_rerun(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(REPO / "data" / "corpus", corpus)
    (corpus / "trasig.pdf").write_bytes(b"%PDF-1.4 trasig")
    result = runner.invoke(app, ["ingest", str(corpus)])
    assert result.exit_code == 1
    assert "3 added" in result.stdout and "1 failed" in result.stdout
    assert "trasig.pdf" in result.stderr and "PDF" in result.stderr
    (corpus / "trasig.pdf").unlink()
    again = runner.invoke(app, ["ingest", str(corpus), "--prune"])
    assert again.exit_code == 0 and "3 unchanged" in again.stdout
    listing = runner.invoke(app, ["docs", "--json"])
    docs = json.loads(listing.stdout)
    assert {d["doc_id"] for d in docs} == {"000_6fc778f79882cfcd", "002_77bf05357181f093", "003_500308792ab731a9"}
    assert all(d["chunk_count"] > 0 and d["stakeholder"] == "stat" for d in docs)
    table = runner.invoke(app, ["docs"])
    assert "Framtidens vårdkompetens" in table.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["ingest", "/no/such/folder"], "no such file or folder"),
        (["ingest", ".", "--chunk-tokens", "3"], "chunk_tokens"),
        (["ingest", ".", "--model", "/tmp"], "not a sentence-transformers model folder"),
    ],
)
def test_usage_errors_exit_2_with_one_line(args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_settings_lists_every_setting() -> None:
    result = runner.invoke(app, ["settings", "--index", "/tmp/vkb-x"])
    assert result.exit_code == 0
    assert "index = PosixPath('/tmp/vkb-x')" in result.stdout and "VKB_CHROMA_URL" in result.stdout
