"""The map of the concepts (c): the document's 29 sections, each with keys that exist and lead
where the map says, both typed from the dashboard and chosen in the map with enter."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from microgpt_tui.concepts import CONCEPTS, Concept
from microgpt_tui.keymap import bindings
from microgpt_tui.screens import HelpScreen
from microgpt_tui.screens.concepts import ConceptsScreen
from microgpt_tui.screens.inspector import InspectorScreen
from microgpt_tui.screens.views import ViewsScreen
from microgpt_tui.widgets import AttentionPanel, SamplerPanel

from .helpers import NARROW, make_app, press, text_of, wait_for

DOCUMENT = Path(__file__).resolve().parents[3] / "shared" / "seed" / "PREREQUISITES.md"
SCREEN_KEYS = {ViewsScreen: [b.key for b in ViewsScreen.BINDINGS]}


def test_every_section_of_the_document_is_listed_once() -> None:
    assert [c.number for c in CONCEPTS] == list(range(1, 30))
    assert all(c.keys and c.action and c.place and c.shows for c in CONCEPTS)
    if not DOCUMENT.exists():
        pytest.skip("the document is not beside the repository")
    headings = re.findall(r"^## (\d+)\. (.+)$", DOCUMENT.read_text(encoding="utf-8"), re.M)
    titles = {int(n): t.split(" — ")[0].strip() for n, t in headings if int(n) <= 29}
    assert {c.number: c.title for c in CONCEPTS} == titles


def test_every_listed_key_is_a_binding() -> None:
    app_keys = {k for b in bindings() for k in b.key.split(",")}
    view_keys = {k for b in ViewsScreen.BINDINGS for k in b.key.split(",")}
    for c in CONCEPTS:
        first, *rest = c.keys.split()
        assert first in app_keys, c
        for key in rest:  # keys after v are the live views' own
            assert c.keys.startswith("v ") and key in view_keys, c


def arrived(app, place: str, *, focused: bool) -> bool:
    """Whether the app shows `place`; `focused`: the inspector marks the section too."""
    kind, _, what = place.partition(":")
    screen = app.screen
    if kind == "inspector":
        if not (isinstance(screen, InspectorScreen) and screen.is_mounted):
            return False
        if what and focused:
            return screen.query_one(f"#sec-{what}").has_class("-focus")
        return not what or screen.query_one(f"#sec-{what}").display
    if kind == "views":
        return isinstance(screen, ViewsScreen) and screen.is_mounted and screen.tab == what
    if kind == "dashboard":
        return screen is app.main_screen and app.main_screen.query_one(f"#{what}").has_class(
            "-active"
        )
    raise AssertionError(place)


def effect(app, what: str):
    """A test of what a "does:" concept does, made before it is done."""
    main = app.main_screen
    if what == "step":
        step = app.snapshot.figures.step
        return lambda: app.snapshot.figures.step == step + 1
    if what == "sample":
        n = len(main.query_one(SamplerPanel).names)
        return lambda: len(main.query_one(SamplerPanel).names) > n
    if what == "head":
        head = main.query_one(AttentionPanel).head_index
        return lambda: main.query_one(AttentionPanel).head_index != head
    if what == "pause":
        paused = app.loop.paused
        return lambda: app.loop.paused != paused
    raise AssertionError(what)


async def back_to_the_dashboard(pilot, app) -> None:
    while len(app.screen_stack) > 1:
        app.pop_screen()
    await wait_for(pilot, lambda: app.screen is app.main_screen)
    if not app.loop.paused:  # after "space": pause again, so n steps once
        app.loop.pause()
        await wait_for(pilot, lambda: app.snapshot.state == "paused")


async def check(pilot, app, c: Concept, go, *, focused: bool) -> None:
    """Do `go` and wait until the app is where (or has done what) `c` says."""
    kind, _, what = c.place.partition(":")
    if kind == "does":
        done = effect(app, what)
        await go()
        await wait_for(pilot, done)
    else:
        await go()
        await wait_for(pilot, lambda: arrived(app, c.place, focused=focused))


def distinct(key) -> list[Concept]:
    """One concept for each value of `key` (several concepts share a view)."""
    seen: dict = {}
    for c in CONCEPTS:
        seen.setdefault(key(c), c)
    return list(seen.values())


async def test_each_concepts_keys_lead_where_the_map_says() -> None:
    app = make_app(1_000_000)
    async with app.run_test(size=NARROW) as pilot:
        for c in distinct(lambda c: (c.keys, c.place)):

            async def typed(c=c) -> None:
                press(app, *c.keys.split())

            await check(pilot, app, c, typed, focused=False)
            await back_to_the_dashboard(pilot, app)


async def test_each_concepts_action_goes_there() -> None:
    app = make_app(1_000_000)
    async with app.run_test(size=NARROW) as pilot:
        for c in distinct(lambda c: c.action):

            async def act(c=c) -> None:
                await app.run_action(c.action)

            await check(pilot, app, c, act, focused=True)
            await back_to_the_dashboard(pilot, app)


async def test_enter_in_the_map_runs_the_concepts_action() -> None:
    app = make_app(1_000_000)
    async with app.run_test(size=NARROW) as pilot:
        for c in (CONCEPTS[25], CONCEPTS[15], CONCEPTS[13]):  # a section, a view, an action
            await pilot.press("c")
            await wait_for(pilot, lambda: isinstance(app.screen, ConceptsScreen))

            async def choose(c=c) -> None:
                app.screen.query_one("#concepts-list").highlighted = c.number - 1
                await pilot.press("enter")

            await check(pilot, app, c, choose, focused=True)
            await back_to_the_dashboard(pilot, app)


async def test_the_help_screen_points_to_the_map() -> None:
    app = make_app()
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        assert "29 concepts" in text_of(app.screen.query_one("#help-keys"))
        await pilot.press("escape", "c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConceptsScreen))
        assert "29 concepts" in app.screen.query_one("Vertical").border_title
