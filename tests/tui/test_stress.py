"""The app under abuse while it trains: thousands of random bound keys with prompts opening and
closing and resizes down to 20x8, every size from 20x8 up, and quitting mid-training.
"""

from __future__ import annotations

import os
import random
import time

import pytest
from textual.message_pump import MessagePump
from textual.pilot import Pilot

from microgpt_tui.app import MIN_SIZE, MicroGPTApp
from microgpt_tui.keymap import bindings
from microgpt_tui.screens import QuitScreen, TooSmallScreen

from .helpers import WIDE, make_app, press, resize, step_of, wait_for

NUM_KEYS = 3000
BATCH = 50  # events posted before waiting for the app to handle them
QUIT_KEYS = {"q", "ctrl+c", "ctrl+q"}  # the quit question is driven on purpose, below
BOUND = sorted({k for b in bindings() for k in b.key.split(",")} - QUIT_KEYS)  # i, v, c, E too
EXTRA = ["escape", "enter", "tab", "backspace", "y", "n"]  # the modal screens' keys
EXTRA += ["left", "right", "up", "down", "pageup", "pagedown", "home", "end"]  # the inside views'
LETTERS = [c for c in "abcdefghijklmnopqrstuvwxyz" if c not in QUIT_KEYS]  # for prompts
QUIT_LATENCY = 1.0  # seconds from the last key of a quit to the app gone


async def drained(pilot: Pilot, pump: MessagePump) -> None:
    """Wait until `pump` (the app or a screen) has handled what was posted to it so far."""
    app, handled = pilot.app, []
    pump.call_later(handled.append, True)
    # a screen closed meanwhile never runs it: its keys went with it
    await wait_for(pilot, lambda: bool(handled) or pump not in (app, *app.screen_stack))


async def settle(pilot: Pilot) -> None:
    """Wait until the app has handled everything posted so far (no wait for an idle CPU): the
    app forwards each key to the screen's queue, so both queues are waited on, twice over."""
    for _ in range(2):
        for pump in (pilot.app, pilot.app.screen):
            await drained(pilot, pump)


def alive(app: MicroGPTApp) -> bool:
    return app.is_running and app.return_code is None


async def ask_to_quit_then_stay(pilot: Pilot, cancel: str) -> bool:
    """Hold training, let every queued key land, close what is open, make a step unsaved if
    need be, press q, cancel; training goes on as before. False if the run has ended."""
    app = pilot.app
    was_paused = app.loop.paused
    app.loop.pause()
    await settle(pilot)  # training held, every key handled
    await wait_for(pilot, lambda: app.snapshot.state != "running")  # the held step is shown
    for _ in range(10):
        if app.screen is app.main_screen or isinstance(app.screen, TooSmallScreen):
            break
        await pilot.press("escape")
    assert app.screen is app.main_screen or isinstance(app.screen, TooSmallScreen), app.screen
    asked = app.snapshot.state == "paused"
    if asked:
        if app._unsaved_step() is None:
            await pilot.press("n")
            await wait_for(pilot, lambda: app._unsaved_step() is not None)
        await pilot.press("q")  # over the too-small notice too
        assert isinstance(app.screen, QuitScreen)
        await pilot.press(cancel)
        assert not isinstance(app.screen, QuitScreen) and app.loop.paused
    if not was_paused:
        app.loop.resume()
    return asked


async def test_thousands_of_random_keys_and_resizes(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)  # whatever a key writes lands here
    rng = random.Random(int(os.environ.get("STRESS_SEED", "5")))  # STRESS_SEED=k: other keys
    app = make_app(1_000_000, paused=False, save_path=str(tmp_path / "ck.npz"))
    keys = resizes = quit_questions = 0
    async with app.run_test(size=WIDE) as pilot:
        await wait_for(pilot, lambda: step_of(app) > 0)
        while keys < NUM_KEYS:
            for _ in range(BATCH):
                roll = rng.random()
                if roll < 0.03:
                    resize(app, rng.randint(20, 140), rng.randint(8, 45))
                    resizes += 1
                    continue
                pool = BOUND if roll < 0.75 else EXTRA if roll < 0.85 else LETTERS
                press(app, rng.choice(pool))
                keys += 1
            await settle(pilot)
            assert alive(app), f"the app stopped after {keys} keys"
            if keys % 1000 < BATCH:
                quit_questions += await ask_to_quit_then_stay(pilot, rng.choice(["c", "escape"]))
        resize(app, *WIDE)
        app.loop.pause()  # hold training until every queued key has landed
        await pilot.pause()
        for _ in range(10):  # close whatever is open (help, a prompt, a view)
            if app.screen is app.main_screen:
                break
            await pilot.press("escape")
        assert app.screen is app.main_screen and alive(app)
        app.loop.resume()
        await wait_for(pilot, lambda: app.snapshot.state != "paused")
        start = time.perf_counter()
        press(app, "q")
        await wait_for(pilot, lambda: isinstance(app.screen, QuitScreen) or not app.is_running)
        asked = time.perf_counter() - start
        start = time.perf_counter()
        press(app, "n")
        await wait_for(pilot, lambda: not app.is_running)
        latency = time.perf_counter() - start
    assert asked < QUIT_LATENCY and latency < QUIT_LATENCY
    assert keys >= NUM_KEYS and resizes > 50 and quit_questions >= 2


def every_size() -> list[tuple[int, int]]:
    """Every width from 20 to 120 at the layout thresholds' heights, every height from 8 to 40
    at the thresholds' widths, and a walk over both in steps across the rest."""
    widths, heights = range(20, 121), range(8, 41)
    sizes = [(w, h) for h in (8, 15, 16, 29, 30, 40) for w in widths]
    sizes += [(w, h) for w in (20, 59, 60, 119, 120) for h in heights]
    sizes += [(w, h) for h in heights for w in range(20 + h % 7, 121, 7)]
    return list(dict.fromkeys(sizes))  # 1,110 sizes, each once


async def test_every_size_from_20x8_while_training() -> None:
    app = make_app(1_000_000, paused=False)
    async with app.run_test(size=WIDE) as pilot:
        sizes = every_size()
        for i, size in enumerate(sizes):
            resize(app, *size)
            if i % 50 == 0:
                await settle(pilot)
                assert alive(app)
        await settle(pilot)
        (w, h), (min_w, min_h) = sizes[-1], MIN_SIZE
        assert isinstance(app.screen, TooSmallScreen) == (w < min_w or h < min_h)
        resize(app, *WIDE)
        await wait_for(pilot, lambda: app.screen is app.main_screen)
        moved = step_of(app)
        await wait_for(pilot, lambda: step_of(app) > moved)  # still training
        assert alive(app) and app.snapshot.state == "running"


@pytest.mark.parametrize("answer", ["n", "y"])
async def test_quitting_mid_training_is_prompt(tmp_path, answer: str) -> None:
    path = tmp_path / "ck.npz"
    app = make_app(1_000_000, paused=False, save_path=str(path))
    async with app.run_test(size=WIDE) as pilot:
        await wait_for(pilot, lambda: step_of(app) > 50)
        asked = time.perf_counter()
        press(app, "q")
        await wait_for(pilot, lambda: isinstance(app.screen, QuitScreen))
        shown = time.perf_counter() - asked
        start = time.perf_counter()
        press(app, answer)  # n: quit; y: save, then quit
        await wait_for(pilot, lambda: not app.is_running)
        latency = time.perf_counter() - start
    assert shown < QUIT_LATENCY and latency < QUIT_LATENCY
    assert path.exists() == (answer == "y")
