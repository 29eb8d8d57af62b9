"""Evidenskarta: category or lever x target group; count and best evidence per cell. Empty cells are gaps."""

from __future__ import annotations

import streamlit as st

from app.state import catalogue
from app.ui import GAP_CSS, escape
from catalogue import Query
from catalogue.vocabularies import EVIDENCE, EVIDENCE_RANK, SETTING

st.title("Evidenskarta")
st.caption("Antal insatser per ruta och den starkaste evidensen bland dem. Tomma rutor är luckor.")
cat = catalogue()
if cat is None:
    st.error("Ingen insatskatalog hittades. Ange mappen med inställningen `VKB_CATALOGUE`.")
    st.stop()

left, right = st.columns(2)
rows = left.radio("Rader", ["category", "lever"], format_func={"category": "Kategori", "lever": "Hävstång"}.get,
                  horizontal=True, key="gap_rows")  # fmt: skip
settings = right.multiselect(
    "Geografi", SETTING.codes, format_func=SETTING.label, key="gap_setting", placeholder="Alla"
)
gap = cat.gap_map(rows=rows, query=Query(setting=tuple(settings)))  # type: ignore[arg-type]

cols = [c for c in gap.cols]
peak = max((cell.count for cell in gap.cells.values()), default=0) or 1
labels = [escape(gap.col_vocabulary.label(c)) for c in cols]
header = "".join(f'<th title="{label}">{label}</th>' for label in labels)
body = []
for row in gap.rows:
    cells = []
    for col in cols:
        cell = gap.cell(row, col)
        if cell.count:
            strength = 0.15 + 0.7 * cell.count / peak
            colour = "#fff" if strength > 0.5 else "#0f172a"
            evidence = EVIDENCE.label(cell.best_evidence or "ej_bedomd")
            tip = escape(f"{cell.count} insatser; starkast evidens: {evidence}")
            style = f"background: rgba(30,64,175,{strength:.2f}); color: {colour}"
            cells.append(f'<td style="{style}" title="{tip}">{cell.count}</td>')
        else:
            cells.append('<td class="gap" title="Lucka: inga insatser">·</td>')
    body.append(f"<tr><th>{escape(gap.row_vocabulary.label(row))}</th>{''.join(cells)}</tr>")
st.markdown(
    GAP_CSS + f'<div style="overflow-x:auto"><table class="vkb-gap"><thead><tr><th></th>{header}</tr></thead>'
    f"<tbody>{''.join(body)}</tbody></table></div>",
    unsafe_allow_html=True,
)
st.caption(f"{len(gap.gaps())} av {len(gap.cells)} rutor är luckor.")

st.subheader("Insatser i en ruta")
pick_row, pick_col = st.columns(2)
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
