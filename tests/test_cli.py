"""The `vkb` command: output, JSON and exit codes (0 ok, 1 some files failed, 2 usage errors)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from tests.conftest import SEED_CORPUS
from vkb_cli.main import app

pytestmark = pytest.mark.slow
runner = CliRunner()


def test_ingest_docs_and_rerun(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    shutil.copytree(SEED_CORPUS, corpus)
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
    assert "latent terms" not in table.stdout  # ingested with them


def test_an_index_from_before_latent_terms_is_told_and_completed_by_reindex(tmp_path: Path) -> None:
    import sqlite3

    from kb import IndexLayout, load_settings

    assert runner.invoke(app, ["ingest", str(SEED_CORPUS)]).exit_code == 0
    layout = IndexLayout.at(load_settings().index)
    with sqlite3.connect(layout.registry) as conn:  # as an older vkb left it
        conn.execute("UPDATE chunks SET terms = NULL")
    shutil.rmtree(layout.search_cache)
    listing = runner.invoke(app, ["docs"])
    assert listing.exit_code == 0 and "indexed before latent terms" in listing.stdout
    assert "vkb reindex" in listing.stdout
    done = runner.invoke(app, ["reindex"])
    assert done.exit_code == 0 and "now with latent terms" in done.stdout, done.output
    assert "latent terms" not in runner.invoke(app, ["docs"]).stdout
    again = runner.invoke(app, ["reindex"])
    assert again.exit_code == 1 and "already built" in again.output


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


def test_search_json_and_text_output(tmp_path: Path) -> None:
    assert runner.invoke(app, ["ingest", str(SEED_CORPUS), "--no-progress"]).exit_code == 0
    result = runner.invoke(app, ["search", "vidareutbildning till specialistsjuksköterska", "--k", "3", "--json"])
    assert result.exit_code == 0, result.stderr
    hits = json.loads(result.stdout)
    assert [h["rank"] for h in hits] == [1, 2, 3]
    required = {"rank", "score", "doc_id", "source_path", "title", "page", "char_start", "char_end", "text"}
    assert all(required <= set(h) for h in hits)
    top = hits[0]
    assert top["doc_id"] == "002_77bf05357181f093" and top["page"] is None
    assert top["source_path"] == "2023-01_regeringen_arbete-med-starkt-kompetensforsorjning.txt"
    assert "Fler sjuksköterskor behöver vidareutbilda sig till specialistsjuksköterska" in top["text"]
    source = (SEED_CORPUS / top["source_path"]).read_text(encoding="utf-8")
    # offsets are into the extracted text, which here is the file without its Markdown escapes (`utvecklings\\-`)
    assert top["text"] in source.replace("\\", "") and top["char_end"] - top["char_start"] == len(top["text"])
    assert top["citation"].startswith("Regeringen (Regeringskansliet) (2023).")

    text = runner.invoke(app, ["search", "vidareutbildning till specialistsjuksköterska", "--k", "2"])
    assert text.exit_code == 0
    assert "1. Regeringens arbete med stärkt kompetensförsörjning" in text.stdout
    assert "[specialistsjuksköterska]" in text.stdout and "Källa: Regeringen (Regeringskansliet) (2023)." in text.stdout

    grouped = runner.invoke(app, ["search", "kompetensförsörjning", "--group", "document"])
    assert grouped.exit_code == 0 and grouped.stdout.count("\n== ") == 3  # one group per seed document

    filtered = runner.invoke(app, ["search", "sjuksköterskor", "--type", "regeringsuppdrag", "--json"])
    assert {h["doc_type"] for h in json.loads(filtered.stdout)} == {"regeringsuppdrag"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--type", "remiss"], "unknown doc_type 'remiss'; allowed: regeringsuppdrag"),
        (["--stakeholder", "landsting"], "unknown stakeholder 'landsting'"),
        (["--mode", "semantic"], "unknown search mode 'semantic'"),
        (["--group", "year"], "unknown --group 'year'"),
        (["--year-from", "2024", "--year-to", "2020"], "year range is empty"),
    ],
)
def test_search_usage_errors(args: list[str], message: str) -> None:
    assert runner.invoke(app, ["ingest", str(SEED_CORPUS), "--no-progress"]).exit_code == 0
    result = runner.invoke(app, ["search", "sjuksköterskor", *args])
    assert result.exit_code == 2
    assert message in result.stderr and "Traceback" not in result.stderr


def test_search_on_an_empty_index_says_how_to_fill_it() -> None:
    result = runner.invoke(app, ["search", "sjuksköterskor"])
    assert result.exit_code == 1
    assert "is empty; add documents with: vkb ingest FOLDER" in result.stderr


def test_eval_prints_every_mode(tmp_path: Path) -> None:
    name = "2023-01_regeringen_arbete-med-starkt-kompetensforsorjning.txt"
    text = (SEED_CORPUS / name).read_text(encoding="utf-8")
    start = text.index("Fler sjuksköterskor behöver")
    query = {
        "id": "q1",
        "query": "vidareutbildning specialistsjuksköterska",
        "path": name,
        "start": start,
        "end": start + 80,
        "kind": "keyword",
    }
    queries = tmp_path / "q.jsonl"
    queries.write_text(json.dumps(query, ensure_ascii=False) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["eval", str(queries), "--corpus", str(SEED_CORPUS), "--json"])
    assert result.exit_code == 0, result.stderr
    metrics = json.loads(result.stdout)["metrics"]
    assert {m["mode"] for m in metrics} == {"hybrid", "lexical", "dense", "bm25-plain"}
    hybrid = next(m for m in metrics if m["mode"] == "hybrid" and m["kind"] == "all")
    assert hybrid["R@10"] == 1.0 and hybrid["n"] == 1
    table = runner.invoke(app, ["eval", str(queries), "--corpus", str(SEED_CORPUS)])
    assert "MRR@10" in table.stdout and "bm25-plain" in table.stdout
    bad = runner.invoke(app, ["eval", str(tmp_path / "missing.jsonl"), "--corpus", str(SEED_CORPUS)])
    assert bad.exit_code == 2 and "missing.jsonl" in bad.stderr


def test_a_malformed_chroma_url_is_a_usage_error(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["search", "sjuksköterskor", "--chroma-url", "nonsense", "--index", str(tmp_path / "i")]
    )
    assert result.exit_code == 2 and "chroma URL must look like http://host:port" in result.stderr


def test_a_file_name_cannot_fake_or_colour_a_line_of_the_report(tmp_path: Path) -> None:
    """File names may hold newlines and escape codes; the report shows them escaped, one line per file."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "trasig\nfailed   fejk.pdf").write_bytes(b"%PDF-1.4 trasig")
    (corpus / "bild\x1b[32m.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (corpus / "bra.txt").write_text("Regionen har brist på barnmorskor.\n", encoding="utf-8")
    result = runner.invoke(app, ["ingest", str(corpus), "--no-progress"])
    assert result.exit_code == 1
    report = result.stderr.splitlines()
    assert sorted(line.split(" ", 1)[0] for line in report) == ["failed", "skipped"]  # one line per file
    assert any("trasig\\nfailed   fejk.pdf: not a readable PDF" in line for line in report)
    assert any("bild\\x1b[32m.png: unsupported file type" in line for line in report)
    assert "\x1b" not in result.stderr + result.stdout
    listing = runner.invoke(app, ["docs"]).stdout
    assert "  trasig\\nfailed   fejk.pdf: not a readable PDF" in listing


def test_a_query_that_is_not_utf8_is_a_usage_error_in_every_mode_and_no_hits_suggest_another_mode() -> None:
    assert runner.invoke(app, ["ingest", str(SEED_CORPUS), "--no-progress"]).exit_code == 0
    vkb = Path(sys.executable).parent / "vkb"
    for mode in ("hybrid", "dense", "lexical"):  # Latin-1 "ö" from a terminal that is not UTF-8
        result = subprocess.run(
            [vkb, "search", "--mode", mode, b"sjuksk\xf6terska"],
            capture_output=True,
            env={**os.environ, "LC_ALL": "C.UTF-8"},
            timeout=300,
        )
        stderr = result.stderr.decode("utf-8", "replace")
        assert result.returncode == 2, stderr
        assert stderr.strip().splitlines() == [
            "vkb: error: the query is not valid UTF-8 text (byte 0xf6 after 'sjuksk'); "
            "set the terminal's character encoding to UTF-8"
        ]
    lexical = runner.invoke(app, ["search", "qqxqzzyy", "--mode", "lexical"])
    assert lexical.exit_code == 0 and "No passages found" in lexical.stdout
    assert "--mode hybrid" in lexical.stdout and "--mode lexical" not in lexical.stdout


def test_vkb_app_skips_streamlits_component_scan_and_file_watcher(monkeypatch: pytest.MonkeyPatch) -> None:
    """The two start-up costs `vkb app` avoids are still where this Streamlit has them."""
    from streamlit.components.v2.component_manager import BidiComponentManager

    from kb import load_settings
    from vkb_cli.app_server import _skip_component_scan, streamlit_arguments

    arguments = streamlit_arguments(load_settings(), "127.0.0.1", 8501)
    assert arguments[arguments.index("--server.fileWatcherType") + 1] == "none"
    monkeypatch.setattr(
        BidiComponentManager, "discover_and_register_components", BidiComponentManager.discover_and_register_components
    )
    scanned: list[bool] = []
    monkeypatch.setattr(
        "streamlit.components.v2.manifest_scanner.scan_component_manifests", lambda: scanned.append(True) or []
    )
    BidiComponentManager().discover_and_register_components(start_file_watching=False)
    assert scanned == [True]  # Streamlit's own method scans
    _skip_component_scan()
    BidiComponentManager().discover_and_register_components(start_file_watching=False)
    assert scanned == [True]  # vkb's start-up does not
