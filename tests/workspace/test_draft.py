"""The draft: references resolved at export time, and every item under a heading of its own."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from catalogue import Catalogue
from ingest import ingest_paths
from kb import KnowledgeBase, Settings
from tests.conftest import REPO, SEED_CORPUS, HashEmbedder, require_tesseract
from workspace import (
    Draft,
    DraftItem,
    DraftStore,
    intervention_item,
    to_docx,
    to_markdown,
    with_current_references,
)

CATALOGUE = Catalogue.load(REPO / "data" / "catalogue")
DOC = "002_77bf05357181f093"  # a seed document the catalogue cites


def test_references_frozen_at_add_time_are_resolved_when_exported(settings: Settings, tmp_path: Path) -> None:
    intervention = CATALOGUE.get("vidareutbildning-specialistsjukskoterskor")
    added_early = intervention_item(intervention)  # nothing indexed yet: the raw document id
    assert any("(ej i indexet)" in r for r in added_early.references)
    quote = DraftItem("quote", f"{DOC}:0:10", "Titel", "Citat", [f"Dokument {DOC} (ej i indexet)."],
                      source={"doc_id": DOC, "page": None})  # fmt: skip
    draft = Draft([added_early, quote])
    store = DraftStore(tmp_path / "drafts")
    store.save("ab" * 12, draft)
    kb = KnowledgeBase.open(settings, embedder=HashEmbedder())
    ingest_paths([SEED_CORPUS], kb)  # the document is indexed after the items were added
    reloaded = store.load("ab" * 12)
    exported = to_markdown(with_current_references(reloaded, kb, CATALOGUE))
    assert "(ej i indexet)" not in exported
    assert "Regeringen (Regeringskansliet) (2023). *Regeringens arbete med stärkt kompetensförsörjning" in exported
    assert exported.count("Regeringens arbete med stärkt kompetensförsörjning") == 1  # one number for both
    assert "(ej i indexet)" in to_markdown(reloaded)  # the stored draft itself is unchanged
    kb.close()


def test_an_old_draft_without_sources_keeps_its_references() -> None:
    old = Draft.from_json('{"title": "T", "items": [{"kind": "quote", "key": "k", "title": "A", "text": "B",'
                          ' "references": ["Ref (2020). *X*."]}]}')  # fmt: skip
    assert with_current_references(old, None, CATALOGUE).items[0].references == ["Ref (2020). *X*."]


def test_a_quote_after_an_intervention_gets_its_own_heading() -> None:
    intervention = intervention_item(CATALOGUE.get("fler-at-tjanster"))
    quote = DraftItem("quote", "d:1:2", "Ett dokument", "Ett citat ur dokumentet.", ["Ref (2020). *X*."])
    markdown = to_markdown(Draft([intervention, quote]))
    after = markdown.split("## Insats: ")[1]
    assert "## Citat: Ett dokument" in after
    assert after.index("## Citat: Ett dokument") < after.index("> Ett citat ur dokumentet.")


def quote(key: str, text: str = "Ett citat.") -> DraftItem:
    return DraftItem("quote", key, f"Titel {key}", text, [f"Ref {key} (2020). *X*."])


def test_two_handles_on_one_draft_keep_each_others_items(tmp_path: Path) -> None:
    store = DraftStore(tmp_path / "drafts")
    draft_id = "ab" * 12
    store.save(draft_id, Draft([quote("a"), quote("b")]))
    first, second = store.load(draft_id), store.load(draft_id)  # two tabs with the same address
    first.add(quote("c"))
    first.set_note("a", "Första flikens anteckning")
    assert store.save(draft_id, first) is None  # nothing had changed underneath
    second.add(quote("d"))
    second.remove("b")
    second.title = "Plan"
    merged = store.save(draft_id, second)
    assert merged is not None and (merged.added, merged.removed, merged.changed) == (1, 0, 1)
    stored = store.load(draft_id)
    assert [i.key for i in stored.items] == ["a", "d", "c"]  # b removed by the second tab, c and d both kept
    assert stored.items[0].note == "Första flikens anteckning" and stored.title == "Plan"
    assert stored.version == 3
    first.add(quote("e"))  # the first tab again, still holding its version 2
    merged = store.save(draft_id, first)
    assert merged is not None and (merged.added, merged.removed) == (1, 1)
    assert [i.key for i in store.load(draft_id).items] == ["a", "c", "e", "d"]
    assert [i.key for i in first.items] == ["a", "c", "e", "d"]  # the handle now shows the merged draft


def test_a_handle_is_refreshed_to_the_stored_version(tmp_path: Path) -> None:
    store = DraftStore(tmp_path / "drafts")
    draft_id = "cd" * 12
    first, second = store.load(draft_id), store.load(draft_id)  # no file yet: both empty, version 0
    first.add(quote("a"))
    store.save(draft_id, first)
    merged = store.refresh(draft_id, second)
    assert merged is not None and merged.added == 1 and [i.key for i in second.items] == ["a"]
    assert second.version == 1 and store.refresh(draft_id, second) is None
    second.remove("a")
    assert store.save(draft_id, second) is None and store.load(draft_id).items == []


def test_concurrent_saves_from_many_handles_lose_no_item(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    store = DraftStore(tmp_path / "drafts")
    draft_id = "ef" * 12
    handles = [store.load(draft_id) for _ in range(12)]

    def add_and_save(number: int) -> None:
        handles[number].add(quote(f"k{number}"))
        store.save(draft_id, handles[number])

    with ThreadPoolExecutor(max_workers=6) as pool:
        list(pool.map(add_and_save, range(12)))
    stored = store.load(draft_id)
    assert sorted(i.key for i in stored.items) == sorted(f"k{n}" for n in range(12))
    assert stored.version == 12


def test_a_draft_saved_before_versions_existed_loads_and_saves() -> None:
    old = Draft.from_json('{"title": "T", "items": [{"kind": "quote", "key": "k", "title": "A", "text": "B",'
                          ' "references": ["R"]}]}')  # fmt: skip
    assert old.version == 0 and old.base is not None and [i.key for i in old.base.items] == ["k"]


@pytest.mark.parametrize(
    "draft_id", ["ab" * 12 + "\n", "ab" * 12 + "\r\n", "\n" + "ab" * 12, "../" + "ab" * 12, "AB" * 12, "ab" * 7, ""]
)
def test_a_draft_id_must_be_hex_and_nothing_else(tmp_path: Path, draft_id: str) -> None:
    store = DraftStore(tmp_path / "drafts")
    assert not DraftStore.valid_id(draft_id)
    with pytest.raises(ValueError, match="not a draft id"):
        store.save(draft_id, Draft([quote("a")]))
    assert not (tmp_path / "drafts").exists() or list((tmp_path / "drafts").iterdir()) == []


def test_the_word_file_drops_characters_xml_cannot_hold() -> None:
    from docx import Document

    hostile = "\x1b[31mRÖD RUBRIK\x1b[0m med NUL\x00, formfeed\x0c och \ud800 halvt tecken"
    item = quote("a", hostile)
    item.note = "Anteckning\x07"
    data = to_docx(Draft([item], title="Utkast\x1b"))
    text = "\n".join(p.text for p in Document(io.BytesIO(data)).paragraphs)
    assert "[31mRÖD RUBRIK[0m med NUL, formfeed och  halvt tecken" in text
    assert "Anteckning: Anteckning" in text and "\x1b" not in text


def test_a_quote_from_a_scanned_page_keeps_its_ocr_mark_into_both_exports(
    pdf_set: Path, hash_kb: KnowledgeBase, tmp_path: Path
) -> None:
    """The same page ingested twice, as a scan (read by Tesseract) and digitally: only the scanned
    page's quote is marked, in the saved draft, the Markdown and the Word file."""
    require_tesseract()
    from docx import Document
    from pypdf import PdfReader, PdfWriter

    from workspace.draft import OCR_MARK, quote_item

    folder = tmp_path / "sidor"
    folder.mkdir()
    for layout, name in (("scanned", "skannad.pdf"), ("digital", "digital.pdf")):
        writer = PdfWriter()
        writer.add_page(PdfReader(pdf_set / layout / "pdf-02.pdf").pages[1])  # the first body page
        writer.write(folder / name)
    report = ingest_paths([folder], hash_kb)
    assert report.ok and report.counts()["added"] == 2
    scanned = next(r for r in hash_kb.documents() if r.metadata.source_path == "skannad.pdf")
    assert scanned.ocr_pages == (1,)

    hits = hash_kb.search("sjuksköterskor", k=20, mode="lexical")
    first = {hit.doc_id: hit for hit in reversed(hits)}  # each document's best passage
    assert len(first) == 2
    store = DraftStore(tmp_path / "drafts")
    store.save("ef" * 12, Draft([quote_item(hit, hash_kb.cite(hit)) for hit in first.values()]))
    draft = with_current_references(store.load("ef" * 12), hash_kb)
    assert {item.source["doc_id"]: item.ocr for item in draft.items if item.source} == {
        scanned.doc_id: True,
        next(d for d in first if d != scanned.doc_id): False,
    }

    markdown = to_markdown(draft)
    assert markdown.count(OCR_MARK) == 1
    for item in draft.items:  # the mark follows the scanned page's quote, not the digital one's
        after = markdown.split(item.text, 1)[1].split("## ", 1)[0]
        assert (OCR_MARK in after) is item.ocr
    paragraphs = [p.text for p in Document(io.BytesIO(to_docx(draft))).paragraphs]
    marked = [paragraphs[i - 1] for i, text in enumerate(paragraphs) if text == OCR_MARK]
    [quote] = [item.text for item in draft.items if item.ocr]
    assert len(marked) == 1 and marked[0].startswith(f"”{quote}”")
