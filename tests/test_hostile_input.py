"""Hostile and broken input: each gets a clear message, nothing already indexed is lost, nothing executes."""

from __future__ import annotations

from pathlib import Path

import pytest
from reportlab.pdfgen import canvas

from ingest import ingest_paths
from kb import KnowledgeBase, load_settings
from tests.conftest import SEED_CORPUS, HashEmbedder
from tests.fixtures import hostile

GOOD = "Regionen har brist på sjuksköterskor i glesbygden och anlitar hyrläkare.\n"


def one_page_pdf(path: Path, text: str) -> bytes:
    pdf = canvas.Canvas(str(path))
    pdf.drawString(72, 720, text)
    pdf.showPage()
    pdf.save()
    return path.read_bytes()


@pytest.fixture
def kb(tmp_path: Path) -> KnowledgeBase:
    opened = KnowledgeBase.open(load_settings(index=tmp_path / "index", max_file_mb=0.05), embedder=HashEmbedder())
    yield opened  # type: ignore[misc]
    opened.close()


def test_a_batch_of_broken_files_is_reported_and_loses_nothing(kb: KnowledgeBase, tmp_path: Path) -> None:
    good = tmp_path / "good"
    good.mkdir()
    (good / "bra.txt").write_text(GOOD, encoding="utf-8")
    assert ingest_paths([good], kb).ok
    before = {(r.doc_id, r.version) for r in kb.documents()}

    bad = tmp_path / "bad"
    bad.mkdir()
    (bad / "tom.txt").write_bytes(b"")
    (bad / "tom.pdf").write_bytes(b"")
    (bad / "skräp.txt").write_bytes(bytes(range(256)) * 8)
    (bad / "stympad.pdf").write_bytes(one_page_pdf(tmp_path / "x.pdf", "Hel sida")[:300])
    (bad / "text.pdf").write_text("Det här är vanlig text och ingen PDF alls.", encoding="utf-8")
    (bad / "stor.txt").write_text("ord " * 20_000, encoding="utf-8")
    (bad / "program.exe").write_bytes(b"MZ\x90\x00")
    report = ingest_paths([bad], kb)
    reasons = {Path(o.path).name: (o.status, o.reason or "") for o in report.outcomes}
    assert reasons["tom.txt"] == ("failed", "the file is empty (no text to index)")
    assert reasons["tom.pdf"][0] == "failed" and "empty" in reasons["tom.pdf"][1]
    assert reasons["skräp.txt"] == ("failed", "this is a binary file, not text (it contains NUL bytes)")
    assert reasons["stympad.pdf"][0] == "failed" and "damaged or truncated" in reasons["stympad.pdf"][1]
    assert reasons["text.pdf"][0] == "failed" and "not a readable PDF" in reasons["text.pdf"][1]
    assert reasons["stor.txt"] == (
        "failed",
        "file is 0.1 MB, over the 0.05 MB limit (raise it with VKB_MAX_FILE_MB or --max-file-mb)",
    )
    assert reasons["program.exe"][0] == "skipped" and "unsupported file type" in reasons["program.exe"][1]
    assert not report.ok
    assert {(r.doc_id, r.version) for r in kb.documents()} == before  # nothing lost, nothing half-added
    assert kb.search("hyrläkare glesbygd", mode="lexical")[0].source_path == "bra.txt"


def test_a_pdf_claiming_a_million_pages_is_read_for_the_pages_it_has(kb: KnowledgeBase, tmp_path: Path) -> None:
    folder = tmp_path / "pdf"
    folder.mkdir()
    data = one_page_pdf(tmp_path / "one.pdf", "Personalbrist i glesbygden och hyrläkare.")
    assert b"/Count 1" in data
    (folder / "miljon.pdf").write_bytes(data.replace(b"/Count 1", b"/Count 1000000"))
    report = ingest_paths([folder], kb)
    assert report.ok
    record = kb.documents()[0]
    assert record.page_count == 1 and record.chunk_count == 1


def test_html_scripts_and_handlers_are_not_indexed(kb: KnowledgeBase, tmp_path: Path) -> None:
    folder = tmp_path / "html"
    folder.mkdir()
    (folder / "sida.html").write_text(
        "<html><head><script>steal()</script></head><body><h1>Bemanning</h1>"
        "<p onclick=\"alert('x')\">Regionen saknar sjuksköterskor och barnmorskor i glesbygden.</p>"
        "<img src=x onerror=alert(2)><script>alert('y')</script></body></html>",
        encoding="utf-8",
    )
    assert ingest_paths([folder], kb).ok
    text, _ = kb.document_text(kb.documents()[0].doc_id)  # type: ignore[misc]
    assert "sjuksköterskor" in text
    for fragment in ("steal", "alert", "onclick", "onerror", "<script"):
        assert fragment not in text


@pytest.mark.parametrize(
    "query",
    ["x" * 10_000, "sjuksköterskor " * 1_000, "$and", '{"$eq": 1}', '{"doc_id": {"$ne": ""}}', ".*(", "[a-z]+", "\\",
     "' OR 1=1 --", "\x00\x01", "🙂 sjuksköterskor"],
)  # fmt: skip
def test_odd_queries_are_searched_as_text(kb: KnowledgeBase, tmp_path: Path, query: str) -> None:
    ingest_paths([SEED_CORPUS], kb)
    for mode in ("lexical", "dense", "hybrid"):
        hits = kb.search(query, k=5, mode=mode)  # type: ignore[arg-type]
        assert len(hits) <= 5
        assert all(h.doc_id in {r.doc_id for r in kb.documents()} for h in hits)


def test_the_hostile_corpus_is_indexed_or_refused_file_by_file(tmp_path: Path) -> None:
    """Bombs, a 50 MB text, UTF-16, control characters, hostile Markdown and HTML, a name with a newline:
    each file is indexed or refused with its own reason, nothing else is touched, the lock is let go."""
    kb = KnowledgeBase.open(load_settings(index=tmp_path / "index"), embedder=HashEmbedder())
    folder = tmp_path / "fientligt"
    hostile.write_corpus(folder, headings=500)
    report = ingest_paths([folder], kb)
    outcomes = {Path(o.path).name: o for o in report.outcomes}
    refused = {name: o.reason or "" for name, o in outcomes.items() if o.status == "failed"}
    assert set(refused) == {"zipbomb.docx", "tät-del.docx", "ljuger.docx", "många-delar.docx", "enorm.txt"}
    assert "it may be damaged" in refused.pop("ljuger.docx")
    assert all(("zip bomb" in r or "parts, more than" in r or "characters of text" in r) for r in refused.values())
    assert outcomes["nästlad.yaml"].status == "skipped"
    indexed = {r.metadata.source_path: r for r in kb.documents()}
    assert set(indexed) == {name for name, o in outcomes.items() if o.status == "added"}
    assert len(indexed) == 7  # rubriker, styrtecken, two UTF-16, Markdown, HTML and the oddly named file
    for record in indexed.values():
        text, _ = kb.document_text(record.doc_id)  # type: ignore[misc]
        assert not hostile_controls(text) and not hostile_controls(record.metadata.title)
    assert "Återgång till vården" in {r.metadata.title for r in indexed.values()}
    kb.writer_lock(timeout=0).release()
    kb.close()


def hostile_controls(text: str) -> bool:
    return any((ord(c) < 32 and c not in "\t\n\r") or 0x7F <= ord(c) <= 0x9F for c in text)
