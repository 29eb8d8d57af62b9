"""vkb's browser app: the entry script, which only sets up the page and the navigation."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from app.state import draft_id

PAGES = Path(__file__).parent / "pages"

st.set_page_config(page_title="Vårdkompetensbasen", page_icon="📚", layout="wide")
draft_id()  # every page keeps the draft's id in the address, so a reload finds the draft
navigation = st.navigation(
    [
        st.Page(PAGES / "sok.py", title="Sök", icon=":material/search:", default=True),
        st.Page(PAGES / "insatser.py", title="Insatser", icon=":material/checklist:"),
        st.Page(PAGES / "jamfor.py", title="Jämför", icon=":material/compare_arrows:"),
        st.Page(PAGES / "evidenskarta.py", title="Evidenskarta", icon=":material/grid_on:"),
        st.Page(PAGES / "utkast.py", title="Utkast", icon=":material/edit_note:"),
        st.Page(PAGES / "dokument.py", title="Dokument", icon=":material/folder_open:"),
    ]
)
navigation.run()
