"""The Dokument page's upload under `streamlit.testing.v1.AppTest`: real files, the real model, a real index.

A name already uploaded asks the user to replace or keep both; nothing is written before the answer. A bad
form or a file that cannot be ingested leaves the indexed document, its file and its sidecar as they were.
Every message is Swedish and names no server path; a successful upload shows in the counts at once.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from ingest import ingest_paths
from ingest.uploads import Upload, add_upload, save_upload, uploads_folder
from kb import KnowledgeBase, Settings
from kb.records import DocumentRecord
from kb.registry import Registry
from tests.conftest import REPO

pytestmark = pytest.mark.slow
PAGE = REPO / "app" / "views" / "dokument.py"
TEXT = "# Remissvar\n\nRegionen saknar sjuksköterskor i glesbygden och vill ha statsbidrag.\n".encode()
NEW_TEXT = "# Nytt remissvar\n\nKommunen behöver fler undersköterskor i hemtjänsten.\n".encode()
BROKEN = b"\x00\x01\x02 not text \x00" * 20
METADATA = {"title": "Remissvar om kompetensförsörjning", "organisation": "Region Norrbotten", "date": "2024-03",
            "doc_type": "remissvar", "stakeholder": "region", "url": ""}  # fmt: skip
_PATHLIKE = re.compile(r"(?:^|[\s(”])/[\w.-]+/")


@pytest.fixture
def uploaded(real_kb: KnowledgeBase) -> Iterator[Path]:
    """`svar.md` uploaded and indexed with the real model; the uploads folder is returned."""
    folder = uploads_folder(real_kb.settings)
    assert add_upload(real_kb, folder, Upload("svar.md", TEXT), METADATA, max_mb=1).ok
    real_kb.close()
    yield folder


def page() -> AppTest:
    return AppTest.from_file(str(PAGE), default_timeout=180).run()


def send(at: AppTest, files: list[tuple[str, bytes]], **fields: str) -> AppTest:
    """Choose files, fill in text fields (by the start of their label) and press the form's Läs in."""
    at.get("file_uploader")[0].set_value([(name, data, "text/markdown") for name, data in files])
    for start, value in fields.items():
        next(t for t in at.text_input if t.label.startswith(start)).input(value)
    next(b for b in at.button if b.proto.is_form_submitter).click()
    return at.run()


def messages(at: AppTest) -> list[str]:
    return [m.value for kind in (at.error, at.warning, at.success, at.info) for m in kind]


def assert_for_users(at: AppTest, *folders: Path) -> None:
    """No exception; every message Swedish and free of server paths."""
    assert not at.exception, [e.value for e in at.exception]
    for message in messages(at):
        assert not any(str(folder) in message for folder in folders), message
        assert not _PATHLIKE.search(message) and "Traceback" not in message, message
        assert re.search(r"[åäö]|\b(och|inte|filen|är)\b", message), f"not Swedish: {message}"


def snapshot(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def records(settings: Settings) -> list[DocumentRecord]:
    registry = Registry(Path(settings.index) / "registry.sqlite3")
    try:
        return registry.documents()
    finally:
        registry.close()


def test_uploader_states_the_real_limit_and_the_config_agrees(real_kb: KnowledgeBase, tmp_path: Path) -> None:
    broken = tmp_path / "corpus" / "trasig.pdf"
    broken.parent.mkdir()
    broken.write_bytes(b"%PDF-1.7 truncated")
    ingest_paths([broken.parent], real_kb)  # a failure from the command line, shown in the page's table
    real_kb.close()
    at = page()
    assert_for_users(at, tmp_path)
    (uploader,) = at.get("file_uploader")
    assert "högst 100 MB per fil" in uploader.label and "Browse files" in uploader.help
    assert uploader.proto.max_upload_size_mb == 100
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["maxUploadSize"] == Settings.model_fields["max_file_mb"].default
    assert config["client"] == {"showErrorDetails": "none", "toolbarMode": "minimal"}
    (reason,) = at.dataframe[0].value["Orsak"]
    assert "skadad" in reason and str(tmp_path) not in reason


def test_a_lower_setting_is_the_limit_the_uploader_shows(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("VKB_MAX_FILE_MB", "2.5")
    (uploader,) = page().get("file_uploader")
    assert "högst 2,5 MB per fil" in uploader.label and uploader.proto.max_upload_size_mb == 2


def test_an_upload_shows_in_the_counts_and_table_at_once(settings: Settings) -> None:
    at = page()
    assert at.metric[0].value == "0"
    send(at, [("ny_rapport.md", NEW_TEXT)], Titel="Hemtjänstens bemanning", Datum="2025-02-14")
    assert_for_users(at, Path(settings.index))
    assert at.metric[0].value == "1"  # no "Uppdatera listan" needed
    assert list(at.dataframe[0].value["Titel"]) == ["Hemtjänstens bemanning"]
    assert any("ny\\_rapport.md” är inläst" in s.value for s in at.success)
    assert next(t for t in at.text_input if t.label.startswith("Titel")).value == ""  # an empty form again


def test_a_name_already_uploaded_asks_and_keeps_both(uploaded: Path, settings: Settings) -> None:
    before, indexed = snapshot(uploaded), records(settings)
    at = send(page(), [("svar.md", NEW_TEXT)], Titel="Nytt svar")
    assert_for_users(at, uploaded)
    (choice,) = at.radio
    assert choice.label == "”svar.md” finns redan" and choice.value == "keep_both"
    assert "svar (2).md" in choice.format_func("keep_both")
    assert snapshot(uploaded) == before  # nothing written before the user answers
    at.button(key="upload_confirm").click().run()
    assert_for_users(at, uploaded)
    assert any("sparades som ”svar (2).md”" in s.value for s in at.success)
    assert at.metric[0].value == "2" and not at.radio
    after = snapshot(uploaded)
    assert {name: after[name] for name in before} == before and after["svar (2).md"] == NEW_TEXT
    assert indexed[0] in records(settings) and len(records(settings)) == 2


def test_a_name_already_uploaded_can_replace_the_document(uploaded: Path, settings: Settings) -> None:
    (indexed,) = records(settings)
    at = send(page(), [("svar.md", NEW_TEXT)], Titel="Ersatt svar")
    at.radio[0].set_value("replace")
    at.button(key="upload_confirm").click().run()
    assert_for_users(at, uploaded)
    assert at.metric[0].value == "1" and list(at.dataframe[0].value["Titel"]) == ["Ersatt svar"]
    (record,) = records(settings)
    assert record.doc_id == indexed.doc_id and (uploaded / "svar.md").read_bytes() == NEW_TEXT


def test_cancel_writes_nothing(uploaded: Path) -> None:
    before = snapshot(uploaded)
    at = send(page(), [("svar.md", NEW_TEXT)])
    at.button(key="upload_cancel").click().run()
    assert_for_users(at, uploaded)
    assert not at.radio and any("orörda" in i.value for i in at.info)
    assert snapshot(uploaded) == before


def test_a_file_that_fails_leaves_the_document_as_it_was(uploaded: Path, settings: Settings) -> None:
    before, indexed = snapshot(uploaded), records(settings)
    at = send(page(), [("svar.md", BROKEN)], Titel="Trasig")
    at.radio[0].set_value("replace")
    at.button(key="upload_confirm").click().run()
    assert_for_users(at, uploaded, Path(settings.index))
    (error,) = at.error
    assert "”svar.md” kunde inte läsas in" in error.value and "finns kvar som förut" in error.value
    assert snapshot(uploaded) == before and records(settings) == indexed
    assert at.metric[0].value == "1" and at.metric[2].value == "0"


@pytest.mark.parametrize(
    ("field", "value", "says"),
    [
        ("Datum", "14 februari 2025", "ÅÅÅÅ-MM-DD"),
        ("Webbadress", "http://a.example/) ![x](http://b.example/x.png)", "http://"),
    ],
)
def test_a_bad_form_writes_nothing_and_says_what_to_do(
    uploaded: Path, settings: Settings, field: str, value: str, says: str
) -> None:
    before, indexed = snapshot(uploaded), records(settings)
    for name in ("svar.md", "annat.md"):
        at = send(page(), [(name, NEW_TEXT)], **{field: value})
        assert_for_users(at, uploaded)
        (warning,) = at.warning
        assert says in warning.value and value not in warning.value and not at.radio
        assert next(t for t in at.text_input if t.label.startswith(field)).value == value  # kept for correcting
    assert snapshot(uploaded) == before and records(settings) == indexed


def test_a_batch_waits_for_the_choice_then_reports_every_file(uploaded: Path) -> None:
    before = snapshot(uploaded)
    at = send(page(), [("svar.md", NEW_TEXT), ("annat.md", TEXT), ("tom.md", b"")])
    assert len(at.radio) == 1 and "Den andra filen läses in samtidigt." in [c.value for c in at.caption]
    assert snapshot(uploaded) == before  # the new file waits for the answer too
    at.button(key="upload_confirm").click().run()
    assert_for_users(at, uploaded)
    assert len(at.success) == 2 and at.metric[0].value == "3"
    (error,) = at.error
    assert "”tom.md” är tom" in error.value


def test_bombs_are_refused_at_once_with_a_swedish_reason(uploaded: Path, settings: Settings, tmp_path: Path) -> None:
    """The 0.9 MB DOCX that unpacks to 264 MB and a 50 MB text file: refused before parsing or chunking."""
    from tests.fixtures import hostile

    before, indexed = snapshot(uploaded), records(settings)
    bomb = hostile.docx_bomb(tmp_path / "bomb.docx").read_bytes()
    huge = hostile.huge_text(tmp_path / "enorm.txt").read_bytes()
    at = send(page(), [("bomb.docx", bomb), ("enorm.txt", huge)])
    assert_for_users(at, uploaded, Path(settings.index))
    errors = sorted(e.value for e in at.error)
    assert "”bomb.docx” kunde inte läsas in: Filen packas upp till mycket mer än den själv är stor" in errors[0]
    assert "”enorm.txt” kunde inte läsas in: Dokumentet har mer text än vkb läser in per dokument" in errors[1]
    assert snapshot(uploaded) == before and records(settings) == indexed


def test_an_upload_the_app_was_stopped_in_is_named_and_can_be_ingested(uploaded: Path) -> None:
    save_upload(uploaded, "avbruten_rapport.md", NEW_TEXT, METADATA, 1)  # stored, then the app was stopped
    at = page()
    assert_for_users(at, uploaded)
    assert any("avbruten\\_rapport.md" in w.value and "inte är inlästa" in w.value for w in at.warning)
    at.button(key="strays_ingest").click().run()
    assert_for_users(at, uploaded)
    assert any("avbruten\\_rapport.md” är inläst" in s.value for s in at.success)
    assert at.metric[0].value == "2" and not any("inte är inlästa" in w.value for w in at.warning)
