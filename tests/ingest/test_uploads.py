"""Uploaded files: safe names, clashes with files already uploaded, metadata checked before anything is
written, atomic storing, and a failed ingest that puts the previous file, sidecar and document back."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

import pytest

import ingest.uploads as uploads
from ingest import ingest_paths
from ingest.uploads import (
    MAX_NAME_BYTES,
    Upload,
    UploadClash,
    UploadError,
    add_upload,
    check_metadata,
    existing_upload,
    explain_failure,
    explain_warning,
    free_name,
    ingest_strays,
    plan_uploads,
    safe_name,
    save_upload,
    stray_uploads,
    uploads_folder,
)
from kb import KnowledgeBase, load_settings
from tests.conftest import HashEmbedder
from tests.fixtures.documents import write_pdf

TEXT = "# Remissvar\n\nRegionen saknar sjuksköterskor i glesbygden och vill ha statsbidrag.\n".encode()
NEW_TEXT = "# Nytt remissvar\n\nKommunen behöver fler undersköterskor i hemtjänsten.\n".encode()
BROKEN = b"\x00\x01\x02 not text \x00" * 20  # a .md file that is binary: ingest refuses it
METADATA = {"title": "Remissvar om kompetensförsörjning", "organisation": "Region Norrbotten", "date": "2024-03",
            "doc_type": "remissvar", "stakeholder": "region", "url": ""}  # fmt: skip
MARKUP_URL = "http://a.example/) ![x](http://evil.example/pixel.png)"
_PATHLIKE = re.compile(r"(?:^|[\s(”])/[\w.-]+/")


def assert_for_users(message: str, *folders: Path) -> None:
    """Swedish, and no server path in it."""
    assert message and not any(str(folder) in message for folder in folders), message
    assert not _PATHLIKE.search(message) and "Traceback" not in message, message
    assert re.search(r"[åäö]|\b(och|inte|filen|är|igen)\b", message), f"not Swedish: {message}"


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file in the folder (hidden temporary files included) with its bytes."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())} if folder.is_dir() else {}


@pytest.fixture
def folder(hash_kb: KnowledgeBase) -> Path:
    return uploads_folder(hash_kb.settings)


@pytest.fixture
def indexed(hash_kb: KnowledgeBase, folder: Path) -> Path:
    """`svar.md` uploaded and indexed with its metadata: the document a new upload must not harm."""
    result = add_upload(hash_kb, folder, Upload("svar.md", TEXT), METADATA, max_mb=1)
    assert result.ok, result.message
    return folder / "svar.md"


# --- names ---------------------------------------------------------------------------------------------
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
def test_unusable_names_are_refused_in_swedish(given: str) -> None:
    with pytest.raises(UploadError) as refused:
        safe_name(given)
    assert_for_users(str(refused.value))


def test_a_long_name_is_shortened_but_keeps_its_type() -> None:
    name = safe_name("å" * 400 + ".pdf")
    assert name.endswith(".pdf") and len(name.encode()) <= MAX_NAME_BYTES


# --- clashes -------------------------------------------------------------------------------------------
def test_a_name_already_uploaded_is_a_clash(tmp_path: Path) -> None:
    (tmp_path / "svar.md").write_bytes(TEXT)
    assert existing_upload(tmp_path, "../svar.md") == "svar.md"
    assert existing_upload(tmp_path, "annat.md") is None
    assert existing_upload(tmp_path / "not-yet", "svar.md") is None


def test_free_name_counts_past_files_and_sidecars(tmp_path: Path) -> None:
    assert free_name(tmp_path, "namn.pdf") == "namn.pdf"
    (tmp_path / "namn.pdf").write_bytes(b"1")
    assert free_name(tmp_path, "namn.pdf") == "namn (2).pdf"
    (tmp_path / "namn (2).pdf.meta.yaml").write_text("title: x\n")  # a sidecar alone also holds the name
    assert free_name(tmp_path, "namn.pdf") == "namn (3).pdf"
    (tmp_path / "namn (3).pdf").write_bytes(b"3")
    assert free_name(tmp_path, "namn (3).pdf") == "namn (4).pdf"  # counts on, not "namn (3) (2).pdf"
    assert free_name(tmp_path, "ny.pdf", taken=["ny.pdf"]) == "ny (2).pdf"


def test_free_name_of_a_long_name_fits_and_keeps_its_type(tmp_path: Path) -> None:
    name = safe_name("ö" * 400 + ".docx")
    (tmp_path / name).write_bytes(b"x")
    other = free_name(tmp_path, name)
    assert other.endswith(" (2).docx") and len(other.encode()) <= MAX_NAME_BYTES


def test_plan_marks_names_taken_in_the_folder_or_earlier_in_the_batch(indexed: Path, folder: Path) -> None:
    batch = [Upload("svar.md", NEW_TEXT), Upload("ny.md", TEXT), Upload("ny.md", NEW_TEXT), Upload("x.exe", b"x")]
    plan = plan_uploads(folder, batch, METADATA, max_mb=1)
    assert [(item.name, item.clash) for item in plan.files] == [("svar.md", True), ("ny.md", False), ("ny.md", True)]
    assert [r.name for r in plan.refused] == ["x.exe"] and not plan.refused[0].ok
    assert_for_users(plan.refused[0].message, folder)
    assert plan.metadata == {k: v for k, v in METADATA.items() if v}


def test_a_clash_without_a_choice_writes_nothing(indexed: Path, folder: Path) -> None:
    before = snapshot(folder)
    with pytest.raises(UploadClash) as refused:
        save_upload(folder, "svar.md", NEW_TEXT, METADATA, max_mb=1)
    assert snapshot(folder) == before
    assert_for_users(str(refused.value), folder)


def test_keep_both_saves_the_new_file_beside_the_old(hash_kb: KnowledgeBase, indexed: Path, folder: Path) -> None:
    before, record = snapshot(folder), hash_kb.documents()[0]
    result = add_upload(hash_kb, folder, Upload("svar.md", NEW_TEXT), {**METADATA, "title": "Nytt"}, 1, "keep_both")
    assert result.ok and result.stored_as == "svar (2).md"
    assert "svar (2).md" in result.message
    assert_for_users(result.message, folder)
    after = snapshot(folder)
    assert {k: after[k] for k in before} == before  # the old file and sidecar, byte for byte
    assert after["svar (2).md"] == NEW_TEXT and "Nytt" in after["svar (2).md.meta.yaml"].decode()
    assert hash_kb.document(record.doc_id) == record
    assert sorted(d.metadata.title for d in hash_kb.documents()) == ["Nytt", "Remissvar om kompetensförsörjning"]


def test_replace_updates_the_same_document(hash_kb: KnowledgeBase, indexed: Path, folder: Path) -> None:
    record = hash_kb.documents()[0]
    result = add_upload(hash_kb, folder, Upload("svar.md", NEW_TEXT), {"title": "Ersatt", "date": ""}, 1, "replace")
    assert result.ok and "ersatte" in result.message
    assert indexed.read_bytes() == NEW_TEXT
    assert (folder / "svar.md.meta.yaml").read_text(encoding="utf-8") == "title: Ersatt\n"
    (document,) = hash_kb.documents()
    assert document.doc_id == record.doc_id and document.metadata.title == "Ersatt" and document.metadata.date is None
    assert hash_kb.search("undersköterskor hemtjänsten", mode="lexical")[0].doc_id == record.doc_id


def test_saved_upload_with_metadata_is_ingested_with_it(tmp_path: Path) -> None:
    folder = tmp_path / "uploads"
    saved = save_upload(folder, "../svar.md", TEXT, METADATA, max_mb=1)
    assert saved.path == folder / "svar.md" and saved.path.read_bytes() == TEXT and not saved.replaced
    assert "url" not in (folder / "svar.md.meta.yaml").read_text(encoding="utf-8")  # empty fields are left out
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no temporary file left behind
    kb = KnowledgeBase.open(load_settings(index=tmp_path / "index"), embedder=HashEmbedder())
    assert ingest_paths([saved.path], kb).ok
    record = kb.documents()[0]
    assert (record.metadata.title, record.metadata.stakeholder, record.metadata.doc_type) == (
        "Remissvar om kompetensförsörjning", "region", "remissvar"
    )  # fmt: skip
    assert kb.search("sjuksköterskor glesbygd", mode="lexical")[0].doc_id == record.doc_id
    kb.close()


def test_empty_and_oversized_uploads_are_refused(tmp_path: Path) -> None:
    with pytest.raises(UploadError, match="tom"):
        save_upload(tmp_path, "a.txt", b"", {}, max_mb=1)
    with pytest.raises(UploadError, match=r"större än gränsen på 0,001 MB"):
        save_upload(tmp_path, "a.txt", b"x" * 2000, {}, max_mb=0.001)
    assert not list(tmp_path.iterdir())


# --- failures leave everything as it was ------------------------------------------------------------------
def test_a_failed_replace_puts_file_sidecar_and_document_back(
    hash_kb: KnowledgeBase, indexed: Path, folder: Path
) -> None:
    before, record = snapshot(folder), hash_kb.documents()[0]
    result = add_upload(hash_kb, folder, Upload("svar.md", BROKEN), {"title": "Trasig"}, 1, "replace")
    assert not result.ok and "Det tidigare dokumentet" in result.message
    assert_for_users(result.message, folder, hash_kb.settings.index)
    assert snapshot(folder) == before  # file and sidecar byte for byte; nothing new, no temporary file
    assert hash_kb.documents() == [record] and not hash_kb.failures()
    assert hash_kb.search("sjuksköterskor glesbygd", mode="lexical")[0].doc_id == record.doc_id


def test_a_failed_new_upload_leaves_no_file_behind(hash_kb: KnowledgeBase, indexed: Path, folder: Path) -> None:
    before, records = snapshot(folder), hash_kb.documents()
    for on_clash, name in ((None, "trasig.md"), ("keep_both", "svar.md")):
        result = add_upload(hash_kb, folder, Upload(name, BROKEN), METADATA, 1, on_clash)  # type: ignore[arg-type]
        assert not result.ok and "sparades inte" in result.message and "text" in result.message
        assert_for_users(result.message, folder)
    assert snapshot(folder) == before and hash_kb.documents() == records and not hash_kb.failures()


def test_a_busy_index_undoes_the_upload(hash_kb: KnowledgeBase, indexed: Path, folder: Path) -> None:
    before, record = snapshot(folder), hash_kb.documents()[0]
    lock = hash_kb.writer_lock()  # another process is ingesting
    try:
        result = add_upload(hash_kb, folder, Upload("svar.md", NEW_TEXT), METADATA, 1, "replace")
    finally:
        lock.release()
    assert not result.ok and "Vänta en stund" in result.message
    assert_for_users(result.message, folder, hash_kb.settings.index)
    assert snapshot(folder) == before and hash_kb.documents() == [record]


def test_an_upload_stopped_before_its_ingest_is_named_and_can_be_ingested(
    hash_kb: KnowledgeBase, indexed: Path, folder: Path
) -> None:
    save_upload(folder, "avbruten.md", NEW_TEXT, METADATA, 1)  # the app was stopped here
    save_upload(folder, "trasig.md", BROKEN, {}, 1)
    assert stray_uploads(hash_kb) == ["avbruten.md", "trasig.md"]  # not silently left behind
    results = {result.name: result for result in ingest_strays(hash_kb, stray_uploads(hash_kb))}
    assert results["avbruten.md"].ok and not results["trasig.md"].ok
    for result in results.values():
        assert_for_users(result.message, folder)
    assert stray_uploads(hash_kb) == []  # one is indexed, the other listed among the failed files
    assert [Path(f.abs_path).name for f in hash_kb.failures()] == ["trasig.md"]
    assert hash_kb.search("undersköterskor hemtjänsten", k=1, mode="lexical")[0].source_path == "avbruten.md"


def test_a_failed_sidecar_write_puts_the_old_file_back(
    hash_kb: KnowledgeBase, indexed: Path, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = snapshot(folder)
    real_write = uploads._write

    def full_disk(path: Path, data: bytes, *, exclusive: bool = False) -> None:
        if path.name.endswith(".meta.yaml") and data != before.get(path.name):
            raise OSError(28, "No space left on device", str(path))
        real_write(path, data, exclusive=exclusive)

    monkeypatch.setattr(uploads, "_write", full_disk)
    for on_clash in ("replace", "keep_both"):
        result = add_upload(hash_kb, folder, Upload("svar.md", NEW_TEXT), {"title": "Ny"}, 1, on_clash)  # type: ignore[arg-type]
        assert not result.ok and "kunde inte sparas" in result.message
        assert_for_users(result.message, folder)
        assert snapshot(folder) == before


# --- the metadata form -----------------------------------------------------------------------------------
@pytest.mark.parametrize("date", ["14 februari 2025", "2024-13", "2024-02-30", "24", "2024/03/01", "2024-3"])
def test_a_bad_date_is_refused_before_anything_is_written(
    hash_kb: KnowledgeBase, indexed: Path, folder: Path, date: str
) -> None:
    before, record = snapshot(folder), hash_kb.documents()[0]
    (problem,) = check_metadata({**METADATA, "date": date})
    assert "ÅÅÅÅ-MM-DD" in problem and date not in problem
    for on_clash in ("replace", "keep_both"):
        result = add_upload(hash_kb, folder, Upload("svar.md", NEW_TEXT), {**METADATA, "date": date}, 1, on_clash)  # type: ignore[arg-type]
        assert not result.ok and result.message == problem
        assert_for_users(result.message, folder, hash_kb.settings.index)
    with pytest.raises(UploadError):
        plan_uploads(folder, [Upload("svar.md", NEW_TEXT)], {"date": date}, 1)
    assert snapshot(folder) == before and hash_kb.documents() == [record] and not hash_kb.failures()


@pytest.mark.parametrize("date", ["2024", "2024-03", "2024-02-29", " 2025-02-14 "])
def test_good_dates_pass(date: str) -> None:
    assert check_metadata({"date": date}) == []


@pytest.mark.parametrize(
    "url",
    [
        MARKUP_URL,
        "http://a.example/)![x](http://evil.example/p.png)",
        "https://a.example/<script>alert(1)</script>",
        'https://a.example/"onmouseover="x',
        "javascript:alert(1)",
        "ftp://a.example/fil.pdf",
        "www.regeringen.se/rapport",
        "https:///utan-vard",
        "https://a.example/%zz",
        "http://[::1",
    ],
)
def test_urls_other_than_plain_http_are_refused(hash_kb: KnowledgeBase, indexed: Path, folder: Path, url: str) -> None:
    before = snapshot(folder)
    (problem,) = check_metadata({"url": url})
    assert "http://" in problem and url not in problem
    assert_for_users(problem, folder)
    result = add_upload(hash_kb, folder, Upload("ny.md", NEW_TEXT), {**METADATA, "url": url}, 1)
    assert not result.ok and snapshot(folder) == before


@pytest.mark.parametrize(
    "url",
    [
        "https://www.regeringen.se/rapporter/2024/03/framtidens-vardkompetens/",
        "http://example.com/a%28b%29?x=1&y=2#avsnitt",
        "https://www.riksdagen.se/sv/dokument-och-lagar/dokument/motion/vård_h1023",
    ],
)
def test_plain_http_urls_pass(url: str) -> None:
    assert check_metadata({"url": url}) == []


# --- messages -------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "reason",
    [
        "/srv/vkb/index/uploads/a.pdf.meta.yaml: metadata field 'date': must be YYYY, YYYY-MM or YYYY-MM-DD",
        "/srv/vkb/index/uploads/a.pdf.meta.yaml line 3: metadata field '(file)': not valid YAML (x)",
        "doc_id 'a-1234' is already used by /srv/corpus/a.pdf; give this file its own doc_id",
        "the PDF is protected by a password; save an unprotected copy and ingest that instead",
        "not a readable PDF, the file may be damaged or truncated (EOF marker not found)",
        "no text layer on any page; scanned PDFs need OCR, which vkb does not do",
        "no text layer on any page; OCR is turned off (VKB_OCR=false), so scanned pages are not read",
        "no text layer on any page; scanned PDFs need OCR: install tesseract-ocr and tesseract-ocr-swe to read them",
        "another vkb process is writing to the index at /srv/vkb/index; wait for it to finish",
        "unexpected error while ingesting (KeyError: '/srv/x'); the rest of the batch goes on",
    ],
)
def test_pipeline_reasons_are_explained_in_swedish_without_paths(reason: str) -> None:
    assert_for_users(explain_failure(reason), Path("/srv"))


def test_reader_warnings_are_explained_in_swedish() -> None:
    assert explain_warning("no text on pages 3–5, 7; scanned PDFs need OCR, which vkb does not do") == (
        "ingen text på sidorna 3–5, 7; skannade sidor behöver OCR."
    )
    assert explain_warning(
        "no text on pages 3; scanned PDFs need OCR: install tesseract-ocr and tesseract-ocr-swe to read them"
    ) == ("ingen text på sidorna 3; skannade sidor behöver OCR, men Tesseract är inte installerat på servern.")
    assert explain_warning("pages 1–4 read by OCR (Tesseract): check quotes against the page").startswith(
        "sidorna 1–4 är OCR-tolkade"
    )
    assert "cp1252" in explain_warning("not valid UTF-8; read as cp1252 (check that å, ä and ö look right)")
    assert_for_users(explain_warning("something new at /srv/vkb/x"), Path("/srv"))


def test_a_pdf_without_a_title_is_named_after_its_file_with_its_letters_kept(tmp_path: Path) -> None:
    """Browsers on macOS send decomposed names ("a" + combining ring); the title keeps å, ä, ö and capitals."""
    pdf = write_pdf(tmp_path / "src.pdf", [["Sjuksköterskor i glesbygd behöver handledning."]], header=None)
    name = unicodedata.normalize("NFD", "remissvar från SKR om vårdpersonal i Västerbotten.pdf")
    saved = save_upload(tmp_path / "uploads", name, pdf.read_bytes(), {}, max_mb=1)
    assert saved.path.name == unicodedata.normalize("NFC", name)
    kb = KnowledgeBase.open(load_settings(index=tmp_path / "index"), embedder=HashEmbedder())
    assert ingest_paths([saved.path], kb).ok
    assert kb.documents()[0].metadata.title == "Remissvar från SKR om vårdpersonal i Västerbotten"
    kb.close()
