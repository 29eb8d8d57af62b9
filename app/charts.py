"""Vega-Lite charts for the app (presentation only): the evidence map as bubbles, and its PNG rendering."""

from __future__ import annotations

from typing import Any

import altair as alt

from catalogue.evidence_map import EvidenceMap
from catalogue.vocabularies import EVIDENCE, OUTCOME

# Certainty from dark (high) to pale (very low); insufficient and not assessed in greys: they say nothing.
CERTAINTY_COLOURS = {
    "hog": "#1e3a8a", "mattlig": "#2563eb", "lag": "#60a5fa", "mycket_lag": "#bfdbfe",
    "otillracklig": "#a8a29e", "ej_bedomd": "#e7e5e4",
}  # fmt: skip
SELECTION = "cell"


def evidence_bubbles(emap: EvidenceMap, language: str = "sv") -> alt.LayerChart:
    """One bubble per cell, sized by studies and coloured by certainty; absolute gaps as small crosses."""
    rows = emap.table(language)
    for row in rows:
        # A cell with entries but no study count still gets a visible bubble (size 1).
        row["storlek"] = max(int(row["studier"]), 1) if row["poster"] else 0  # type: ignore[call-overload]
        # The bubble's accessible name (screen readers, and the browser test finds bubbles by it).
        row["beskrivning"] = (
            f"{row['rad_namn']} × {row['utfall_namn']}: {row['poster']} insatser, {row['studier']} studier"
        )
    # alt.Data is unannotated in altair; the typed alt.InlineData would move the rows into the spec's `datasets`.
    data = alt.Data(values=rows)  # type: ignore[no-untyped-call]
    order_y = [emap.row_labels[r] for r in emap.rows]
    order_x = [OUTCOME.label(o, language) for o in emap.outcomes]
    x = alt.X(
        "utfall_namn:N",
        sort=order_x,
        title=None,
        axis=alt.Axis(labelAngle=-35, orient="top", labelOverlap=False, labelLimit=180),
    )
    y = alt.Y("rad_namn:N", sort=order_y, title=None, axis=alt.Axis(labelLimit=320))
    labels = [EVIDENCE.label(code, language) for code in CERTAINTY_COLOURS]
    colour = alt.Color(
        "tillforlitlighet_namn:N",
        title="Tillförlitlighet" if language == "sv" else "Certainty",
        scale=alt.Scale(domain=labels, range=list(CERTAINTY_COLOURS.values())),
    )
    pick = alt.selection_point(name=SELECTION, fields=["rad", "utfall"], on="click")
    tooltip = [
        alt.Tooltip("rad_namn:N", title="Rad"),
        alt.Tooltip("utfall_namn:N", title="Utfall"),
        alt.Tooltip("poster:Q", title="Insatser"),
        alt.Tooltip("studier:Q", title="Studier"),
        alt.Tooltip("tillforlitlighet_namn:N", title="Högsta tillförlitlighet"),
        alt.Tooltip("effekter:N", title="Effekter"),
    ]
    bubbles = (
        alt.Chart(data)
        .mark_circle(stroke="#475569", strokeWidth=0.5)
        .encode(
            x=x, y=y, color=colour,
            size=alt.Size("storlek:Q", title="Studier" if language == "sv" else "Studies",
                          scale=alt.Scale(range=[60, 1400]), legend=alt.Legend(values=[1, 10, 50, 100])),
            opacity=alt.condition(pick, alt.value(0.95), alt.value(0.35)),
            tooltip=tooltip,
            description="beskrivning:N",
        )
        .transform_filter("datum.lucka == false")
        .add_params(pick)
    )  # fmt: skip
    gaps = (
        alt.Chart(data)
        .mark_point(shape="cross", color="#cbd5e1", size=40, filled=True)
        .encode(
            x=x, y=y, tooltip=[alt.Tooltip("rad_namn:N", title="Lucka"), alt.Tooltip("utfall_namn:N", title="Utfall")]
        )
        .transform_filter("datum.lucka == true")
    )
    height = max(240, 26 * len(emap.rows))
    # LayerChart itself, not alt.layer: that may return a FacetChart (for charts with facet encodings; these have none).
    return alt.LayerChart(layer=[gaps, bubbles]).properties(height=height, width=90 * len(emap.outcomes))


def to_png(chart: alt.TopLevelMixin) -> bytes:
    """The chart as a PNG, rendered on the server (vl-convert: no browser, no network)."""
    import vl_convert as vlc

    spec: dict[str, Any] = chart.properties(width=720).to_dict()
    return bytes(vlc.vegalite_to_png(spec, scale=2))
