"""Temporaries a killed process left in the search cache are removed by the next save; a running
process's are not."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from ingest import ingest_paths
from kb import IndexLayout, KnowledgeBase
from kb.matrix import FILE
from kb.temp_files import abandoned, private_name, sweep
from tests.conftest import SEED_CORPUS, HashEmbedder


def dead_pid() -> int:
    """The pid of a process that has run and exited."""
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_a_temporary_is_abandoned_only_when_its_process_is_gone(tmp_path: Path) -> None:
    gone = dead_pid()
    assert abandoned(tmp_path / f"7.{gone}-0a1b2c3d.tmp")
    assert abandoned(tmp_path / f"words.{gone}.tmp")  # the analyzer's cache names them so
    assert not abandoned(tmp_path / private_name("7"))  # this process
    assert not abandoned(tmp_path / f"7.{os.getppid()}-0a1b2c3d.tmp")  # a running process
    assert not abandoned(tmp_path / f"7.{gone}-0a1b2c3d")  # not a temporary
    assert not abandoned(tmp_path / "vectors.f32.npy")


def test_sweep_removes_folders_and_files_of_dead_processes_only(tmp_path: Path) -> None:
    gone = dead_pid()
    (tmp_path / f"3.{gone}-00ff00ff.tmp").mkdir()
    (tmp_path / f"3.{gone}-00ff00ff.tmp" / "data.npy").write_bytes(b"x" * 1000)
    (tmp_path / f"{FILE}.{gone}-12345678.tmp").write_bytes(b"x")
    kept = [tmp_path / f"3.{os.getppid()}-00ff00ff.tmp", tmp_path / "3", tmp_path / private_name("4")]
    for path in kept:
        path.mkdir()
    assert sweep(tmp_path) == 2
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(p.name for p in kept)
    assert sweep(tmp_path / "missing") == 0


def test_the_next_snapshot_removes_what_a_killed_save_left(tmp_path: Path) -> None:
    kb = KnowledgeBase.open(None, embedder=HashEmbedder())
    corpus = tmp_path / "corpus"
    shutil.copytree(SEED_CORPUS, corpus)
    ingest_paths([corpus], kb)
    kb.prepare_search()
    cache = IndexLayout.at(kb.settings.index).search_cache
    [generation] = [p for p in cache.iterdir() if p.is_dir()]
    gone = dead_pid()
    # A process killed while saving this generation's vector copy: its temporary, and no copy.
    killed_matrix = generation / f"{FILE}.{gone}-deadbeef.tmp"
    killed_matrix.write_bytes(b"half a matrix")
    (generation / FILE).unlink()
    # One killed while saving a lexical index, and one still saving.
    killed_lexical = cache / f"{generation.name}.{gone}-deadbeef.tmp"
    killed_lexical.mkdir()
    (killed_lexical / "params.index.json").write_text("{}")
    running = cache / f"{generation.name}.{os.getppid()}-cafebabe.tmp"
    running.mkdir()
    kb.close()

    reader = KnowledgeBase.open(None, embedder=HashEmbedder())  # the next process: it saves the copy again
    assert reader.search("sjuksköterskor", mode="hybrid")
    assert (generation / FILE).exists() and not killed_matrix.exists()
    next(corpus.glob("*.txt")).write_text("Ny text om sjuksköterskor och bemanning.\n", encoding="utf-8")
    ingest_paths([corpus], reader)  # a new generation: its search saves a new lexical index
    assert reader.search("sjuksköterskor", mode="hybrid")
    assert not killed_lexical.exists()
    assert running.exists()  # another process may still be saving it
    reader.close()
