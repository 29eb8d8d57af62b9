"""Metadata resolution: manifest over sidecar over the file itself; bad values name file, field, choices."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ingest.errors import MetadataError
from ingest.metadata import derive_doc_id, explicit_metadata, load_manifest, resolve_metadata


def _corpus(tmp_path: Path, manifest_rows: list[dict], sidecar: str | None = None) -> Path:
    (tmp_path / "sub").mkdir()
    doc = tmp_path / "sub" / "rapport.txt"
    doc.write_text("# Rubrik i filen\n\nText om vården och att personalen behöver stöd.", encoding="utf-8")
    (tmp_path / "manifest.jsonl").write_text(
        "\n".join(json.dumps(r, ensure_ascii=False) for r in manifest_rows), encoding="utf-8"
    )
    if sidecar is not None:
        (tmp_path / "sub" / "rapport.txt.meta.yaml").write_text(sidecar, encoding="utf-8")
    return doc


def _resolve(doc: Path, root: Path):  # type: ignore[no-untyped-def]
    entries = explicit_metadata(doc, root, load_manifest(root))
    return resolve_metadata(
        doc, root, entries, {"title": "Rubrik i filen", "author": "Filens författare"}, doc.read_text(encoding="utf-8")
    )


def test_manifest_wins_over_sidecar_which_wins_over_the_file(tmp_path: Path) -> None:
    doc = _corpus(
        tmp_path,
        [{"path": "sub/rapport.txt", "doc_id": "rapp-1", "title": "Manifestets titel", "doc_type": "rapport"}],
        sidecar="title: Sidofilens titel\nstakeholder: region\ndate: 2024-05\n",
    )
    meta = _resolve(doc, tmp_path)
    assert meta.doc_id == "rapp-1"
    assert meta.title == "Manifestets titel"
    assert (meta.doc_type, meta.stakeholder, meta.date, meta.year) == ("rapport", "region", "2024-05", 2024)
    assert meta.author == meta.organisation == "Filens författare"
    assert meta.source_path == "sub/rapport.txt"
    assert meta.language == "sv"


def test_file_metadata_and_derived_id_when_nothing_is_given(tmp_path: Path) -> None:
    doc = _corpus(tmp_path, [])
    meta = _resolve(doc, tmp_path)
    assert meta.title == "Rubrik i filen"
    assert meta.doc_id == derive_doc_id("sub/rapport.txt") == _resolve(doc, tmp_path).doc_id
    assert meta.doc_id.startswith("rapport-")
    assert (meta.doc_type, meta.stakeholder) == ("annat", "annan")


def test_unknown_vocabulary_value_names_manifest_line_field_and_allowed_values(tmp_path: Path) -> None:
    doc = _corpus(tmp_path, [{"path": "other.txt"}, {"path": "sub/rapport.txt", "stakeholder": "landsting"}])
    with pytest.raises(MetadataError) as caught:
        _resolve(doc, tmp_path)
    message = str(caught.value)
    assert "manifest.jsonl line 2" in message
    assert "'stakeholder'" in message and "'landsting'" in message
    assert "region, kommun" in message


def test_bad_sidecar_yaml_names_the_line(tmp_path: Path) -> None:
    doc = _corpus(tmp_path, [], sidecar="title: Bra\ndoc_type: [rapport\n")
    with pytest.raises(MetadataError, match=r"rapport\.txt\.meta\.yaml line \d+.*not valid YAML"):
        _resolve(doc, tmp_path)


def test_unknown_field_is_an_error_listing_known_fields(tmp_path: Path) -> None:
    doc = _corpus(tmp_path, [], sidecar="titel: Felstavat\n")
    with pytest.raises(MetadataError, match=r"'titel': unknown field \(allowed: doc_id, path, title"):
        _resolve(doc, tmp_path)


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [("date", "22 mars 2023", "YYYY"), ("doc_id", "../etc/passwd", "letters, digits"), ("doc_type", "bok", "sou")],
)
def test_invalid_values(tmp_path: Path, field: str, value: str, fragment: str) -> None:
    doc = _corpus(tmp_path, [{"path": "sub/rapport.txt", field: value}])
    with pytest.raises(MetadataError, match=fragment):
        _resolve(doc, tmp_path)


def test_broken_manifest_lines_are_reported_not_fatal(tmp_path: Path) -> None:
    (tmp_path / "manifest.jsonl").write_text('{"path": "a.txt"}\n{not json}\n{"title": "no path"}\n', encoding="utf-8")
    manifest = load_manifest(tmp_path)
    assert list(manifest.entries) == ["a.txt"]
    assert any("line 2" in p and "JSON" in p for p in manifest.problems)
    assert any("line 3" in p and "path" in p for p in manifest.problems)


def test_csv_manifest(tmp_path: Path) -> None:
    (tmp_path / "manifest.csv").write_text("path,title,doc_type\nb.txt,Titel B,motion\n", encoding="utf-8")
    entry = load_manifest(tmp_path).entries["b.txt"]
    assert entry.values == {"path": "b.txt", "title": "Titel B", "doc_type": "motion"}
    assert entry.where.endswith("manifest.csv line 2")
