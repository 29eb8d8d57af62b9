"""vkb app entry page (Hem). The full app (search, interventions, compare, gap map, draft) is issue #5."""

from __future__ import annotations

import streamlit as st

from app.state import knowledge_base_status

st.set_page_config(page_title="Vårdkompetensbasen", page_icon="📚", layout="wide")
st.title("Vårdkompetensbasen")
st.caption("Kunskapsbas och insatskatalog för hälso- och sjukvårdens kompetensförsörjning")

status = knowledge_base_status()
if status.error:
    st.error(f"Kunskapsbasen kunde inte öppnas: {status.error}")
elif not status.documents:
    st.warning("Kunskapsbasen är tom. Lägg till dokument med `vkb ingest MAPP` och ladda om sidan.")
else:
    col1, col2, col3 = st.columns(3)
    col1.metric("Dokument", status.documents)
    col2.metric("Textavsnitt", status.chunks)
    col3.metric("Misslyckade filer", status.failures)
    st.subheader("Indexerade dokument")
    st.dataframe(status.table, hide_index=True, width="stretch")
st.info("Sök, insatskatalog, jämförelse, evidenskarta och utkast kommer i nästa version av appen.")
