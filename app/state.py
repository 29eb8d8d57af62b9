"""Shared, cached access to the library for the app's pages, and their session state (no business logic here).

The model and index load once per process (`st.cache_resource`). What pages keep in the session,
besides widget values, goes through `session` (typed; each key named once). The draft lives in the
session and is saved under the index folder, keyed by a random id in the page address (`?utkast=…`),
so a reload of the page finds it again.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import streamlit as st

from app.errors import swedish
from app.ui import CSS, PAGE_ICON
from catalogue import Catalogue, catalogue_files
from ingest.errors import IngestError
from ingest.ocr import available as ocr_available
from ingest.ocr import ocr_words_of_file
from kb import KnowledgeBase, Settings, VkbError, load_settings
from kb.page_image import PageView, PageViewError, pdf_at_page, render_page, servable_file
from kb.vocabulary import DOC_TYPE_LABELS, STAKEHOLDER_LABELS
from workspace import Draft, DraftItem, DraftStore, Merged

log = logging.getLogger("vkb.app")
DRAFT_PARAM = "utkast"


class Session:
    """What the pages keep in `st.session_state` besides widget values, typed, each key named once.

    Values are checked on the way out: the session is a plain dict (a test fills it too), and a value
    of the wrong type reads as the default instead of failing on a page.
    """

    _DRAFT_ID = "draft_id"
    _COMPARE = "compare"
    _MAP_CELL = "map_cell"
    _SOURCE_OF = "source_of"
    _SIMILAR_OF = "similar_of"

    @property
    def draft_id(self) -> str | None:
        """The id of the session's draft (see `draft_id()`, which also keeps it in the address)."""
        return _text(st.session_state.get(self._DRAFT_ID))

    @draft_id.setter
    def draft_id(self, value: str) -> None:
        st.session_state[self._DRAFT_ID] = value

    def draft(self, draft_id: str) -> Draft | None:
        """The draft this session holds under that id, if any."""
        found = st.session_state.get(f"draft:{draft_id}")
        return found if isinstance(found, Draft) else None

    def keep_draft(self, draft_id: str, draft: Draft) -> None:
        st.session_state[f"draft:{draft_id}"] = draft

    @property
    def compare(self) -> list[str]:
        """Interventions picked for Jämför (on Insatser or Jämför), in the order picked."""
        found = st.session_state.get(self._COMPARE)
        return [i for i in found if isinstance(i, str)] if isinstance(found, list) else []

    @compare.setter
    def compare(self, ids: Iterable[str]) -> None:
        st.session_state[self._COMPARE] = list(ids)

    @property
    def map_cell(self) -> tuple[str, str] | None:
        """The evidence map's clicked cell: (row, outcome)."""
        found = st.session_state.get(self._MAP_CELL)
        if isinstance(found, tuple | list) and len(found) == 2 and all(isinstance(p, str) for p in found):
            return (found[0], found[1])
        return None

    @map_cell.setter
    def map_cell(self, cell: tuple[str, str]) -> None:
        st.session_state[self._MAP_CELL] = cell

    @property
    def source_of(self) -> str | None:
        """The search hit (chunk id) whose source is shown, if any."""
        return _text(st.session_state.get(self._SOURCE_OF))

    @source_of.setter
    def source_of(self, chunk_id: str | None) -> None:
        st.session_state[self._SOURCE_OF] = chunk_id

    @property
    def similar_of(self) -> str | None:
        """The search hit (chunk id) whose similar passages are shown, if any."""
        return _text(st.session_state.get(self._SIMILAR_OF))

    @similar_of.setter
    def similar_of(self, chunk_id: str | None) -> None:
        st.session_state[self._SIMILAR_OF] = chunk_id


def _text(value: object) -> str | None:
    return value if isinstance(value, str) else None


session = Session()  # holds nothing itself: st.session_state is the current visitor's


def start_page(title: str, caption: str | None = None) -> None:
    """What every page does first: the shared styles, its title and the line under it."""
    # st.html, not st.markdown: a style-only block takes no space, and Markdown with HTML would make a
    # first page load the browser's HTML-in-Markdown parser (measured: 0.2 s of the first page).
    st.html(CSS)
    st.title(title)
    if caption:
        st.caption(caption)


# A knowledge base opened by `prewarm` while the server starts, handed to the first session that asks.
_PREOPENED: dict[str, KnowledgeBase] = {}
_TAKEN: set[str] = set()  # settings a page has opened the knowledge base for (a late prewarm skips them)
_PREOPENING = threading.Lock()


@st.cache_resource(show_spinner="Läser in kunskapsbasen …")
def _open(settings_json: str) -> KnowledgeBase:
    with _PREOPENING:  # a prewarm still opening it finishes first, and its work is used
        ready = _PREOPENED.pop(settings_json, None)
        _TAKEN.add(settings_json)
    return ready or KnowledgeBase.open(Settings.model_validate_json(settings_json))


def prewarm() -> None:
    """Do before the first visitor arrives what the first page would otherwise wait for.

    `vkb app` calls this on a thread once Streamlit's server listens, while the browser loads the
    page's scripts: the pages' modules are imported (by importing this one), the knowledge base
    opened and Streamlit's own one-time costs of a first page paid; then the search snapshot is
    read (lexical index, vector copy, thesaurus), which the first page does not need but its first
    search does. Errors are left for the page to report: it opens the index again and shows why.
    """
    with _PREOPENING:  # the first page takes this knowledge base as soon as it is open
        try:
            current = settings()
            if current.model_dump_json() in _TAKEN:  # a visitor was quicker: the page opened it itself
                return
            kb = KnowledgeBase.open(current)
            _PREOPENED[current.model_dump_json()] = kb
        except Exception:  # the page will show the reason in Swedish when it opens the index itself
            log.info("prewarm: the knowledge base could not be opened yet", exc_info=True)
            return
    _warm_streamlit()
    try:
        kb.prepare_search()  # a search started meanwhile waits for this snapshot (the searcher's lock)
    except Exception:  # the search will report it
        log.info("prewarm: the search snapshot could not be read", exc_info=True)


def _warm_streamlit() -> None:
    """Streamlit's two one-time costs of a process's first page (measured 0.2-0.3 s each on 2 cores):
    the emoji table compiled to recognise the page icon, and the stack inspection behind its check
    for a script not started by `streamlit run` (made on the first element a process draws)."""
    from streamlit import delta_generator, string_util

    string_util.is_emoji(PAGE_ICON)
    check = getattr(delta_generator, "_maybe_print_use_warning", None)
    if callable(check):  # nothing is printed: the server runs
        check()
    else:
        log.info("Streamlit's first-element check was not found; the first page pays for it as usual")


def settings() -> Settings:
    return load_settings()


def keep(key: str) -> str:
    """A widget key whose value survives a visit to another page.

    Streamlit drops a widget's state when the widget is not drawn in a run (streamlit#5813), so
    filters were lost on leaving a page. A copy under our own key puts the value back.
    """
    store = f"_kept:{key}"
    if key in st.session_state:
        st.session_state[store] = st.session_state[key]
    elif store in st.session_state:
        st.session_state[key] = st.session_state[store]
    return key


def knowledge_base() -> KnowledgeBase:
    """The knowledge base the current settings name, opened once per process and settings."""
    return _open(settings().model_dump_json())


def knowledge_base_or_stop() -> KnowledgeBase:
    """The knowledge base, or a Swedish message (the details in the server log) and the end of the page."""
    try:
        return knowledge_base()
    except VkbError as error:  # one the app has a message for: a busy index, another model, a setting
        log.warning("the knowledge base could not be opened: %s: %s", type(error).__name__, error)
        st.error(swedish(error))
    except Exception:
        log.exception("the knowledge base could not be opened")
        st.error(
            "Kunskapsbasen kunde inte öppnas. Ladda om sidan om en stund; om felet kvarstår, be den som sköter "
            "vkb kontrollera inställningen VKB_INDEX (detaljerna finns i serverns logg)."
        )
    st.stop()


def knowledge_base_or_none() -> KnowledgeBase | None:
    """The knowledge base for reference strings, or None when it cannot be opened (references then show ids)."""
    try:
        return knowledge_base()
    except Exception:  # logged; the page still shows the catalogue
        log.exception("the knowledge base could not be opened")
        return None


@st.cache_resource(show_spinner="Läser in insatskatalogen …")
def _catalogue(folder: str, stamp: tuple[tuple[str, int, int], ...]) -> Catalogue:
    del stamp  # part of the cache key: a changed, added or removed file reloads the catalogue
    return Catalogue.load(Path(folder))


def catalogue() -> Catalogue | None:
    folder = Path(settings().catalogue)
    if not folder.is_dir():
        return None
    return _catalogue(str(folder.resolve()), _stamp(folder))


def _stamp(folder: Path) -> tuple[tuple[str, int, int], ...]:
    stamp = []
    for path in catalogue_files(folder):
        try:
            found = path.stat()
        except OSError:  # removed while listing: the next run sees the folder without it
            continue
        stamp.append((str(path), found.st_mtime_ns, found.st_size))
    return tuple(stamp)


def catalogue_or_stop() -> Catalogue:
    """The catalogue, or a clear Swedish message and the end of the page when there is none."""
    found = catalogue()
    if found is None:
        st.error(
            "Ingen insatskatalog hittades. Ange mappen med inställningen `VKB_CATALOGUE` (standard: data/catalogue)."
        )
        st.stop()
    return found


@dataclass
class Status:
    documents: int = 0
    chunks: int = 0
    failures: int = 0
    table: list[dict[str, str | int]] = field(default_factory=list)


def knowledge_base_status(kb: KnowledgeBase) -> Status:
    """How many documents, passages and failed files the index holds, and the library table."""
    records = kb.documents()
    table: list[dict[str, str | int]] = [
        {
            "Titel": r.metadata.title,
            "Organisation": r.metadata.organisation or "",
            "Typ": DOC_TYPE_LABELS[r.metadata.doc_type],
            "Aktör": STAKEHOLDER_LABELS[r.metadata.stakeholder],
            "Datum": r.metadata.date or "",
            "Avsnitt": r.chunk_count,
            "Fil": r.metadata.source_path,
        }
        for r in records
    ]
    return Status(
        documents=len(records), chunks=sum(r.chunk_count for r in records), failures=len(kb.failures()), table=table
    )


# --- the draft -------------------------------------------------------------------------------------
def _store() -> DraftStore:
    return DraftStore(Path(settings().index).expanduser() / "drafts")


def draft_id() -> str:
    """The session's draft id: kept in the session across pages and in the address across reloads."""
    current = session.draft_id or st.query_params.get(DRAFT_PARAM)
    if not current or not DraftStore.valid_id(current):
        current = DraftStore.new_id()
    session.draft_id = current
    if st.query_params.get(DRAFT_PARAM) != current:
        st.query_params[DRAFT_PARAM] = current
    return current


def draft() -> Draft:
    """The session's draft, brought up to the stored version: another tab may have saved since."""
    store, current_id = _store(), draft_id()
    current = session.draft(current_id)
    if current is None:
        try:
            current = store.load(current_id)
        except ValueError:
            current = Draft()
        session.keep_draft(current_id, current)
        return current
    _tell(store.refresh(current_id, current))
    return current


def save_draft() -> None:
    try:
        merged = _store().save(draft_id(), draft())
    except (OSError, ValueError) as exc:
        st.warning(f"Utkastet kunde inte sparas ({exc}); det finns kvar så länge fliken är öppen.")
    else:
        _tell(merged)


def _tell(merged: Merged | None) -> None:
    """Say what another tab (or person) had changed in the draft, now merged into this one."""
    if merged is None or not merged.took_anything:
        return
    parts = [
        f"{n} {one if n == 1 else many}"
        for n, one, many in (
            (merged.added, "tillagd", "tillagda"),
            (merged.removed, "borttagen", "borttagna"),
            (merged.changed, "ändrad text", "ändrade texter"),
        )
        if n
    ]
    st.toast(
        f"Utkastet hade ändrats i en annan flik ({', '.join(parts)}). Ändringarna har slagits ihop med dina; "
        "inget har skrivits över.",
        icon=":material/merge:",
    )


def add_to_draft(item: DraftItem) -> None:
    if draft().add(item):
        save_draft()
        st.toast("Tillagt i utkastet")
    else:
        st.toast("Finns redan i utkastet")


# --- the cited page as it looks ----------------------------------------------------------------------
@st.cache_data(max_entries=32, show_spinner="Läser den skannade sidan …")
def _ocr_words(abs_path: str, stamp: float, page: int) -> list[tuple[str, tuple[float, float, float, float]]]:
    del stamp
    return ocr_words_of_file(Path(abs_path), page)


@st.cache_data(max_entries=32, show_spinner=False)
def _page_view(abs_path: str, stamp: float, page: int, passage: str | None, ocr: bool) -> PageView:
    # stamp is part of the cache key: a replaced file is rendered again
    words = _ocr_words(abs_path, stamp, page) if ocr and passage and ocr_available() else None
    return render_page(Path(abs_path), page, passage=passage, words=words)


def source_page(abs_path: str, page: int, passage: str | None, *, ocr: bool = False) -> PageView | None:
    """The PDF page as an image with the passage highlighted (on a scanned page `ocr`: located by OCR
    word boxes, which takes Tesseract a few seconds), or None when it cannot be shown (logged)."""
    try:
        return _page_view(abs_path, Path(abs_path).stat().st_mtime, page, passage, ocr)
    except (OSError, PageViewError, IngestError):
        log.exception("page %s of %s could not be rendered", page, abs_path)
        return None


def original_at_page(abs_path: str, page: int) -> bytes | None:
    """The original PDF, set to open at `page`, if it lies inside the index folder; else None."""
    try:
        return pdf_at_page(servable_file(Path(settings().index), abs_path), page)
    except PageViewError:
        return None
