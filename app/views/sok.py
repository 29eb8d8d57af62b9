"""Sök: search the knowledge base, filter, cite, add to the draft, see more like a passage, open the source."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from app.state import (
    add_to_draft,
    knowledge_base_or_stop,
    knowledge_base_status,
    original_at_page,
    session,
    source_page,
    start_page,
)
from app.ui import badge, escape, marked
from kb.document_filters import BY_KEY, VALUE_FILTERS, YEARS, SearchError, document_counts, filters_from
from kb.hits import Hit, group_by_stakeholder
from kb.search import Mode
from workspace import quote_item

MODES: dict[Mode, str] = {"hybrid": "Hybrid (rekommenderas)", "lexical": "Ord (lexikal)", "dense": "Betydelse (vektor)"}
# What to try when a search finds nothing, per mode: never the mode already chosen.
NO_HITS = {
    "hybrid": "Inga träffar. Pröva andra ord eller färre filter.",
    "lexical": "Inga träffar. Pröva andra ord, färre filter eller sökläget Hybrid, som också söker på betydelse.",
    "dense": "Inga träffar. Pröva andra ord, färre filter eller sökläget Hybrid.",
}

start_page("Sök i kunskapsbasen")
kb = knowledge_base_or_stop()
status = knowledge_base_status(kb)
if not status.documents:
    st.warning("Kunskapsbasen är tom. Lägg till dokument under **Dokument** eller med `vkb ingest MAPP`.")
    st.stop()

# The search box is drawn before the filters, as what a visitor needs first (on a first visit the two
# appeared within 0.02 s of each other: model_bench's search box and whole page).
query = st.text_input(
    "Sökfråga", key="q", placeholder="t.ex. hur kan vi locka tillbaka sjuksköterskor som lämnat yrket?"
)
grouped = st.toggle("Gruppera efter aktörskategori (vad sa regioner, kommuner, fack …)", key="group")

counts = document_counts(kb.documents())
with st.sidebar:
    st.header("Filter")
    chosen = {
        row.attribute: st.multiselect(
            row.label,
            sorted(counts[row.key]),
            format_func=row.show,
            help="Antal dokument: " + ", ".join(f"{row.show(c)} {n}" for c, n in sorted(counts[row.key].items())),
            key=f"f_{row.key}",
            placeholder="Alla",
        )
        for row in VALUE_FILTERS
        if row.label
    }
    years = sorted(int(y) for y in counts[YEARS.key])
    year_range = None
    if len(years) > 1:
        year_range = st.slider(YEARS.label, years[0], years[-1], (years[0], years[-1]), key="f_years")
    st.caption("Ett årsintervall utesluter odaterade dokument.")
    mode = st.radio("Sökläge", list(MODES), format_func=MODES.__getitem__, key="f_mode")
    k = st.slider("Antal träffar", 5, 50, 10, step=5, key="f_k")


narrowed = year_range is not None and (year_range[0] > years[0] or year_range[1] < years[-1])
bounds = {YEARS.low: year_range[0], YEARS.high: year_range[1]} if narrowed and year_range else {}
filters = filters_from({**chosen, **bounds})


def _turn(key: str, step: int) -> None:
    st.session_state[key] += step


def show_source(hit: Hit) -> None:
    """The cited page as it looks (PDFs) with the passage highlighted, then the text as it was read."""
    record = kb.document(hit.doc_id)
    if record is not None and hit.page is not None and record.abs_path.lower().endswith(".pdf"):
        key = f"srcpage-{hit.chunk_id}"
        st.session_state.setdefault(key, hit.page)
        number = st.session_state[key]
        view = source_page(record.abs_path, number, hit.text if number == hit.page else None, ocr=hit.ocr)
        if view is None:
            st.warning("Sidan kan inte visas: originalfilen finns inte kvar eller kan inte läsas.")
        else:
            back, where, forward = st.columns([1, 2, 1])
            back.button(
                "Föregående sida",
                key=f"prev-{hit.chunk_id}",
                icon=":material/chevron_left:",
                disabled=number <= 1,
                on_click=_turn,
                args=(key, -1),
            )
            where.markdown(f"Sida {number} av {view.page_count}")
            forward.button(
                "Nästa sida",
                key=f"next-{hit.chunk_id}",
                icon=":material/chevron_right:",
                disabled=number >= view.page_count,
                on_click=_turn,
                args=(key, 1),
            )
            if number != hit.page:
                note = f"Det citerade avsnittet står på sida {hit.page}."
            elif view.highlighted and hit.ocr:
                note = "Det citerade avsnittet är markerat med gult (OCR-tolkad text: läst ur den skannade sidan)."
            elif view.highlighted:
                note = "Det citerade avsnittet är markerat med gult."
            elif hit.ocr:
                note = "OCR-tolkad text: sidan är skannad och avsnittet kunde inte hittas i bilden."
            else:
                note = "Avsnittet kunde inte markeras i bilden."
            st.image(view.png, caption=note, width="stretch")
            original = original_at_page(record.abs_path, number)
            if original is not None:
                st.download_button(
                    f"Ladda ned originalet (öppnas på sida {number})",
                    data=original,
                    file_name=Path(record.abs_path).name,
                    mime="application/pdf",
                    key=f"dl-{hit.chunk_id}",
                    icon=":material/download:",
                    on_click="ignore",
                )
            else:
                st.caption("Originalfilen ligger utanför kunskapsbasens mapp och erbjuds därför inte för nedladdning.")
    context = kb.context(hit)
    if context is None:
        st.info("Dokumentets text finns inte längre i indexet.")
        return
    with st.expander(
        "Texten som den lästes in", expanded=record is None or not record.abs_path.lower().endswith(".pdf")
    ):
        page = f"Sida {context.page}. " if context.page else ""
        st.caption(f"{page}Avsnittet är markerat; texten runt omkring visas som den lästes in.")
        body = f"{escape(context.before)}<mark>{escape(context.passage)}</mark>{escape(context.after)}"
        st.markdown(f'<div class="vkb-context">{body}</div>', unsafe_allow_html=True)
    citation = kb.cite(hit)
    if citation.link and citation.link.startswith(("https://", "http://")):  # never a file:// link
        st.markdown(f"Källa: {escape(citation.link)}", unsafe_allow_html=True)


def show_hit(hit: Hit, *, nested: bool = False) -> None:
    with st.container(border=True):
        where = f"s. {hit.page} · " if hit.page is not None else ""
        st.markdown(f"**{escape(hit.title)}**", unsafe_allow_html=True)
        meta = " · ".join(
            [
                escape(hit.organisation or "–"),
                BY_KEY["doc_type"].show(hit.doc_type),
                escape(hit.date or "u.å."),
                where + f"poäng {hit.score:.2f}",
                *(["OCR-tolkad text"] if hit.ocr else []),
            ]
        )
        st.markdown(f'<div class="vkb-meta">{meta}</div>', unsafe_allow_html=True)
        st.markdown(f'<div class="vkb-passage">{marked(hit.snippet)}</div>', unsafe_allow_html=True)
        if nested:
            return
        citation = kb.cite(hit)
        left, middle, right, source = st.columns(4)
        if left.button("Lägg i utkast", key=f"add-{hit.chunk_id}", icon=":material/add:"):
            add_to_draft(quote_item(hit, citation))
        if middle.button("Fler liknande", key=f"sim-{hit.chunk_id}", icon=":material/travel_explore:"):
            session.similar_of = None if session.similar_of == hit.chunk_id else hit.chunk_id
        if source.button("Visa i källan", key=f"src-{hit.chunk_id}", icon=":material/description:"):
            session.source_of = None if session.source_of == hit.chunk_id else hit.chunk_id
        with right.popover("Citera", icon=":material/format_quote:"):
            st.caption("Kopiera med knappen i rutans hörn.")
            # Plain text for pasting: the reference's Markdown asterisks (the italic title) are dropped.
            st.code(f"”{citation.quote}”\n{citation.reference.replace('*', '')}", language=None, wrap_lines=True)
            if citation.ocr:
                st.caption("OCR-tolkad text: sidan är skannad och texten maskinläst. Jämför citatet med sidan.")
        if session.source_of == hit.chunk_id:
            show_source(hit)
        if session.similar_of == hit.chunk_id:
            st.markdown("**Fler avsnitt som liknar detta:**")
            for other in kb.similar(hit, k=3):
                show_hit(other, nested=True)


if query.strip():
    try:
        hits = kb.search(query, k=k, filters=filters, mode=mode)
    except SearchError as exc:
        st.error(f"Sökningen kunde inte göras: {exc}")
        st.stop()
    if not hits:
        st.info(NO_HITS[mode])
    elif grouped:
        for group in group_by_stakeholder(hits):
            st.subheader(f"{group.label} ({len(group.hits)})")
            for hit in group.hits:
                show_hit(hit)
    else:
        st.caption(f"{len(hits)} träffar")
        for hit in hits:
            show_hit(hit)
else:
    st.markdown(
        " ".join(badge(f"{n} {label}") for n, label in [(status.documents, "dokument"), (status.chunks, "avsnitt")]),
        unsafe_allow_html=True,
    )
    st.info("Skriv en fråga på svenska eller engelska. Sammansatta ord och synonymer hittas också.")
