"""vkb's browser app: the entry script, which only sets up the page and the navigation."""

from __future__ import annotations

import logging
from pathlib import Path

import streamlit as st

from app.errors import swedish
from app.state import draft_id
from app.ui import PAGE_ICON, PAGE_TITLE
from kb import VkbError

log = logging.getLogger("vkb.app")
# Not "pages/": Streamlit would list that folder itself, with raw file names, before st.navigation runs.
PAGES = Path(__file__).parent / "views"

st.set_page_config(page_title=PAGE_TITLE, page_icon=PAGE_ICON, layout="wide")
draft_id()  # every page keeps the draft's id in the address, so a reload finds the draft
# (file and url_path, title, icon): every page has an explicit address, so deep links and bookmarks hold.
VIEWS = (
    ("sok", "Sök", ":material/search:"),
    ("insatser", "Insatser", ":material/checklist:"),
    ("jamfor", "Jämför", ":material/compare_arrows:"),
    ("evidenskarta", "Evidenskarta", ":material/grid_on:"),
    ("utkast", "Utkast", ":material/edit_note:"),
    ("dokument", "Dokument", ":material/folder_open:"),
)
HOME = "sok"  # the page at the app's root address
views = [
    st.Page(
        PAGES / f"{name}.py",
        title=title,
        icon=icon,
        url_path=f"{name}-start" if name == HOME else name,  # (unused for the default page, but unique)
        default=name == HOME,
    )
    for name, title, icon in VIEWS
]


def _to_home() -> None:
    st.switch_page(views[0])


# The default page is served at the root address, never at its own name: "/sok" (typed, or an old
# bookmark) showed Streamlit's English "Page not found" over a page that could not be used until it
# was closed. A hidden page at that address sends the visitor to Sök (the draft id goes along).
navigation = st.navigation([*views, st.Page(_to_home, title="Sök", url_path=HOME, visibility="hidden")])
try:
    navigation.run()
except VkbError as error:  # an error vkb knows: its Swedish message, the details in the server log
    log.warning("page %r: %s: %s", navigation.title, type(error).__name__, error)
    st.error(swedish(error))
except Exception:  # st.stop and st.rerun are BaseExceptions and pass through
    # No traceback reaches a user (config: showErrorDetails = "none"); the details go to the server log.
    log.exception("page %r failed", navigation.title)
    st.error(
        "Något gick fel på den här sidan. Försök igen, eller öppna en annan sida i menyn. "
        "Om felet kvarstår: kontakta den som driftar vkb (detaljerna finns i serverns logg)."
    )
