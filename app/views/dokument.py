"""Dokument: the library of indexed documents with ingest status; upload new files with metadata."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from app.state import knowledge_base, knowledge_base_status, settings
from ingest import ingest_paths
from ingest.uploads import UploadError, save_upload
from kb.vocabulary import DOC_TYPE_LABELS, DOC_TYPES, STAKEHOLDER_LABELS, STAKEHOLDERS

st.title("Dokument")
status = knowledge_base_status()
if status.error:
    st.error(f"Kunskapsbasen kunde inte öppnas: {status.error}")
    st.stop()

one, two, three = st.columns(3)
one.metric("Dokument", status.documents)
two.metric("Textavsnitt", status.chunks)
three.metric("Misslyckade filer", status.failures)
if status.documents:
    st.dataframe(status.table, hide_index=True, width="stretch")
else:
    st.warning("Kunskapsbasen är tom. Ladda upp dokument nedan eller kör `vkb ingest MAPP`.")

kb = knowledge_base()
failures = kb.failures()
if failures:
    st.subheader("Filer som inte kunde läsas in")
    st.dataframe([{"Fil": f.source_path, "Orsak": f.reason} for f in failures], hide_index=True, width="stretch")

st.subheader("Lägg till dokument")
with st.form("upload", clear_on_submit=True):
    files = st.file_uploader(
        "Filer (PDF, DOCX, HTML, Markdown, text)", type=["pdf", "docx", "html", "htm", "md", "txt"],
        accept_multiple_files=True,
    )  # fmt: skip
    title = st.text_input("Titel (lämna tomt för att läsa den ur filen)")
    organisation = st.text_input("Organisation")
    left, middle, right = st.columns(3)
    date = left.text_input("Datum (ÅÅÅÅ, ÅÅÅÅ-MM eller ÅÅÅÅ-MM-DD)")
    doc_type = middle.selectbox(
        "Dokumenttyp", DOC_TYPES, index=DOC_TYPES.index("remissvar"), format_func=DOC_TYPE_LABELS.get
    )
    stakeholder = right.selectbox("Aktörskategori", STAKEHOLDERS, format_func=STAKEHOLDER_LABELS.get)
    url = st.text_input("Webbadress (valfri)")
    submitted = st.form_submit_button("Läs in", icon=":material/upload:")

if submitted:
    if not files:
        st.warning("Välj minst en fil.")
    else:
        config = settings()
        folder = Path(config.index).expanduser() / "uploads"
        metadata = {"title": title, "organisation": organisation, "date": date, "doc_type": doc_type,
                    "stakeholder": stakeholder, "url": url}  # fmt: skip
        progress = st.progress(0.0, text="Läser in …")
        for number, upload in enumerate(files, start=1):
            try:
                path = save_upload(folder, upload.name, upload.getvalue(), metadata, config.max_file_mb)
            except UploadError as exc:
                st.error(str(exc))
                continue
            report = ingest_paths([path], kb)
            for outcome in report.outcomes:
                if outcome.status == "failed":
                    st.error(f"{upload.name}: {outcome.reason}")
                elif outcome.status in ("added", "updated", "unchanged"):
                    st.success(f"{upload.name}: inläst ({outcome.status}) och sökbar nu.")
                for warning in outcome.warnings:
                    st.warning(f"{upload.name}: {warning}")
            for problem in report.problems:
                st.error(str(problem))
            progress.progress(number / len(files), text=f"{number} av {len(files)} filer")
        st.button("Uppdatera listan", icon=":material/refresh:")
