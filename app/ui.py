"""Presentation helpers shared by the pages: escaped HTML, badges. Text from documents is always escaped."""

from __future__ import annotations

import re

from catalogue.vocabularies import COST, EVIDENCE, EVIDENCE_RANK, Vocabulary
from kb.highlight import Snippet

PAGE_TITLE = "Vårdkompetensbasen"
PAGE_ICON = "📚"  # the browser tab's icon

CSS = """
<style>
mark { background: #fde68a; padding: 0 .1em; border-radius: 2px; }
.vkb-meta { color: #475569; font-size: .85rem; }
.vkb-badge { display: inline-block; padding: .05rem .45rem; margin-right: .3rem; border-radius: .6rem;
             font-size: .78rem; background: #e2e8f0; color: #0f172a; white-space: nowrap; }
.vkb-passage { border-left: 3px solid #94a3b8; padding: .2rem .7rem; margin: .3rem 0; }
.vkb-context { white-space: pre-wrap; font-size: .9rem; color: #334155; }
</style>
"""


# Characters Markdown or Streamlit would act on (emphasis, links, images, headings, tables, code, KaTeX
# `$`, colour directives `:red[…]`, HTML): shown as numeric entities, which every parser prints as text.
_ACTIVE = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;"}
    | {c: f"&#{ord(c)};" for c in "\\`*_{}[]()#!|$:~="}
)
_LINE_START = re.compile(r"^([ \t]*)([-+]|\d+[.)])?", re.MULTILINE)  # indentation (code blocks), list markers


def escape(text: str) -> str:
    """Text from a document or a form, made inert: no HTML, no Markdown, no Streamlit directive."""
    safe = text.translate(_ACTIVE)  # one pass: an entity made here is never escaped again
    return _LINE_START.sub(lambda m: "".join(f"&#{ord(c)};" for c in m.group(0)), safe)


def marked(snippet: Snippet) -> str:
    """A snippet as HTML: every piece escaped, the matched words in <mark>."""
    out, position = [], 0
    for start, end in snippet.marks:
        out += [escape(snippet.text[position:start]), "<mark>", escape(snippet.text[start:end]), "</mark>"]
        position = end
    out.append(escape(snippet.text[position:]))
    body = " ".join("".join(out).split())
    return ("… " if snippet.truncated_start else "") + body + (" …" if snippet.truncated_end else "")


def cost_badge(level: int | str) -> str:
    """Cost as kronor signs (EEF-style scale): ● per level, ○ for the rest; 'okänd' when unknown."""
    if not isinstance(level, int):
        return '<span class="vkb-badge" title="Kostnad okänd">Kostnad: okänd</span>'
    title = escape(COST.label(str(level)))
    return f'<span class="vkb-badge" title="{title}">Kostnad: {"●" * level}{"○" * (5 - level)}</span>'


def evidence_badge(level: str) -> str:
    """Evidence as padlocks (EEF-style): 🔒 per GRADE step, none for 'ej bedömd'."""
    rank = EVIDENCE_RANK[level]
    label = escape(EVIDENCE.label(level))
    locks = "🔒" * rank if rank else "–"
    return f'<span class="vkb-badge" title="Evidens: {label}">Evidens: {locks} {label}</span>'


def badge(text: str) -> str:
    return f'<span class="vkb-badge">{escape(text)}</span>'


COMPARE_CSS = """
<style>
table.vkb-compare { border-collapse: collapse; width: 100%; font-size: .9rem; }
table.vkb-compare th, table.vkb-compare td { border: 1px solid #cbd5e1; padding: .4rem .6rem; vertical-align: top; }
table.vkb-compare thead th { background: #f1f5f9; text-align: left; }
table.vkb-compare tbody th { text-align: left; white-space: nowrap; font-weight: 600; }
table.vkb-compare tr.differs td { background: #fef9c3; }
table.vkb-compare td.mark { text-align: center; width: 1.5rem; }
</style>
"""


def count_caption(vocabulary: Vocabulary, counts: dict[str, int], most: int = 6) -> str:
    """'I urvalet: Sjuksköterska 6 · Läkare 2 …': the commonest terms among the shown records.

    Counts live here, beside the widget, never in its option labels (a label that changes breaks the
    widget's value). Records for all staff groups count under their own term, `alla`.
    """
    present = sorted(((n, code) for code, n in counts.items() if n), key=lambda p: (-p[0], p[1]))
    if not present:
        return "I urvalet: inga"
    shown = " · ".join(f"{vocabulary.label(code)} {n}" for n, code in present[:most])
    more = f" · +{len(present) - most} till" if len(present) > most else ""
    return f"I urvalet: {shown}{more}"
