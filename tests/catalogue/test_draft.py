"""The draft: references resolved at export time, and every item under a heading of its own."""

from __future__ import annotations

from pathlib import Path

from catalogue import Catalogue
from catalogue.draft import Draft, DraftItem, DraftStore, intervention_item, to_markdown, with_current_references
from ingest import ingest_paths
from kb import KnowledgeBase, Settings
from tests.conftest import REPO, SEED_CORPUS, HashEmbedder

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
