"""Layouts: every panel on one screen when wide, tabs when narrow, a notice when too small."""

from __future__ import annotations

from textual import events
from textual.geometry import Size
from textual.screen import Screen
from textual.widgets import Tabs

from microgpt_tui.screens import HelpScreen, TooSmallScreen
from microgpt_tui.screens.steady import SteadySize

from .helpers import NARROW, WIDE, make_app, text_of, wait_for

PANELS = ("loss", "params", "attention", "sampler")


def shown(app) -> set[str]:
    """The panels on screen."""
    return {p for p in PANELS if app.main_screen.query_one(f"#{p}").display}


async def test_wide_shows_every_panel_without_tabs() -> None:
    app = make_app()
    async with app.run_test(size=WIDE):
        assert shown(app) == set(PANELS)
        assert not app.main_screen.query_one(Tabs).display
        for p in PANELS:
            region = app.main_screen.query_one(f"#{p}").region
            assert region.width >= 50 and region.height >= 10


async def test_narrow_uses_tabs() -> None:
    app = make_app()
    async with app.run_test(size=NARROW) as pilot:
        assert app.main_screen.query_one(Tabs).display
        assert shown(app) == {"loss"}
        await pilot.press("3")
        assert shown(app) == {"attention"}
        await pilot.press("s")  # sampling brings its panel forward
        await wait_for(pilot, lambda: shown(app) == {"sampler"})
        await pilot.click("#tab-params")
        await wait_for(pilot, lambda: shown(app) == {"params"})
        assert "total" in text_of(app.main_screen.query_one("#param-table"))


async def test_resizing_switches_layouts_and_the_too_small_notice() -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.resize_terminal(*NARROW)
        await wait_for(pilot, lambda: app.main_screen.query_one(Tabs).display)
        assert shown(app) == {"loss"}
        await pilot.resize_terminal(50, 15)
        await wait_for(pilot, lambda: isinstance(app.screen, TooSmallScreen))
        assert "50×15" in text_of(app.screen.query_one("#too-small-text"))
        await pilot.press("question_mark")  # no help over the notice
        assert isinstance(app.screen, TooSmallScreen)
        await pilot.resize_terminal(20, 8)
        await pilot.resize_terminal(60, 16)
        await wait_for(pilot, lambda: not isinstance(app.screen, TooSmallScreen))
        await pilot.resize_terminal(*WIDE)
        await wait_for(pilot, lambda: shown(app) == set(PANELS))
        assert not app.main_screen.query_one(Tabs).display


async def test_too_small_from_the_start_and_over_a_modal() -> None:
    app = make_app()
    async with app.run_test(size=(40, 10)) as pilot:
        assert isinstance(app.screen, TooSmallScreen)
        await pilot.resize_terminal(*WIDE)
        await wait_for(pilot, lambda: not isinstance(app.screen, TooSmallScreen))
        await pilot.press("f1")
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
        await pilot.resize_terminal(30, 10)
        await wait_for(pilot, lambda: isinstance(app.screen, TooSmallScreen))
        await pilot.resize_terminal(*NARROW)
        await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))


async def test_every_size_renders_without_error() -> None:
    app = make_app(20, paused=False)
    async with app.run_test(size=WIDE) as pilot:
        for size in [(20, 8), (61, 17), (90, 30), (119, 29), (120, 30), (200, 60), (60, 16)]:
            await pilot.resize_terminal(*size)
            await pilot.pause()
        await wait_for(pilot, lambda: app.snapshot.state == "done")


async def test_a_stale_resize_is_dropped_by_every_screen(monkeypatch) -> None:
    """Textual lays a screen out at whatever size a queued resize carries and, when that changes
    its size, posts itself that size again; two sizes queued for the screen under the top one
    then bounce forever (seen as a frozen app under random keys and resizes). Every screen of
    the app drops a resize for a size the terminal no longer has and keeps the current one."""
    laid_out: list[tuple[str, Size]] = []
    original = Screen._on_resize

    async def recorded(screen: Screen, event: events.Resize) -> None:
        laid_out.append((type(screen).__name__, event.size))
        await original(screen, event)

    monkeypatch.setattr(Screen, "_on_resize", recorded)
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("i")  # the dashboard is now the screen under the top one
        await wait_for(pilot, lambda: type(app.screen).__name__ == "InspectorScreen")
        stale, now = Size(47, 32), Size(*WIDE)
        for screen in app.screen_stack:
            laid_out.clear()
            screen.post_message(events.Resize(stale, stale))
            screen.call_later(lambda: None)  # a message between: not combined with the next
            screen.post_message(events.Resize(now, now))
            await pilot.pause()
            await pilot.pause()
            assert (type(screen).__name__, stale) not in laid_out
            assert (type(screen).__name__, now) in laid_out
            assert screen.size == now
        assert all(isinstance(s, SteadySize) for s in app.screen_stack)
