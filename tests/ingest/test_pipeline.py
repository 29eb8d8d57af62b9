"""The incremental pipeline on real files with a real index (tiny embedder): add, skip, update, prune, fail."""

from __future__ import annotations

import shutil
from pathlib import Path

from ingest import ingest_paths
from kb import KnowledgeBase
from tests.conftest import SEED_CORPUS
from tests.fixtures.documents import write_docx, write_html, write_pdf


def _corpus(tmp_path: Path) -> Path:
    root = tmp_path / "corpus"
    root.mkdir()
    for seed in (SEED_CORPUS).glob("*.txt"):
        shutil.copy(seed, root / seed.name)
    write_pdf(root / "rapport.pdf", [["Sida ett om bemanning."], ["Sida två om lön."], ["Sida tre om schema."]])
    write_docx(root / "remissvar.docx")
    write_html(root / "artikel.html")
    (root / "README.md").write_text("# Om mappen\n", encoding="utf-8")
    (root / "bild.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    return root


def _consistent(kb: KnowledgeBase) -> set[str]:
    live = {chunk_id for chunk_id, _, _ in kb.registry.live_chunks()}
    assert set(kb.vectors.ids()) == live, "Chroma and the registry disagree"
    assert sum(r.chunk_count for r in kb.documents()) == len(live)
    assert kb.registry.pending_versions() == []
    return live


def test_first_run_adds_everything_and_second_run_changes_nothing(tmp_path: Path, hash_kb: KnowledgeBase) -> None:
    root = _corpus(tmp_path)
    first = ingest_paths([root], hash_kb)
    assert first.counts() == {"added": 6, "skipped": 2}
    assert first.ok and first.chunks > 6
    live = _consistent(hash_kb)
    second = ingest_paths([root], hash_kb)
    assert second.counts() == {"unchanged": 6, "skipped": 2}
    assert _consistent(hash_kb) == live
    pdf = next(r for r in hash_kb.documents() if r.metadata.source_path == "rapport.pdf")
    assert pdf.page_count == 3
    chunks = [c for _, doc_id, c in hash_kb.registry.live_chunks() if doc_id == pdf.doc_id]
    assert [c.page for c in chunks] == [1, 2, 3]


def test_changed_file_replaces_its_chunks_and_prune_removes_deleted(tmp_path: Path, hash_kb: KnowledgeBase) -> None:
    root = _corpus(tmp_path)
    ingest_paths([root], hash_kb)
    before = _consistent(hash_kb)
    target = root / "2017_socialstyrelsen-uka_framtidens-vardkompetens.txt"
    target.write_text("Framtidens vårdkompetens\n\nEn helt ny och kortare text.", encoding="utf-8")
    (root / "artikel.html").unlink()
    report = ingest_paths([root], hash_kb, prune=True)
    assert report.counts() == {"updated": 1, "unchanged": 4, "removed": 1, "skipped": 2}
    after = _consistent(hash_kb)
    doc_ids = {r.doc_id for r in hash_kb.documents()}
    assert len(doc_ids) == 5
    assert not any(cid.startswith("artikel-") for cid in after)
    assert after != before
    text, _ = hash_kb.document_text(next(r.doc_id for r in hash_kb.documents() if r.abs_path == str(target)))
    assert "helt ny" in text


def test_bad_files_fail_with_reasons_and_the_rest_is_indexed(tmp_path: Path, hash_kb: KnowledgeBase) -> None:
    root = _corpus(tmp_path)
    (root / "trasig.pdf").write_bytes(b"%PDF-1.4 broken")
    (root / "skannad.pdf").write_bytes(write_pdf(tmp_path / "s.pdf", [[]]).read_bytes())
    (root / "fel.txt").write_text("Text", encoding="utf-8")
    (root / "fel.txt.meta.yaml").write_text("doc_type: bok\n", encoding="utf-8")
    report = ingest_paths([root], hash_kb)
    failed = {Path(o.path).name: o.reason for o in report.outcomes if o.status == "failed"}
    assert set(failed) == {"trasig.pdf", "skannad.pdf", "fel.txt"}
    assert "OCR" in failed["skannad.pdf"] and "doc_type" in failed["fel.txt"]
    assert not report.ok and report.counts()["added"] == 6
    assert {Path(f.abs_path).name for f in hash_kb.failures()} == set(failed)
    _consistent(hash_kb)
    (root / "fel.txt.meta.yaml").write_text("doc_type: rapport\n", encoding="utf-8")
    ingest_paths([root], hash_kb)
    assert {Path(f.abs_path).name for f in hash_kb.failures()} == {"trasig.pdf", "skannad.pdf"}


def test_same_doc_id_from_another_existing_file_is_refused(tmp_path: Path, hash_kb: KnowledgeBase) -> None:
    first = tmp_path / "a"
    second = tmp_path / "b"
    for folder, text in ((first, "Första texten."), (second, "Andra texten.")):
        folder.mkdir()
        (folder / "doc.txt").write_text(text, encoding="utf-8")
        (folder / "doc.txt.meta.yaml").write_text("doc_id: samma\n", encoding="utf-8")
    ingest_paths([first], hash_kb)
    report = ingest_paths([second], hash_kb)
    assert report.outcomes[0].status == "failed" and "already used by" in (report.outcomes[0].reason or "")
    assert "Första" in hash_kb.document_text("samma")[0]


def test_interrupted_write_is_invisible_and_repaired(tmp_path: Path, hash_kb: KnowledgeBase) -> None:
    root = _corpus(tmp_path)
    ingest_paths([root], hash_kb)
    live = _consistent(hash_kb)
    record = hash_kb.documents()[0]
    # A writer that staged a new version and added its vectors, then died before publishing:
    chunks = [c for _, doc_id, c in hash_kb.registry.live_chunks() if doc_id == record.doc_id]
    hash_kb.registry.stage_chunks(record.doc_id, "deadbeef0000", chunks)
    hash_kb.vectors.add(
        [f"{record.doc_id}:deadbeef0000:{c.ordinal}" for c in chunks],
        hash_kb.embed_chunks(chunks).embeddings,
        [{"doc_id": record.doc_id, "version": "deadbeef0000"}] * len(chunks),
    )
    assert {cid for cid, _, _ in hash_kb.registry.live_chunks()} == live  # readers still see the old version
    assert hash_kb.recover() == 1
    assert _consistent(hash_kb) == live


def test_source_offsets_map_onto_the_indexed_text(tmp_path: Path, hash_kb: KnowledgeBase) -> None:
    """Positions in a text file map onto the stored text although CRLF, Markdown escapes, heading markers
    and control characters were removed at ingest (the map used to be dropped on the way to the index)."""
    root = tmp_path / "corpus"
    root.mkdir()
    source = (
        "# Rubrik \\*viktig\\*\r\n\r\nRegionen har \x1b[31mRÖD\x1b[0m brist\x7f på hälso\\- och sjukvård.\r\n"
        "Kommunen\x07 saknar undersköterskor.\r\n"
    )
    (root / "svar.md").write_text(source, encoding="utf-8", newline="")
    assert ingest_paths([root], hash_kb).ok
    doc_id = hash_kb.documents()[0].doc_id
    text, _ = hash_kb.document_text(doc_id)  # type: ignore[misc]
    assert "\x1b" not in text and "\x7f" not in text and "[31m" not in text
    for word in ("viktig", "RÖD", "brist", "sjukvård", "undersköterskor"):
        start = source.index(word)
        span = hash_kb.source_to_text(doc_id, start), hash_kb.source_to_text(doc_id, start + len(word))
        assert text[span[0] : span[1]] == word
