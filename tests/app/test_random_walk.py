"""Randomised walks over the whole app: random widget actions from fixed seeds, no exception, no error.

Each seed drives the app (entry script `app/Hem.py`, every page reachable) through up to ten random
actions: multiselects, select sliders, selectboxes, radios, sliders, text inputs and areas, toggles,
checkboxes, buttons and page switches. After every action the page must show no exception and no
error element.

Option widgets are driven as a browser drives them, not as AppTest's helpers do: the browser sends
back the *displayed text* of the options a user picked, and keeps sending that same text on every
later rerun until the user touches the widget again. AppTest's own `set_value` re-formats the value
with the newest labels on each run, which hides labels that change (the crash of issue 11: a
multiselect whose labels carried live counts returned 'Sjuksköterska (6)' as a value once the count
changed). `BROWSER` keeps what the simulated browser last sent per widget id.

`make test` runs 200 seeds; `pytest tests/app/test_random_walk.py --ui-seeds 2000` runs a longer walk.
On the code before the fix, seed 3 reproduced the crash (a target group, then the cost slider).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from streamlit.proto.WidgetStates_pb2 import WidgetState, WidgetStates
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1 import element_tree as tree

from ingest import ingest_paths
from kb import KnowledgeBase, load_settings
from tests.conftest import REPO

pytestmark = pytest.mark.slow
PAGES = ("views/sok.py", "views/insatser.py", "views/jamfor.py", "views/evidenskarta.py", "views/utkast.py",
         "views/dokument.py")  # fmt: skip
TEXTS = ("landsbygd", "sjuksköterska", "AT", "", "hyrpersonal kostnader", "<script>x</script>", "((", "ö" * 300,
         "retaining nurses", "  ", "{\"$ne\": 1}", "glesbygd läkare")  # fmt: skip
MAX_ACTIONS = 10

BROWSER: dict[str, WidgetState] = {}  # widget id -> the state the simulated browser sends on every run


@pytest.fixture(scope="module")
def walk_index(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One index for every seed: the seed corpus, ingested once with the real model."""
    index = tmp_path_factory.mktemp("walk") / "index"
    from kb import load_embedder

    settings = load_settings(index=index)
    kb = KnowledgeBase.open(settings, embedder=load_embedder(settings))
    ingest_paths([REPO / "data" / "corpus"], kb)
    kb.close()
    return index


@pytest.fixture
def browser_like(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    original = tree.ElementTree.get_widget_states

    def states(self: tree.ElementTree) -> WidgetStates:
        result = original(self)
        for state in result.widgets:
            if state.id in BROWSER:
                state.CopyFrom(BROWSER[state.id])
        return result

    BROWSER.clear()
    monkeypatch.setattr(tree.ElementTree, "get_widget_states", states)
    yield
    BROWSER.clear()


def _send(widget: Any, **value: Any) -> None:
    state = WidgetState(id=widget.id)
    for name, data in value.items():
        if name == "string_array_value":
            state.string_array_value.data[:] = data
        else:
            setattr(state, name, data)
    BROWSER[widget.id] = state


def _act(at: AppTest, rng: random.Random) -> str:
    """One random user action on the page as it stands; returns what it did (for the failure message)."""
    candidates: list[tuple[str, Any]] = []
    for kind in ("multiselect", "select_slider", "selectbox", "radio", "slider", "text_input", "text_area", "toggle",
                 "checkbox", "button"):  # fmt: skip
        for widget in getattr(at, kind):
            if not getattr(widget, "disabled", False):
                candidates.append((kind, widget))
    candidates.append(("page", None))
    kind, widget = rng.choice(candidates)
    if kind == "page":
        target = rng.choice(PAGES)
        at.switch_page(target)
        return f"switch to {target}"
    if kind == "multiselect":
        options = list(widget.options)
        picked = rng.sample(options, k=min(len(options), rng.choice((0, 1, 1, 2, 3))))
        if widget.max_selections:
            picked = picked[: widget.max_selections]
        _send(widget, string_array_value=picked)
        return f"multiselect {widget.label!r} <- {picked}"
    if kind == "select_slider":
        choice = rng.choice(list(widget.options))
        _send(widget, string_array_value=[choice])
        return f"select_slider {widget.label!r} <- {choice!r}"
    if kind in ("selectbox", "radio"):
        if not widget.options:
            return f"{kind} {widget.label!r} has no options"
        choice = rng.choice(list(widget.options))
        _send(widget, string_value=choice)
        return f"{kind} {widget.label!r} <- {choice!r}"
    if kind == "slider":
        low, high = widget.min, widget.max
        value = rng.randint(int(low), int(high)) if isinstance(low, int) else low
        if isinstance(widget.value, (list, tuple)):
            other = rng.randint(int(low), int(high))
            widget.set_value((min(value, other), max(value, other)))
        else:
            widget.set_value(value)
        return f"slider {widget.label!r} <- {widget.value!r}"
    if kind in ("text_input", "text_area"):
        text = rng.choice(TEXTS)
        widget.input(text) if text else widget.set_value("")
        return f"{kind} {widget.label!r} <- {text[:30]!r}"
    if kind in ("toggle", "checkbox"):
        widget.set_value(not widget.value)
        return f"{kind} {widget.label!r} -> {widget.value}"
    widget.click()
    return f"button {widget.label!r}"


def _problems(at: AppTest) -> list[str]:
    return [e.value for e in at.exception] + [e.value for e in at.error]


def test_random_walks_never_show_an_error(
    walk_index: Path, browser_like: None, monkeypatch: pytest.MonkeyPatch, ui_seed: int
) -> None:
    monkeypatch.setenv("VKB_INDEX", str(walk_index))
    monkeypatch.setenv("VKB_CATALOGUE", str(REPO / "data" / "catalogue"))
    rng = random.Random(ui_seed)
    at = AppTest.from_file(str(REPO / "app" / "Hem.py"), default_timeout=120)
    at.switch_page(rng.choice(PAGES)).run()
    done: list[str] = [f"open {at._page_hash if hasattr(at, '_page_hash') else 'start page'}"]
    assert not _problems(at), f"seed {ui_seed}: {_problems(at)} after {done}"
    for _ in range(rng.randint(1, MAX_ACTIONS)):
        done.append(_act(at, rng))
        at.run()
        assert not _problems(at), f"seed {ui_seed}: {_problems(at)} after {done}"
