"""Text from documents and forms stays text: no HTML, Markdown or Streamlit directive survives escape()."""

from __future__ import annotations

import re
from html import unescape

import pytest
from hypothesis import given
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from app.ui import escape

RENDER = MarkdownIt("commonmark").enable("table").enable("strikethrough")
HOSTILE = [
    "# RUBRIK",
    ":red[RÖD RUBRIK] och :material/home:",
    "$$x^2$$ och $y$",
    "![x](http://127.0.0.1:9/beacon.png)",
    "[klicka](javascript:alert(1))",
    "<img src=x onerror=alert(1)><script>alert(1)</script>",
    "**fet** _kursiv_ `kod` ~~struken~~",
    "| a | b |\n|---|---|\n| 1 | 2 |",
    "1. lista\n- punkt\n+ plus\n> citat",
    "http://a.example/) ![x](http://127.0.0.1:9/b.png)",
    'it\'s "quoted" & <b>',
]


def rendered_tags(text: str) -> set[str]:
    return set(re.findall(r"<([a-z0-9]+)", RENDER.render(escape(text))))


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_text_renders_as_one_plain_paragraph(text: str) -> None:
    assert rendered_tags(text) <= {"p", "br"}  # no heading, image, link, emphasis, code, table, list or quote
    html = RENDER.render(escape(text))
    assert unescape(re.sub(r"</?p>", "", html)).strip() == text.strip()  # and every character is still there
    assert ":red[" not in escape(text) and "$" not in escape(text) and "![" not in escape(text)


@given(st.text(max_size=200))
def test_any_text_survives_escaping_unchanged_for_the_reader(text: str) -> None:
    assert unescape(escape(text)) == text
    assert rendered_tags(text) <= {"p", "br"}


@pytest.mark.parametrize("text", ["    indenterad kod", "\tflik", "Rubrik\n===", "Rubrik\n---", "***", "  - punkt"])
def test_block_structure_cannot_come_from_text(text: str) -> None:
    assert rendered_tags(text) <= {"p", "br"}
