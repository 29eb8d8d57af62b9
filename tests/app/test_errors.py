"""The app's Swedish message per error class: specific before general, never the English text."""

from __future__ import annotations

import pytest

from app.errors import swedish
from ingest.errors import DocumentUnreadable
from kb import IndexBusy, ModelMismatch, SettingsError, VkbError
from kb.search import UnknownFilterValue


@pytest.mark.parametrize(
    ("error", "words"),
    [
        (IndexBusy("another vkb process is writing to the index at /srv/x"), "uppdateras just nu"),
        (ModelMismatch("built with 'a'; the configured model is 'b'"), "annan språkmodell"),
        (SettingsError("bad VKB_THREADS"), "inställning"),
        (DocumentUnreadable("not a readable PDF"), "Filen kunde inte läsas in"),
        (UnknownFilterValue("doc_type", "x", ["rapport"]), "Ändra valen"),
    ],
)
def test_each_error_gets_its_swedish_message_without_english_details(error: VkbError, words: str) -> None:
    message = swedish(error)
    assert words in message
    assert str(error) not in message and "/srv" not in message
