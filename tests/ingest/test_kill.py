"""Kill `vkb ingest` (SIGKILL) in the middle of a document, re-run, compare with a clean ingest."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kb import KnowledgeBase, load_settings
from tests.conftest import SHARED_CORPUS

pytestmark = pytest.mark.slow


def _corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    for folder in ("regeringsuppdrag", "utredningar"):
        shutil.copytree(SHARED_CORPUS / folder, root / folder)
    return root


def _ingest(root: Path, index: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "VKB_INDEX": str(index)}
    return subprocess.Popen(
        [sys.executable, "-m", "vkb_cli.main", "ingest", str(root), "--no-progress"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def _state(index: Path, embedder) -> tuple[set[str], set[str]]:  # type: ignore[no-untyped-def]
    kb = KnowledgeBase.open(load_settings(index=index), embedder=embedder)
    try:
        live = {chunk_id for chunk_id, _, _ in kb.registry.live_chunks()}
        vector_ids = kb.vectors.ids()
        assert len(vector_ids) == len(set(vector_ids))
        assert set(vector_ids) == live, "vectors and registry disagree"
        assert kb.registry.pending_versions() == []
        return {r.doc_id for r in kb.documents()}, live
    finally:
        kb.close()


def _kill_while_a_document_is_pending(process: subprocess.Popen[bytes], registry: Path, after_docs: int) -> bool:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if registry.exists():
            try:
                with sqlite3.connect(f"file:{registry}?mode=ro", uri=True, timeout=1) as conn:
                    pending = conn.execute("SELECT count(*) FROM pending").fetchone()[0]
                    done = conn.execute("SELECT count(*) FROM documents").fetchone()[0]
            except sqlite3.OperationalError:
                pending = done = 0
            if pending and done >= after_docs:
                process.send_signal(signal.SIGKILL)
                process.wait()
                return True
        time.sleep(0.002)
    return False


def test_sigkill_mid_ingest_then_rerun_equals_clean_ingest(tmp_path: Path, real_embedder) -> None:  # type: ignore[no-untyped-def]
    root = _corpus(tmp_path)
    clean = tmp_path / "clean-index"
    first = _ingest(root, clean)
    out, err = first.communicate()
    assert first.returncode == 0 and b" 0 failed" in out, (out[-2000:], err[-2000:])
    expected_docs, expected_chunks = _state(clean, real_embedder)

    killed = tmp_path / "killed-index"
    kills = 0
    for after_docs in (0, 5, 12):
        process = _ingest(root, killed)
        if _kill_while_a_document_is_pending(process, killed / "registry.sqlite3", after_docs):
            kills += 1
        else:
            process.wait()
    assert kills >= 1, "the ingest finished before it could be killed mid-document"
    rerun = _ingest(root, killed)
    _, err = rerun.communicate(timeout=300)
    assert rerun.returncode == 0, err.decode()
    docs, chunks = _state(killed, real_embedder)
    assert docs == expected_docs
    assert chunks == expected_chunks
