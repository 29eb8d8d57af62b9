"""Jämför: two to four interventions side by side, field by field; rows that differ are marked."""

from __future__ import annotations

import streamlit as st

from app.state import catalogue_or_stop, session, start_page
from app.ui import COMPARE_CSS, escape
from catalogue import MAX_COMPARE, MIN_COMPARE

start_page("Jämför insatser")
cat = catalogue_or_stop()

names = {i.id: i.name for i in cat.interventions}
chosen = [i for i in session.compare if i in names]
picked = st.multiselect(
    f"Välj {MIN_COMPARE}–{MAX_COMPARE} insatser", list(names), default=chosen, format_func=names.__getitem__,
    max_selections=MAX_COMPARE, key="compare_pick", placeholder="Välj insatser",
)  # fmt: skip
session.compare = picked

if len(picked) < MIN_COMPARE:
    st.info("Välj minst två insatser här eller med rutan **Jämför** på sidan Insatser.")
    st.stop()

comparison = cat.compare(picked)
only_differences = st.toggle("Visa bara rader som skiljer sig", key="only_diff")
rows = [row for row in comparison.rows if row.differs or not only_differences]
header = "".join(f"<th>{escape(name)}</th>" for name in comparison.names)
body = []
for row in rows:
    mark = "≠" if row.differs else ""
    cells = "".join(f"<td>{escape(value)}</td>" for value in row.values)
    css = ' class="differs"' if row.differs else ""
    body.append(f"<tr{css}><th>{escape(row.label)}</th><td class='mark'>{mark}</td>{cells}</tr>")
st.markdown(
    COMPARE_CSS + f"<table class='vkb-compare'><thead><tr><th>Fält</th><th></th>{header}</tr></thead>"
    f"<tbody>{''.join(body)}</tbody></table>",
    unsafe_allow_html=True,
)
st.caption("≠ och gul bakgrund markerar fält där insatserna skiljer sig.")
