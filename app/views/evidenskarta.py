"""Evidenskarta: lever or intervention x outcome (bubbles: studies and certainty; crosses: gaps), and the
category or lever x target-group heat map. Clicking a cell lists its interventions and sources."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from app.charts import SELECTION, evidence_bubbles, to_png
from app.state import catalogue_or_stop, keep, knowledge_base_or_none, session, start_page
from app.ui import escape
from catalogue import Query
from catalogue.comparison import describe_outcome
from catalogue.evidence_map import MapEntry, MapRows, evidence_map
from catalogue.gaps import Rows
from catalogue.references import source_reference
from catalogue.vocabularies import EVIDENCE, EVIDENCE_GUARD, EVIDENCE_RANK, OUTCOME, SETTING

VIEWS = {"outcome": "Insats × utfall (evidens)", "target": "Kategori × målgrupp (täckning)"}
MAP_ROWS: dict[MapRows, str] = {"lever": "Hävstång", "intervention": "Insats"}
GAP_ROWS: dict[Rows, str] = {"category": "Kategori", "lever": "Hävstång"}
GUARD_LINES = [line if line.endswith(".") else f"{line}." for line in EVIDENCE_GUARD.split(". ")]

start_page("Evidenskarta")
cat = catalogue_or_stop()
st.info(EVIDENCE_GUARD)

top = st.columns([2, 2, 3])
view = top[0].radio("Vy", list(VIEWS), format_func=VIEWS.__getitem__, key=keep("map_view"))
settings = top[2].multiselect("Geografi", SETTING.codes, format_func=SETTING.label, key=keep("map_setting"),
                              placeholder="Alla")  # fmt: skip
chosen = cat.filter(Query(setting=tuple(settings))).interventions


@st.cache_data(show_spinner="Ritar bilden …", max_entries=8)
def _png(spec_json: str) -> bytes:
    return to_png(alt.LayerChart.from_json(spec_json))


def _show_sources(intervention_id: str, source_ids: list[str]) -> None:
    intervention = cat.get(intervention_id)
    kb = knowledge_base_or_none()
    for source_id in source_ids:
        source = intervention.source(source_id)
        st.markdown(f"- {escape(source_reference(source, kb))}", unsafe_allow_html=True)
        quote = getattr(source, "quote", None)
        if quote:
            st.markdown(f'<div class="vkb-passage">{escape(quote)}</div>', unsafe_allow_html=True)


if view == "outcome":
    rows = top[1].radio("Rader", list(MAP_ROWS), format_func=MAP_ROWS.__getitem__, key=keep("map_rows"))
    emap = evidence_map(chosen, rows=rows)
    chart = evidence_bubbles(emap)
    st.caption(
        "Bubblans storlek: antal studier som källorna anger (minsta storlek när de inte anger antal). "
        "Färg: högsta tillförlitlighet i rutan. Kryss: absolut lucka, inga studier. Klicka på en bubbla."
    )
    event = st.altair_chart(chart, on_select="rerun", selection_mode=SELECTION, key=f"evmap_{rows}",
                            width="stretch")  # fmt: skip
    gaps = emap.gaps()
    st.caption(f"{len(gaps)} av {len(emap.cells)} rutor är absoluta luckor.")
    left, right = st.columns(2)
    left.download_button("Ladda ned kartan (CSV)", emap.to_csv(), file_name="evidenskarta.csv", mime="text/csv",
                         icon=":material/download:", key="map_csv")  # fmt: skip
    titled = chart.properties(title=alt.TitleParams(f"vkb evidenskarta: {MAP_ROWS[rows].lower()} × utfall",
                                                    subtitle=GUARD_LINES))  # fmt: skip
    right.download_button("Ladda ned kartan (PNG)", _png(titled.to_json()), file_name="evidenskarta.png",
                          mime="image/png", icon=":material/image:", key="map_png")  # fmt: skip
    picked = (event.selection.get(SELECTION) or []) if event and event.selection else []
    if picked and picked[0].get("rad") in emap.rows and picked[0].get("utfall") in OUTCOME.codes:
        session.map_cell = (picked[0]["rad"], picked[0]["utfall"])
    cell_key = session.map_cell
    st.subheader("Insatser i vald ruta")
    if cell_key is None or cell_key not in emap.cells:
        st.caption("Ingen ruta vald. Klicka på en bubbla i kartan.")
    else:
        cell = emap.cell(*cell_key)
        where = f"{emap.row_labels[cell.row]} × {OUTCOME.label(cell.outcome)}"
        if cell.absolute_gap:
            st.warning(f"Lucka: inga studier för {where}. En lucka betyder inte att insatsen saknar effekt.")
        else:
            certainty = EVIDENCE.label(cell.certainty) if cell.certainty else "–"
            st.markdown(f"**{escape(where)}**: {len(cell.interventions)} insatser, {cell.studies} studier enligt "
                        f"källorna, högsta tillförlitlighet {escape(certainty)}.", unsafe_allow_html=True)  # fmt: skip
        by_record: dict[str, list[MapEntry]] = {}
        for entry in sorted(cell.entries, key=lambda e: -EVIDENCE_RANK[e.certainty]):
            by_record.setdefault(entry.intervention, []).append(entry)
        for intervention_id, entries in by_record.items():
            with st.container(border=True):
                st.markdown(f"**{escape(cat.get(intervention_id).name)}**", unsafe_allow_html=True)
                for entry in entries:
                    st.markdown(escape(describe_outcome(entry.outcome)), unsafe_allow_html=True)
                    _show_sources(intervention_id, entry.outcome.sources)
else:
    row_kind = top[1].radio("Rader", list(GAP_ROWS), format_func=GAP_ROWS.__getitem__, key=keep("gap_rows"))
    gap = cat.gap_map(rows=row_kind, query=Query(setting=tuple(settings)))
    cols = list(gap.cols)
    peak = max((cell.count for cell in gap.cells.values()), default=0) or 1
    row_labels = [gap.row_vocabulary.label(r) for r in gap.rows]
    col_labels = [gap.col_vocabulary.label(c) for c in cols]
    grid = pd.DataFrame(
        [[str(gap.cell(r, c).count) if gap.cell(r, c).count else "·" for c in cols] for r in gap.rows],
        index=row_labels,
        columns=col_labels,
    )

    def shade(value: str) -> str:
        if value == "·":
            return "color: #94a3b8; background-color: #f8fafc"
        strength = 0.15 + 0.7 * int(value) / peak
        return f"background-color: rgba(30,64,175,{strength:.2f}); color: {'#fff' if strength > 0.5 else '#0f172a'}"

    st.caption("Antal insatser per ruta; tomma rutor (·) är luckor. Klicka på en ruta för att se dess insatser.")
    grid_event = st.dataframe(grid.style.map(shade), on_select="rerun", selection_mode="single-cell",
                              key=f"gap_grid_{row_kind}", width="stretch")  # fmt: skip
    st.caption(f"{len(gap.gaps())} av {len(gap.cells)} rutor är luckor.")
    clicked = grid_event.selection.cells[0] if grid_event.selection.cells else None
    if clicked is not None and clicked[1] in col_labels:
        st.session_state[f"gap_cell_row_{row_kind}"] = gap.rows[int(clicked[0])]
        st.session_state["gap_cell_col"] = cols[col_labels.index(clicked[1])]

    st.subheader("Insatser i en ruta")
    pick_row, pick_col = st.columns(2)
    # One key per row kind: switching from categories to levers can never show a stale category.
    row = pick_row.selectbox(GAP_ROWS[row_kind], gap.rows, format_func=gap.row_vocabulary.label,
                             key=f"gap_cell_row_{row_kind}")  # fmt: skip
    col = pick_col.selectbox("Målgrupp", cols, format_func=gap.col_vocabulary.label, key="gap_cell_col")
    gap_cell = gap.cell(row, col)
    if not gap_cell.count:
        st.warning(f"Lucka: inga insatser för {gap.row_vocabulary.label(row)} × {gap.col_vocabulary.label(col)}.")
    else:
        best = EVIDENCE.label(gap_cell.best_evidence or "ej_bedomd")
        st.markdown(f"**{gap_cell.count} insatser**, högsta tillförlitlighet bland dem: {best}")
        by_rank = sorted((cat.get(i) for i in gap_cell.ids), key=lambda i: -EVIDENCE_RANK[i.evidence.certainty])
        for intervention in by_rank:
            st.markdown(f"- {escape(intervention.name)} ({EVIDENCE.label(intervention.evidence.certainty)})",
                        unsafe_allow_html=True)  # fmt: skip
