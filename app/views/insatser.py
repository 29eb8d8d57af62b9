"""Insatser: filter the intervention catalogue, read cards with outcomes, evidence and sources, pick for comparison."""

from __future__ import annotations

import datetime

import streamlit as st

from app.state import (
    add_to_draft,
    catalogue_or_stop,
    keep,
    knowledge_base,
    knowledge_base_or_none,
    session,
    start_page,
)
from app.ui import badge, cost_badge, count_caption, escape, evidence_badge
from catalogue import FACETS, MAX_COMPARE, Query, related_passages
from catalogue.comparison import VKB_MARK, describe, describe_outcome
from catalogue.filtering import MULTI_FACETS
from catalogue.references import source_reference
from catalogue.vocabularies import COST, EVIDENCE, EVIDENCE_GUARD, GRADED
from workspace import intervention_item

SORTS = {"name": "Namn", "cost": "Kostnad (lägst först)", "evidence": "Evidens (starkast först, sedan lägst kostnad)"}
# One broken file can hold thousands of problems (a 53 kB file of unknown keys: 6,000); the page shows the
# first few of each file, so one file never hides the others, and the CLI shows every one.
PROBLEMS_PER_FILE = 5
STALE_AFTER = datetime.timedelta(days=730)  # records whose evidence was not checked for 24 months are flagged
FACET_HELP = {
    "target_groups": "Insatser för alla yrkesgrupper ingår i varje målgrupp.",
    "effect": "Gäller tillsammans med Utfall: t.ex. positiv effekt på kvarstannande.",
    "grader": "Källan: källan graderar själv. vkb: graderat enligt mallen i README.",
}

start_page(
    "Insatser", "Insatser som rekryterar, behåller eller återfår personal, eller skapar förutsättningar för det."
)

cat = catalogue_or_stop()
if cat.problems:
    with st.expander(f"{len(cat.problems)} problem i katalogfilerna (kör `vkb catalogue validate`)"):
        by_file: dict[str, list[str]] = {}
        for problem in cat.problems:
            by_file.setdefault(problem.path.name, []).append(str(problem))
        for name, found in by_file.items():
            for line in found[:PROBLEMS_PER_FILE]:
                st.text(line)
            if len(found) > PROBLEMS_PER_FILE:
                more = len(found) - PROBLEMS_PER_FILE
                st.caption(f"… och {more} till i {name}. `vkb catalogue validate` visar alla.")

for name in MULTI_FACETS:
    keep(f"i_{name}")
for name in ("i_max_cost", "i_min_evidence", "i_unit_cost", "i_text", "i_sort"):
    keep(name)
selected = {name: tuple(st.session_state.get(f"i_{name}", ())) for name in MULTI_FACETS}
max_cost = st.session_state.get("i_max_cost")
min_evidence = st.session_state.get("i_min_evidence")
query = Query(
    **selected,
    max_cost=None if max_cost in (None, "alla") else int(max_cost),
    min_evidence=None if min_evidence in (None, "alla") else min_evidence,
    unit_cost=bool(st.session_state.get("i_unit_cost")),
    text=st.session_state.get("i_text") or None,
)
result = cat.filter(query, sort=st.session_state.get("i_sort", "name"))

with st.sidebar:
    st.header("Filter")
    for facet in FACETS:
        if facet.name not in MULTI_FACETS:
            continue
        # Options are stable codes with stable labels: a label that carried a live count would change
        # under the browser's feet and come back as an unknown value (the crash of issue 11).
        st.multiselect(
            facet.vocabulary.sv,
            facet.vocabulary.codes,
            format_func=facet.vocabulary.label,
            key=f"i_{facet.name}",
            placeholder="Alla",
            help=FACET_HELP.get(facet.name),
        )
        st.caption(count_caption(facet.vocabulary, result.facets[facet.name]))
    st.select_slider(
        "Högsta kostnad",
        ["alla", 1, 2, 3, 4, 5],
        format_func=lambda v: "Alla (även okänd)" if v == "alla" else COST.label(str(v)),
        key="i_max_cost",
    )
    st.selectbox(
        "Lägsta tillförlitlighet",
        ["alla", *reversed(GRADED)],
        format_func=lambda v: "Alla (även ej bedömd)" if v == "alla" else EVIDENCE.label(v),
        key="i_min_evidence",
        help="Otillräcklig och ej bedömd evidens faller bort när en nivå väljs.",
    )
    st.toggle("Bara insatser med kostnad per enhet", key="i_unit_cost")

top = st.columns([3, 2])
top[0].text_input("Fritext", key="i_text", placeholder="t.ex. AT, landsbygd, miljard")
top[1].selectbox("Sortera", list(SORTS), format_func=SORTS.__getitem__, key="i_sort")

interventions = result.interventions
st.markdown(f"**{len(interventions)} av {len(cat)} insatser**")
if not interventions:
    hint = (
        " Lägsta tillförlitlighet utesluter ej bedömda och otillräckligt underbyggda insatser."
        if min_evidence not in (None, "alla")
        else ""
    )
    st.info(f"Inga insatser matchar alla filter.{hint} Ta bort ett filter i sidofältet.")
st.caption(EVIDENCE_GUARD)
if interventions:
    st.dataframe(
        [
            {
                "Namn": i.name,
                "Kategori": describe(i, "category"),
                "Målgrupp": describe(i, "target_groups"),
                "Tillförlitlighet": EVIDENCE.label(i.evidence.certainty),
                "Kostnad": describe(i, "cost"),
                "Status": describe(i, "status"),
            }
            for i in interventions
        ],
        hide_index=True,
        width="stretch",
    )

chosen = session.compare
if chosen:
    names = ", ".join(cat.get(i).name for i in chosen if i in {x.id for x in cat.interventions})
    st.info(f"Valda för jämförelse ({len(chosen)}/{MAX_COMPARE}): {names}. Öppna sidan **Jämför**.")

kb = knowledge_base_or_none()
today = datetime.date.today()
for intervention in interventions:
    with st.container(border=True):
        st.markdown(f"#### {escape(intervention.name)}", unsafe_allow_html=True)
        badges = [badge(describe(intervention, "category")), cost_badge(intervention.cost.level)]
        badges += [evidence_badge(intervention.evidence.certainty), badge(describe(intervention, "status"))]
        st.markdown(" ".join(badges), unsafe_allow_html=True)
        st.markdown(escape(intervention.summary), unsafe_allow_html=True)
        st.markdown(
            f'<div class="vkb-meta">Målgrupp: {escape(describe(intervention, "target_groups"))} · '
            f"Hävstång: {escape(describe(intervention, 'levers'))} · "
            f"Geografi: {escape(describe(intervention, 'setting'))} · "
            f"Aktör: {escape(describe(intervention, 'actors'))} · "
            f"Tid till effekt: {escape(describe(intervention, 'time_to_effect'))}</div>",
            unsafe_allow_html=True,
        )
        reviewed = intervention.reviewed
        if reviewed is None:
            st.caption("Evidensen har inte granskats.")
        elif today - reviewed.date > STALE_AFTER:
            st.warning(f"Evidensen granskades senast {reviewed.date.isoformat()}, för mer än 24 månader sedan.")
        else:
            st.caption(f"Granskad {reviewed.date.isoformat()} ({reviewed.by}).")
        left, right = st.columns(2)
        is_chosen = intervention.id in chosen
        pick = left.checkbox(
            "Jämför", value=is_chosen, key=f"cmp-{intervention.id}",
            disabled=not is_chosen and len(chosen) >= MAX_COMPARE,
        )  # fmt: skip
        if pick and not is_chosen:
            session.compare = [*chosen, intervention.id]
            st.rerun()
        if not pick and is_chosen:
            session.compare = [i for i in chosen if i != intervention.id]
            st.rerun()
        if right.button("Lägg i utkast", key=f"add-{intervention.id}", icon=":material/add:"):
            add_to_draft(intervention_item(intervention, kb))
        evidence = intervention.evidence
        with st.expander(f"Evidens och utfall ({len(intervention.outcomes)} utfall)"):
            st.markdown(f"**Tillförlitlighet:** {escape(describe(intervention, 'evidence'))}", unsafe_allow_html=True)
            if evidence.rationale:
                st.markdown(escape(evidence.rationale), unsafe_allow_html=True)
            for outcome in intervention.outcomes:
                note = f" – {outcome.note}" if outcome.note else ""
                refs = ", ".join(outcome.sources)
                line = escape(describe_outcome(outcome) + note)
                st.markdown(f"- {line} <span class='vkb-meta'>[{escape(refs)}]</span>",
                            unsafe_allow_html=True)  # fmt: skip
            for field, label in (("unit_cost", "Kostnad per enhet"), ("cost_effectiveness", "Kostnadseffektivitet"),
                                 ("implementation", "Genomförande")):  # fmt: skip
                text = describe(intervention, field)
                if text != "–":
                    st.markdown(f"**{label}:** {escape(text)}", unsafe_allow_html=True)
            if intervention.applicability:
                st.markdown(f"**Tillämpbarhet i Sverige{VKB_MARK}:** {escape(intervention.applicability.text)}",
                            unsafe_allow_html=True)  # fmt: skip
            st.caption(EVIDENCE_GUARD)
        with st.expander(f"Källor ({len(intervention.sources)})"):
            for source in intervention.sources:
                st.markdown(f"`{escape(source.id)}` {escape(source_reference(source, kb))}", unsafe_allow_html=True)
                quote = getattr(source, "quote", None)
                if quote:
                    st.markdown(f'<div class="vkb-passage">{escape(quote)}</div>', unsafe_allow_html=True)
            if intervention.cost.basis:
                st.caption(f"Kostnadsnivå: {intervention.cost.basis}")
        if st.toggle("Relaterade avsnitt i kunskapsbasen", key=f"rel-{intervention.id}"):
            base = knowledge_base()
            passages = related_passages(base, intervention, k=3) if base.documents() else []
            if not passages:
                st.caption("Inga relaterade avsnitt i det indexerade materialet.")
            for hit in passages:
                where = f", s. {hit.page}" if hit.page else ""
                st.markdown(
                    f'<div class="vkb-passage"><b>{escape(hit.title)}</b>{where}<br>{escape(hit.text[:400])}…</div>',
                    unsafe_allow_html=True,
                )
