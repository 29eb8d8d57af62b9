"""How `vkb app` starts: its own light command, the server before the rest of vkb, the knowledge base
and Streamlit's one-time costs prepared on a thread once the server listens (README, "The two models")."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app import state
from ingest import ingest_paths
from kb import KnowledgeBase, load_settings
from tests.conftest import REPO, SEED_CORPUS, HashEmbedder
from vkb_cli.app_command import standalone
from vkb_cli.app_server import listening
from vkb_cli.main import app as full_cli

runner = CliRunner()
HEAVY = (
    "kb.search",
    "kb.knowledge_base",
    "kb.records",
    "catalogue",
    "ingest",
    "workspace",
    "app",
    "numpy",
    "streamlit",
)


def test_the_app_command_alone_loads_none_of_the_search_machinery() -> None:
    """What `vkb app` imports before Streamlit's server starts: no search, catalogue, ingest or numpy."""
    probe = "import sys, vkb_cli.entry, vkb_cli.app_command; print(sorted(m for m in sys.argv[1:] if m in sys.modules))"
    result = subprocess.run(
        [sys.executable, "-c", probe, *HEAVY], cwd=REPO, capture_output=True, text=True, timeout=120, check=True
    )
    assert result.stdout.strip() == "[]"
    full = subprocess.run(  # the probe can tell: the full CLI loads them
        [sys.executable, "-c", probe.replace("vkb_cli.app_command", "vkb_cli.main"), *HEAVY],
        cwd=REPO, capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    assert "kb.search" in full.stdout or "kb.records" in full.stdout


def test_vkb_app_is_the_same_command_alone_and_in_the_full_cli() -> None:
    alone = runner.invoke(standalone, ["app", "--help"], terminal_width=100)
    listed = runner.invoke(full_cli, ["app", "--help"], terminal_width=100)
    assert alone.exit_code == listed.exit_code == 0
    assert alone.stdout == listed.stdout and "--port" in alone.stdout


def test_vkb_app_with_bad_settings_says_why_in_one_line_and_exits_2(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "vkb_cli", "app", "--chroma-url", "nonsense", "--index", str(tmp_path / "i")],
        cwd=REPO, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [result.stderr.strip()]
    assert "vkb: error:" in result.stderr and "chroma URL must look like http://host:port" in result.stderr
    assert "starting the app" not in result.stdout  # it failed before starting anything


def test_listening_waits_for_a_server_and_gives_up_after_its_timeout() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    assert not listening("127.0.0.1", port, timeout=0.3)  # nobody listens
    assert 0.3 <= time.monotonic() - started < 5
    server = socket.socket()
    server.bind(("127.0.0.1", port))

    def listen_later() -> None:
        time.sleep(0.3)
        server.listen()

    threading.Thread(target=listen_later).start()
    try:
        assert listening("0.0.0.0", port, timeout=10)  # an all-interfaces address is reached on 127.0.0.1
    finally:
        server.close()


def test_streamlits_first_page_costs_are_still_where_the_prewarm_pays_them() -> None:
    """If a Streamlit upgrade moves them, the first page pays them again (no error): this test says so."""
    from streamlit import delta_generator, string_util

    assert callable(delta_generator._maybe_print_use_warning)
    assert string_util.is_emoji(state.PAGE_ICON)


@pytest.fixture
def index_with_documents(monkeypatch: pytest.MonkeyPatch) -> Path:
    settings = load_settings()
    kb = KnowledgeBase.open(settings, embedder=HashEmbedder())
    ingest_paths([SEED_CORPUS], kb)
    kb.close()
    monkeypatch.setattr(state, "_PREOPENED", {})
    monkeypatch.setattr(state, "_TAKEN", set())
    return settings.index


def _opened_with_hash_embedder(monkeypatch: pytest.MonkeyPatch) -> None:
    """The prewarm opens the index the settings name; the fast test embedder stands in for the model."""
    real_open = KnowledgeBase.open.__func__  # type: ignore[attr-defined]
    monkeypatch.setattr(
        KnowledgeBase,
        "open",
        classmethod(lambda cls, settings=None, **_: real_open(cls, settings, embedder=HashEmbedder())),
    )


def test_prewarm_opens_the_knowledge_base_and_reads_the_search_snapshot(
    index_with_documents: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _opened_with_hash_embedder(monkeypatch)
    state.prewarm()
    [(key, kb)] = state._PREOPENED.items()
    assert key == load_settings().model_dump_json() and kb.settings.index == index_with_documents
    assert len(kb.searcher.table()) > 0 and kb.searcher._table is not None  # read before any search
    assert kb.search("sjuksköterskor", mode="lexical")
    kb.close()


def test_a_prewarm_later_than_the_first_visitor_does_nothing(
    index_with_documents: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _opened_with_hash_embedder(monkeypatch)
    state._TAKEN.add(load_settings().model_dump_json())  # the page opened the knowledge base itself
    state.prewarm()
    assert state._PREOPENED == {}


def test_a_prewarm_on_a_broken_index_leaves_the_reason_to_the_page(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(state, "_PREOPENED", {})
    monkeypatch.setattr(state, "_TAKEN", set())
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    monkeypatch.setenv("VKB_INDEX", str(blocked))
    state.prewarm()  # no exception: the page opens the index itself and shows why in Swedish
    assert state._PREOPENED == {}
    assert os.path.isfile(blocked)
