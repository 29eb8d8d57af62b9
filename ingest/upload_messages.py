"""The Swedish messages of uploads: what the pipeline's English reasons and warnings mean for a person
using the app, and the texts the upload steps show. Kept apart from the upload mechanics (ingest/uploads.py)."""

from __future__ import annotations

import logging
import re

log = logging.getLogger("vkb.uploads")
KINDS = "PDF, DOCX, HTML, Markdown eller text"
ASK_ADMIN = "om felet kvarstår, kontakta den som sköter vkb"


# --- messages ------------------------------------------------------------------------------------------
_FIELD_LABELS = {"title": "Titel", "organisation": "Organisation", "author": "Författare", "date": "Datum",
                 "doc_type": "Dokumenttyp", "stakeholder": "Aktörskategori", "url": "Webbadress",
                 "language": "Språk", "doc_id": "Dokument-id", "source": "Källa", "path": "Sökväg"}  # fmt: skip
_BUSY = "Kunskapsbasen uppdateras just nu. Vänta en stund och försök igen."
DISK_FULL = (
    "Disken där kunskapsbasen sparas är full. Sökningen fungerar som förut. Be den som sköter vkb att frigöra "
    "utrymme och ladda sedan upp filen igen."
)
_WRITE_FAILED = (
    "Kunskapsbasen kunde inte skrivas till. Sökningen fungerar som förut. Ladda upp filen igen om en stund; "
    f"{ASK_ADMIN}."
)
_LOCKED = "PDF-filen är krypterad eller lösenordsskyddad. Spara en kopia utan lösenord och ladda upp den."
_NOT_TEXT = "Filen innehåller inte text fast filtypen säger det. Kontrollera filen och ladda upp rätt fil."
_NO_TEXT = (
    "Filen innehåller ingen text som går att läsa (en skannad PDF behöver först göras sökbar med OCR). "
    "Ladda upp en version med text."
)
_OCR_OFF = "Filen har inget textlager (en skannad PDF) och OCR är avstängt i inställningarna (VKB_OCR)."
_NO_OCR = (
    "Filen har inget textlager (en skannad PDF) och servern saknar OCR-programmet Tesseract. "
    f"Ladda upp en version med text; {ASK_ADMIN} om att installera tesseract-ocr och tesseract-ocr-swe."
)
_TOO_LONG = "PDF-filen har fler sidor än vkb läser. Dela upp den i mindre delar och ladda upp dem."
_BOMB = (
    "Filen packas upp till mycket mer än den själv är stor (den kan vara en så kallad zip-bomb) och lästes "
    "inte. Öppna den i Word, spara den på nytt och ladda upp den igen."
)
_TOO_MUCH_TEXT = "Dokumentet har mer text än vkb läser in per dokument. Dela upp det i mindre delar och ladda upp dem."
_TOO_SLOW = (
    "Inläsningen tog längre tid än vkb tillåter per fil och avbröts; kunskapsbasen är som förut. Dela upp "
    "filen i mindre delar, eller be den som sköter vkb höja gränsen."
)
_CORRUPT = "Filen verkar vara skadad eller ofullständig. Öppna den, spara den på nytt och ladda upp den igen."
_TOO_LARGE = "Filen är större än den tillåtna storleken. Dela upp eller komprimera den."
_UNSUPPORTED = f"Filtypen kan inte läsas. Spara filen som {KINDS} och ladda upp den igen."
_SAME_ID = "Ett annat dokument har redan samma id. Byt namn på filen och ladda upp den igen."
_UNREADABLE = f"Filen kunde inte läsas på servern. Försök igen; {ASK_ADMIN}."
_FAILURES = (  # (what the pipeline's English reason contains, the Swedish message), first match wins
    ("is writing to the index", _BUSY),
    ("disk holding the index", DISK_FULL),
    (r"writing to the index at .* failed", _WRITE_FAILED),
    ("s budget per file", _TOO_SLOW),
    ("zip bomb|parts, more than", _BOMB),
    ("characters of (text|HTML), the budget", _TOO_MUCH_TEXT),
    ("encrypted|password", _LOCKED),
    ("binary file", _NOT_TEXT),
    ("OCR is turned off", _OCR_OFF),
    ("install tesseract", _NO_OCR),
    ("no text|no readable text|no visible text|is empty|has no pages", _NO_TEXT),
    ("pages, more than", _TOO_LONG),
    ("damaged|truncated|not a readable|page list", _CORRUPT),
    ("MB limit", _TOO_LARGE),
    ("unsupported file type", _UNSUPPORTED),
    ("doc_id .* is already used", _SAME_ID),
    ("could not read the file", _UNREADABLE),
)
_METADATA_FIELD = re.compile(r"metadata field '([^']+)'")
_WARNINGS = (  # (a reader's English warning, Swedish with its captured page ranges or encoding)
    ("no main text block found", "ingen huvudtext hittades, så all synlig text på sidan lästes in."),
    (r"could not read pages ([\d, –-]+)", "sidorna {0} kunde inte läsas (skadat sidinnehåll)."),
    (
        r"pages ([\d, –-]+) read by OCR",
        "sidorna {0} är OCR-tolkade (maskinläst text från skannade sidor); jämför citat med sidan.",
    ),
    (r"no text on pages ([\d, –-]+); OCR is turned off", "ingen text på sidorna {0}; OCR är avstängt (VKB_OCR)."),
    (
        r"no text on pages ([\d, –-]+); scanned PDFs need OCR: install",
        "ingen text på sidorna {0}; skannade sidor behöver OCR, men Tesseract är inte installerat på servern.",
    ),
    (
        r"no text on pages ([\d, –-]+); OCR \(Tesseract\) found no text",
        "ingen text på sidorna {0}, inte heller med OCR.",
    ),
    (r"no text on pages ([\d, –-]+)", "ingen text på sidorna {0}; skannade sidor behöver OCR."),
    (r"no byte-order mark; read as ([\w-]+)", "filen lästes som {0}; kontrollera att å, ä och ö ser rätt ut."),
    (r"read as ([\w-]+)", "filen var inte UTF-8 och lästes som {0}; kontrollera att å, ä och ö ser rätt ut."),
    (
        r"removed (\d+) characters of control codes",
        "{0} tecken med styrkoder (till exempel terminalfärger) togs bort ur texten.",
    ),
)


def explain_failure(reason: str) -> str:
    """Why ingest failed, in Swedish with what to do, without paths (the pipeline's reason is English)."""
    for pattern, message in _FAILURES:
        if re.search(pattern, reason):
            return message
    field_match = _METADATA_FIELD.search(reason)
    if field_match and field_match.group(1) == "(file)":
        return "Metadatafilen (.meta.yaml eller manifestet) går inte att läsa. Rätta den och läs in filen igen."
    if field_match:
        label = _FIELD_LABELS.get(field_match.group(1), field_match.group(1))
        return f"Uppgiften ”{label}” har ett ogiltigt värde. Rätta den och läs in filen igen."
    return f"Ett oväntat fel uppstod när filen lästes in. Försök igen; {ASK_ADMIN} (detaljerna finns i serverns logg)."


def explain_warning(warning: str) -> str:
    """A reader's warning in Swedish (the pipeline's warnings are English)."""
    for pattern, message in _WARNINGS:
        match = re.search(pattern, warning)
        if match:
            return message.format(*(group.strip() for group in match.groups()))
    log.info("reader warning: %s", warning)
    return "filen lästes in med en varning (detaljerna finns i serverns logg)."
