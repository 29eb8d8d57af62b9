"""Searching while an ingest replaces documents: no errors and no torn reads.

App sessions share one `KnowledgeBase` per process (`st.cache_resource`), so threads searching one
knowledge base while another thread ingests is what several users see while a colleague uploads.
"""

from __future__ import annotations

import threading
from pathlib import Path

from ingest import ingest_paths
from kb import KnowledgeBase, load_settings
from tests.conftest import HashEmbedder

DOCS = 8
PARAGRAPHS = 6


def write_corpus(folder: Path, marker: str) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for d in range(DOCS):
        body = "\n\n".join(
            f"Stycke {p} i dokument {d}: {marker} personalbrist och bemanning i regionen {marker}."
            for p in range(PARAGRAPHS)
        )
        (folder / f"dok{d}.txt").write_text(f"Dokument {d}\n\n{body}\n", encoding="utf-8")


def test_searches_during_ingest_see_each_document_fully_old_or_fully_new(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    write_corpus(corpus, "alfa")
    kb = KnowledgeBase.open(load_settings(index=tmp_path / "index"), embedder=HashEmbedder())
    assert ingest_paths([corpus], kb).ok
    assert all(r.chunk_count > 1 for r in kb.documents())  # several chunks per document, so a tear could show
    kb.search("personalbrist", mode="hybrid")  # load the analyzer before the race starts

    errors: list[BaseException] = []
    torn: list[str] = []
    searches = [0]
    stop = threading.Event()

    def search_loop(mode: str) -> None:
        while not stop.is_set():
            try:
                hits = kb.search("personalbrist bemanning", k=50, mode=mode)  # type: ignore[arg-type]
            except BaseException as exc:  # collected and reported by the test
                errors.append(exc)
                return
            searches[0] += 1
            versions: dict[str, set[str]] = {}
            markers: dict[str, set[str]] = {}
            for hit in hits:
                versions.setdefault(hit.doc_id, set()).add(hit.chunk_id.split(":")[1])
                markers.setdefault(hit.doc_id, set()).update(m for m in ("alfa", "beta", "gamma") if m in hit.text)
            torn.extend(doc for doc, seen in versions.items() if len(seen) > 1)
            torn.extend(doc for doc, seen in markers.items() if len(seen) > 1)

    threads = [threading.Thread(target=search_loop, args=(mode,)) for mode in ("lexical", "hybrid", "dense", "hybrid")]
    for thread in threads:
        thread.start()
    try:
        for marker in ("beta", "gamma") * 4 + ("beta",):
            write_corpus(corpus, marker)
            assert ingest_paths([corpus], kb).ok
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    assert not errors, errors[:3]
    assert not torn, f"documents seen half old, half new: {sorted(set(torn))[:5]}"
    assert searches[0] > 20  # the searches really ran while the ingests did
    final = kb.search("personalbrist bemanning", k=50, mode="lexical")
    assert {h.doc_id for h in final} and all("beta" in h.text for h in final)
    kb.close()
