"""One writer across threads and processes; readers in another process follow the writer's generations.

The app holds one opened index per process while a colleague runs `vkb ingest` beside it: its
searches must neither fail nor show a half-written index, and a new document must be found once the
ingest is done. Two uploads at once in the app queue on the index's write lock instead of failing.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import numpy as np
import pytest

from ingest import ingest_paths
from ingest.uploads import Upload, add_upload, uploads_folder
from kb import IndexBusy, KnowledgeBase, Settings
from tests.conftest import SEED_CORPUS, TEST_CHROMA_URL, HashEmbedder

MODES = ("lexical", "dense", "hybrid")
NEW_DOC = "# Lodjursinventering i fjällen\n\nRegionen har inventerat lodjursinventering och sjuksköterskor i fjällen.\n"
CHANGED = "\n\nTillägg: bäverdammar påverkar hemtjänstens resor i glesbygden.\n"
INTEGRITY = """
import sys, chromadb
from chromadb.config import Settings
client = chromadb.PersistentClient(path=sys.argv[1], settings=Settings(anonymized_telemetry=False))
collection = client.get_collection(sys.argv[2])
ids = collection.get(include=[])["ids"]
got = collection.get(ids=ids, include=["embeddings"])
for vector in got["embeddings"][:50]:
    collection.query(query_embeddings=[vector], n_results=5)
print(len(ids))
"""


def cli_ingest(folder: Path, index: Path) -> subprocess.Popen[str]:
    env = {**os.environ, "VKB_INDEX": str(index)}
    return subprocess.Popen(
        [sys.executable, "-m", "vkb_cli.main", "ingest", str(folder), "--no-progress"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.slow
def test_searches_keep_working_while_another_process_ingests_and_then_see_its_documents(
    real_kb: KnowledgeBase, tmp_path: Path
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for path in SEED_CORPUS.glob("*.txt"):
        (corpus / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    assert ingest_paths([corpus], real_kb).ok
    for mode in MODES:
        assert real_kb.search("sjuksköterskor", mode=mode)  # type: ignore[arg-type]

    changed = sorted(corpus.glob("*.txt"))[0]  # an update deletes the old version's vectors
    changed.write_text(changed.read_text(encoding="utf-8") + CHANGED, encoding="utf-8")
    (corpus / "lodjur.md").write_text(NEW_DOC, encoding="utf-8")
    writer = cli_ingest(corpus, Path(real_kb.settings.index))
    errors: list[BaseException] = []
    searches = 0
    while writer.poll() is None or not (searches or errors):  # the app's users keep searching meanwhile
        for mode in MODES:
            try:
                real_kb.search("sjuksköterskor i glesbygden", mode=mode)  # type: ignore[arg-type]
                searches += 1
            except Exception as exc:  # collected and reported below
                errors.append(exc)
    out, err = writer.communicate()
    assert writer.returncode == 0, err
    assert "1 added · 1 updated" in out
    assert not errors, errors[:3]
    for mode in MODES:  # the writer's documents, without reopening anything
        found = real_kb.search("lodjursinventering i fjällen", k=3, mode=mode)  # type: ignore[arg-type]
        table = real_kb.searcher.table()
        hits = [(h.source_path, h.scores) for h in found]
        seen = (mode, table.generation, real_kb.registry.generation(), len(table), hits)
        assert found[0].source_path == "lodjur.md", seen
        top = real_kb.search("bäverdammar hemtjänstens resor", k=1, mode=mode)[0]  # type: ignore[arg-type]
        assert top.source_path == changed.name and "bäverdammar" in top.text

    (corpus / "utter.md").write_text("# Utterspaning\n\nKommunen följer utterspaning längs älven.\n", "utf-8")
    assert ingest_paths([corpus], real_kb).counts() == {"added": 1, "unchanged": 4}  # this process writes next
    assert real_kb.search("utterspaning", k=1, mode="dense")[0].source_path == "utter.md"
    live = real_kb.registry.live_chunk_ids()
    assert sorted(real_kb.vectors.ids()) == sorted(live)
    if TEST_CHROMA_URL:
        return  # a server's collection has no files here to read afresh
    checked = subprocess.run(  # a fresh Chroma client reads every vector: nothing stale was persisted
        [sys.executable, "-c", INTEGRITY, str(Path(real_kb.settings.index) / "chroma"), real_kb.settings.collection],
        capture_output=True,
        text=True,
    )
    assert checked.returncode == 0, checked.stderr[-2000:]
    assert int(checked.stdout) == len(live) == len(real_kb.vectors.ids())


def _corpus(folder: Path, word: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{word}.md").write_text(f"# {word}\n\nRegionen skriver om {word} och bemanning.\n", encoding="utf-8")
    return folder


class _Held(HashEmbedder):
    """Embeds only when released, and says when it has started: an ingest that is known to hold the lock."""

    def __init__(self) -> None:
        self.started = threading.Event()
        self.release = threading.Event()

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        self.started.set()
        self.release.wait()
        return super().embed_passages(texts)


def test_two_ingests_in_one_process_queue_on_the_write_lock(settings: Settings, tmp_path: Path) -> None:
    embedder = _Held()
    base = KnowledgeBase.open(settings, embedder=embedder)
    first = _corpus(tmp_path / "a", "fjällräv")
    second = _corpus(tmp_path / "b", "järv")
    reports: dict[str, object] = {}
    waited: list[str] = []

    holder = threading.Thread(target=lambda: reports.setdefault("first", ingest_paths([first], base)))
    holder.start()
    embedder.started.wait()  # the first ingest holds the lock, embedding
    with pytest.raises(IndexBusy, match="is writing to the index"):  # the CLI's way: refuse at once
        ingest_paths([second], base)

    def waiting() -> None:
        waited.append("väntar")
        embedder.release.set()  # only now does the first ingest finish

    reports["second"] = ingest_paths([second], base, wait=600, on_wait=waiting)
    holder.join()
    assert waited == ["väntar"]
    assert all(report.ok for report in reports.values())  # type: ignore[attr-defined]
    assert {r.metadata.title for r in base.documents()} == {"fjällräv", "järv"}
    for mode in MODES:
        assert base.search("järv", k=1, mode=mode)[0].title == "järv"  # type: ignore[arg-type]
    base.close()


def test_two_uploads_at_once_queue_and_both_are_ingested(settings: Settings) -> None:
    embedder = _Held()
    base = KnowledgeBase.open(settings, embedder=embedder)
    folder = uploads_folder(base.settings)
    results = {}
    metadata = {"doc_type": "remissvar", "stakeholder": "region"}

    def upload(name: str, **kwargs: object) -> None:
        data = f"# {name}\n\nKommunen skriver om {name} och bemanning.\n".encode()
        results[name] = add_upload(base, folder, Upload(f"{name}.md", data), metadata, 1, **kwargs)  # type: ignore[arg-type]

    first = threading.Thread(target=upload, args=("fjällräv",))
    first.start()
    embedder.started.wait()
    statuses: list[str] = []

    def waiting() -> None:  # the page shows "Väntar på en annan inläsning …" here
        statuses.append("Väntar på en annan inläsning …")
        embedder.release.set()

    upload("järv", wait=600, on_wait=waiting)
    first.join()
    assert statuses == ["Väntar på en annan inläsning …"]
    assert all(result.ok for result in results.values()), [r.message for r in results.values()]
    assert sorted(p.name for p in folder.iterdir() if p.suffix == ".md") == ["fjällräv.md", "järv.md"]
    assert {r.metadata.title for r in base.documents()} == {"fjällräv", "järv"}
    base.close()
