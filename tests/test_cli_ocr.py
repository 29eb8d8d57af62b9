"""The CLI: passages read by OCR marked "(OCR)"; `vkb eval --pdf-set` refuses a folder that is no PDF set."""

from __future__ import annotations

from pathlib import Path

import pytest

from kb.citations import cite
from kb.highlight import Snippet
from kb.hits import Hit
from vkb_cli.render import print_hits


def _hit(ocr: bool) -> Hit:
    text = "Regionen saknar specialistsjuksköterskor i intensivvården."
    return Hit(
        rank=1,
        score=1.0,
        chunk_id="d:v:0",
        doc_id="d",
        title="Remissvar",
        organisation="Region Jämtland Härjedalen",
        doc_type="remissvar",
        stakeholder="region",
        date="2024",
        source_path="remissvar.pdf",
        page=3,
        char_start=0,
        char_end=len(text),
        heading_path=(),
        text=text,
        snippet=Snippet(text, ((16, 38),)),
        ocr=ocr,
    )


@pytest.mark.parametrize("ocr", [True, False])
def test_ocr_passages_are_marked_in_the_hit_and_its_reference(ocr: bool, capsys: pytest.CaptureFixture[str]) -> None:
    hit = _hit(ocr)
    citation = cite(hit)
    assert citation.ocr is ocr
    print_hits([hit], [citation])
    out = capsys.readouterr().out
    assert ("s. 3 (OCR)," in out) is ocr
    assert ("Källa: Region Jämtland Härjedalen (2024). *Remissvar*. s. 3. (OCR)" in out) is ocr
    assert hit.to_json()["ocr"] is ocr


def test_eval_refuses_a_folder_that_is_not_a_pdf_set_before_ingesting(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from vkb_cli.main import app

    queries = tmp_path / "q.jsonl"
    queries.write_text('{"query": "a", "doc_id": "x", "start": 0, "end": 5}\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["eval", str(queries), "--corpus", str(tmp_path), "--pdf-set", str(tmp_path)])
    assert result.exit_code == 2
    assert "not a PDF test set" in result.output and "make_pdf_set.py" in result.output
