"""Utkast: collected quotes and interventions, reorderable with notes; export to Markdown and DOCX with references."""

from __future__ import annotations

import streamlit as st

from app.state import catalogue, draft, knowledge_base_or_none, save_draft, start_page
from app.ui import escape
from workspace import OCR_MARK, to_docx, to_markdown, with_current_references


def set_title() -> None:
    draft().title = st.session_state["draft_title"] or "Utkast"
    save_draft()


def set_note(key: str) -> None:
    draft().set_note(key, st.session_state[f"note-{key}"])
    save_draft()


start_page("Utkast")
current = draft()

# The widgets show the draft as it is now (another tab may have changed it); only a user's edit, through
# its on_change callback, writes back, so a stale box never overwrites a newer note.
st.session_state["draft_title"] = current.title
st.text_input("Rubrik", key="draft_title", on_change=set_title)

if not current.items:
    st.info("Utkastet är tomt. Lägg till citat på sidan **Sök** och insatser på sidan **Insatser**.")
    st.stop()

# References are resolved now, from the index and the catalogue as they are, not frozen when added.
shown = with_current_references(current, knowledge_base_or_none(), catalogue())
numbers = shown.numbering()
references_of = {item.key: item.references for item in shown.items}
for position, item in enumerate(list(current.items)):
    with st.container(border=True):
        marks = "".join(f"[{numbers[r]}]" for r in references_of.get(item.key, item.references) if r in numbers)
        kind = "Citat" if item.kind == "quote" else "Insats"
        st.markdown(f"**{kind}: {escape(item.title)}** {marks}", unsafe_allow_html=True)
        st.markdown(f'<div class="vkb-passage">{escape(item.text)}</div>', unsafe_allow_html=True)
        if item.ocr:
            st.caption(OCR_MARK)
        st.session_state[f"note-{item.key}"] = item.note
        st.text_area("Anteckning", key=f"note-{item.key}", height=68, on_change=set_note, args=(item.key,))
        up, down, remove = st.columns(3)
        if up.button("Flytta upp", key=f"up-{item.key}", disabled=position == 0, icon=":material/arrow_upward:"):
            current.move(item.key, -1)
            save_draft()
            st.rerun()
        if down.button("Flytta ned", key=f"down-{item.key}", disabled=position == len(current.items) - 1,
                       icon=":material/arrow_downward:"):  # fmt: skip
            current.move(item.key, 1)
            save_draft()
            st.rerun()
        if remove.button("Ta bort", key=f"rm-{item.key}", icon=":material/delete:"):
            current.remove(item.key)
            save_draft()
            st.rerun()

st.subheader("Referenser")
for reference, number in numbers.items():
    st.markdown(f"{number}. {escape(reference)}", unsafe_allow_html=True)

markdown = to_markdown(shown)
left, right = st.columns(2)
left.download_button(
    "Ladda ned Markdown", markdown, file_name="utkast.md", mime="text/markdown", icon=":material/download:"
)
right.download_button(
    "Ladda ned Word (DOCX)", lambda: to_docx(shown), file_name="utkast.docx",  # built when asked for
    mime="application/vnd.openxmlformats-officedocument.wordprocessingml.document", icon=":material/download:",
)  # fmt: skip
with st.expander("Förhandsvisa Markdown"):
    st.code(markdown, language="markdown", wrap_lines=True)
