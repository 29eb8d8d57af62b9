"""Evidenskarta: category or lever x target group; count and best evidence per cell. Empty cells are gaps."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app.state import catalogue_or_stop
from app.ui import escape
from catalogue import Query
from catalogue.vocabularies import EVIDENCE, EVIDENCE_RANK, SETTING

st.title("Evidenskarta")
st.caption("Antal insatser per ruta och den starkaste evidensen bland dem. Tomma rutor är luckor.")
cat = catalogue_or_stop()

left, right = st.columns(2)
rows = left.radio("Rader", ["category", "lever"], format_func={"category": "Kategori", "lever": "Hävstång"}.get,
                  horizontal=True, key="gap_rows")  # fmt: skip
settings = right.multiselect(
    "Geografi", SETTING.codes, format_func=SETTING.label, key="gap_setting", placeholder="Alla"
)
gap = cat.gap_map(rows=rows, query=Query(setting=tuple(settings)))  # type: ignore[arg-type]

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


st.caption("Klicka på en ruta för att se dess insatser.")
event = st.dataframe(
    grid.style.map(shade),
    on_select="rerun",
    selection_mode="single-cell",
    key=f"gap_grid_{rows}",
    width="stretch",
)
st.caption(f"{len(gap.gaps())} av {len(gap.cells)} rutor är luckor.")
clicked = event.selection.cells[0] if event.selection.cells else None
if clicked is not None and clicked[1] in col_labels:
    st.session_state["gap_cell_row"] = gap.rows[int(clicked[0])]
    st.session_state["gap_cell_col"] = cols[col_labels.index(clicked[1])]

st.subheader("Insatser i en ruta")
pick_row, pick_col = st.columns(2)
if st.session_state.get("gap_cell_row") not in gap.rows:  # the rows changed from categories to levers
    st.session_state.pop("gap_cell_row", None)
row = pick_row.selectbox("Rad", gap.rows, format_func=gap.row_vocabulary.label, key="gap_cell_row")
col = pick_col.selectbox("Målgrupp", cols, format_func=gap.col_vocabulary.label, key="gap_cell_col")
cell = gap.cell(row, col)
if not cell.count:
    st.warning(f"Lucka: inga insatser för {gap.row_vocabulary.label(row)} × {gap.col_vocabulary.label(col)}.")
else:
    best = EVIDENCE.label(cell.best_evidence or "ej_bedomd")
    st.markdown(f"**{cell.count} insatser**, starkaste evidens: {best}")
    by_rank = sorted((cat.get(i) for i in cell.ids), key=lambda i: -EVIDENCE_RANK[i.evidence.level])
    for intervention in by_rank:
        st.markdown(
            f"- {escape(intervention.name)} ({EVIDENCE.label(intervention.evidence.level)})", unsafe_allow_html=True
        )
