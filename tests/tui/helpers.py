"""Shared helpers for the app tests: small seeded runs and a bounded wait on a condition."""

from __future__ import annotations

import time
from collections.abc import Callable

from textual import events
from textual.drivers.headless_driver import HeadlessDriver
from textual.geometry import Region, Size
from textual.keys import key_to_character
from textual.pilot import Pilot
from textual.widget import Widget

from core import Run
from microgpt_tui.app import MicroGPTApp

# 50 names using every letter a-z (vocab 28, as on the bundled names)
NAMES = [
    "emma", "olivia", "ava", "isabella", "sophia", "mia", "charlotte", "amelia", "harper", "evelyn",
    "liam", "noah", "william", "james", "oliver", "benjamin", "elijah", "lucas", "mason", "logan",
    "jo", "ed", "christopher", "maximiliano", "zoe", "quinn", "kyle", "xavier", "yusuf", "bo",
    "aria", "luna", "nora", "hazel", "ellie", "stella", "aurora", "violet", "ivy", "ruby",
    "jack", "owen", "leo", "finn", "hugo", "felix", "jasper", "ezra", "theo", "kai",
]  # fmt: skip

WIDE = (120, 40)
NARROW = (80, 24)


def make_run(steps: int = 50, *, model: dict | None = None, **train) -> Run:
    """A small seeded run of the seed preset on NAMES."""
    return Run.create(
        "seed", NAMES, model=model, train={"num_steps": steps, "seed": 1, "eval_every": 0, **train}
    )


def make_app(
    steps: int = 50, *, paused: bool = True, save_path: str | None = None, **kw
) -> MicroGPTApp:
    """The app on a small run, paused unless asked otherwise, training at full speed."""
    return MicroGPTApp(make_run(steps, **kw), paused=paused, save_path=save_path, speed=None)


async def wait_for(pilot: Pilot, condition: Callable[[], bool], timeout: float = 10.0) -> None:
    """Let the app run until `condition()` holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await pilot.pause(0.01)


def press(app: MicroGPTApp, *keys: str) -> None:
    """Send key presses without Pilot's wait for an idle CPU (training keeps the CPU busy)."""
    for key in keys:
        app.post_message(events.Key(key, key_to_character(key)))


def resize(app: MicroGPTApp, width: int, height: int) -> None:
    """`Pilot.resize_terminal` without its wait for an idle CPU (as `press` for keys)."""
    size = Size(width, height)
    if isinstance(app._driver, HeadlessDriver):
        app._driver._size = size
    app.post_message(events.Resize(size, size))


def step_of(app: MicroGPTApp) -> int:
    """The step the app shows."""
    return app.snapshot.figures.step


def text_of(widget: Widget) -> str:
    """The text a widget shows now (its lines joined), for assertions."""
    width, height = widget.outer_size
    return "\n".join(strip.text for strip in widget.render_lines(Region(0, 0, width, height)))


def notices(app: MicroGPTApp) -> str:
    """The messages of the notifications shown so far, one per line."""
    return "\n".join(str(n.message) for n in app._notifications)


async def step_once(pilot: Pilot) -> None:
    """Press n (training paused) and wait until the app shows step 1 and its live histories
    (health, per-character losses) hold it."""
    app = pilot.app
    await pilot.press("n")
    await wait_for(pilot, lambda: step_of(app) == 1 and len(app.health.steps) == 2)
