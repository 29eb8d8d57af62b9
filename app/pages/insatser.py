"""Insatser: filter the intervention catalogue with facet counts, read cards with sources, pick for comparison."""

from __future__ import annotations

import streamlit as st

from app.state import MAX_COMPARE, add_to_draft, catalogue_or_stop, compare_selection, knowledge_base
from app.ui import CSS, badge, cost_badge, escape, evidence_badge
from catalogue import FACETS, Query, related_passages
from catalogue.comparison import describe
from catalogue.draft import intervention_item
from catalogue.filtering import MULTI_FACETS
from catalogue.references import source_reference
from catalogue.schema import KbSource
from catalogue.vocabularies import COST, EVIDENCE

SORTS = {"name": "Namn", "cost": "Kostnad (lägst först)", "evidence": "Evidens (starkast först)"}

st.markdown(CSS, unsafe_allow_html=True)
st.title("Insatser")
st.caption("Insatser som rekryterar, behåller eller återfår personal, eller skapar förutsättningar för det.")

cat = catalogue_or_stop()
if cat.problems:
    with st.expander(f"{len(cat.problems)} problem i katalogfilerna (kör `vkb catalogue validate`)"):
        for problem in cat.problems:
            st.text(str(problem))

selected: dict[str, tuple[str, ...]] = {name: tuple(st.session_state.get(f"i_{name}", ())) for name in MULTI_FACETS}
max_cost = st.session_state.get("i_max_cost")
min_evidence = st.session_state.get("i_min_evidence")
text = st.session_state.get("i_text") or None
query = Query(
    **selected,
    max_cost=None if max_cost in (None, "alla") else int(max_cost),
    min_evidence=None if min_evidence in (None, "alla") else min_evidence,
    text=text,
)
result = cat.filter(query, sort=st.session_state.get("i_sort", "name"))

with st.sidebar:
    st.header("Filter")
    st.caption("Antal bland de insatser som visas inom parentes.")
    for facet in FACETS:
        if facet.name not in MULTI_FACETS:
            continue
        counts = result.facets[facet.name]
        st.multiselect(
            facet.vocabulary.sv,
            facet.vocabulary.codes,
            format_func=lambda code, f=facet, c=counts: f"{f.vocabulary.label(code)} ({c.get(code, 0)})",
            key=f"i_{facet.name}",
            placeholder="Alla",
        )
    st.select_slider(
        "Högsta kostnad",
        ["alla", 1, 2, 3, 4, 5],
        format_func=lambda v: "Alla (även okänd)" if v == "alla" else COST.label(str(v)),
        key="i_max_cost",
    )
    st.selectbox(
        "Lägsta evidens",
        ["alla", "mycket_lag", "lag", "mattlig", "hog"],
        format_func=lambda v: "Alla (även ej bedömd)" if v == "alla" else EVIDENCE.label(v),
        key="i_min_evidence",
    )

top = st.columns([3, 2])
top[0].text_input("Fritext", key="i_text", placeholder="t.ex. AT, landsbygd, miljard")
top[1].selectbox("Sortera", list(SORTS), format_func=SORTS.__getitem__, key="i_sort")

interventions = result.interventions
st.markdown(f"**{len(interventions)} av {len(cat)} insatser**")
st.dataframe(
    [
        {
            "Namn": i.name,
            "Kategori": describe(i, "category"),
            "Målgrupp": describe(i, "target_groups"),
            "Evidens": describe(i, "evidence"),
            "Kostnad": describe(i, "cost"),
            "Status": describe(i, "status"),
        }
        for i in interventions
    ],
    hide_index=True,
    width="stretch",
)

chosen = compare_selection()
if chosen:
    st.info(f"Valda för jämförelse ({len(chosen)}/{MAX_COMPARE}): " + ", ".join(chosen) + ". Öppna sidan **Jämför**.")

kb = None
for intervention in interventions:
    with st.container(border=True):
        st.markdown(f"#### {escape(intervention.name)}", unsafe_allow_html=True)
        badges = [badge(describe(intervention, "category")), cost_badge(intervention.cost.level)]
        badges += [evidence_badge(intervention.evidence.level), badge(describe(intervention, "status"))]
        st.markdown(" ".join(badges), unsafe_allow_html=True)
        st.markdown(escape(intervention.summary), unsafe_allow_html=True)
        st.markdown(
            f'<div class="vkb-meta">Målgrupp: {escape(describe(intervention, "target_groups"))} · '
            f"Hävstång: {escape(describe(intervention, 'levers'))} · "
            f"Geografi: {escape(describe(intervention, 'setting'))}</div>",
            unsafe_allow_html=True,
        )
        left, right = st.columns(2)
        is_chosen = intervention.id in chosen
        pick = left.checkbox(
            "Jämför", value=is_chosen, key=f"cmp-{intervention.id}",
            disabled=not is_chosen and len(chosen) >= MAX_COMPARE,
        )  # fmt: skip
        if pick and not is_chosen:
            chosen.append(intervention.id)
            st.rerun()
        if not pick and is_chosen:
            chosen.remove(intervention.id)
            st.rerun()
        if right.button("Lägg i utkast", key=f"add-{intervention.id}", icon=":material/add:"):
            add_to_draft(intervention_item(intervention, knowledge_base().registry))
        with st.expander(f"Källor ({len(intervention.sources)})"):
            registry = knowledge_base().registry
            for number, source in enumerate(intervention.sources, start=1):
                st.markdown(f"{number}. {escape(source_reference(source, registry))}", unsafe_allow_html=True)
                if isinstance(source, KbSource):
                    st.markdown(f"> {escape(source.quote)}", unsafe_allow_html=True)
            if intervention.cost.basis:
                st.caption(f"Kostnadsnivå: {intervention.cost.basis}")
        if st.toggle("Relaterade avsnitt i kunskapsbasen", key=f"rel-{intervention.id}"):
            kb = kb or knowledge_base()
            passages = related_passages(kb, intervention, k=3) if kb.documents() else []
            if not passages:
                st.caption("Inga relaterade avsnitt i det indexerade materialet.")
            for hit in passages:
                where = f", s. {hit.page}" if hit.page else ""
                st.markdown(
                    f'<div class="vkb-passage"><b>{escape(hit.title)}</b>{where}<br>{escape(hit.text[:400])}…</div>',
                    unsafe_allow_html=True,
                )
