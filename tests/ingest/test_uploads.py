"""Uploaded files: safe names, size and type limits, metadata sidecars that ingest then reads."""

from __future__ import annotations

from pathlib import Path

import pytest

from ingest import ingest_paths
from ingest.uploads import UploadError, safe_name, save_upload
from kb import KnowledgeBase, load_settings
from tests.conftest import HashEmbedder


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("../../etc/passwd.txt", "passwd.txt"),
        ("a/b/rapport.pdf", "rapport.pdf"),
        ("..\\..\\x.docx", "x.docx"),
        ("remissvar <script>.html", "remissvar _script_.html"),
        ("Region Jämtland Härjedalen.md", "Region Jämtland Härjedalen.md"),
        ("svar..pdf", "svar.pdf"),
        (".dold.txt", "dold.txt"),  # no hidden files
    ],
)
def test_safe_name_keeps_only_a_plain_file_name(given: str, expected: str) -> None:
    assert safe_name(given) == expected


@pytest.mark.parametrize("given", ["..", "", "program.exe", "noextension", "a/b/"])
def test_unusable_names_are_refused(given: str) -> None:
    with pytest.raises(UploadError):
        safe_name(given)


def test_saved_upload_with_metadata_is_ingested_with_it(tmp_path: Path) -> None:
    folder = tmp_path / "uploads"
    text = "# Remissvar\n\nRegionen saknar sjuksköterskor i glesbygden och vill ha statsbidrag.\n".encode()
    metadata = {"title": "Remissvar om kompetensförsörjning", "organisation": "Region Norrbotten",
                "date": "2024-03", "doc_type": "remissvar", "stakeholder": "region", "url": ""}  # fmt: skip
    path = save_upload(folder, "../svar.md", text, metadata, max_mb=1)
    assert path == folder / "svar.md" and path.read_bytes() == text
    assert "url" not in (folder / "svar.md.meta.yaml").read_text(encoding="utf-8")  # empty fields are left out
    kb = KnowledgeBase.open(load_settings(index=tmp_path / "index"), embedder=HashEmbedder())
    assert ingest_paths([path], kb).ok
    record = kb.documents()[0]
    assert (record.metadata.title, record.metadata.stakeholder, record.metadata.doc_type) == (
        "Remissvar om kompetensförsörjning", "region", "remissvar"
    )  # fmt: skip
    assert kb.search("sjuksköterskor glesbygd", mode="lexical")[0].doc_id == record.doc_id
    kb.close()


def test_empty_and_oversized_uploads_are_refused(tmp_path: Path) -> None:
    with pytest.raises(UploadError, match="empty"):
        save_upload(tmp_path, "a.txt", b"", {}, max_mb=1)
    with pytest.raises(UploadError, match=r"larger than the 0\.001 MB limit"):
        save_upload(tmp_path, "a.txt", b"x" * 2000, {}, max_mb=0.001)
    assert not list(tmp_path.iterdir())
