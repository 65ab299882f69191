"""The app driven with Pilot: start, pause, step, done, diverged, quit, reset, save, help."""

from __future__ import annotations

import threading
import time

import numpy as np

from core import Run
from microgpt_tui.app import MicroGPTApp
from microgpt_tui.screens import ConfirmScreen, HelpScreen
from microgpt_tui.widgets import LossPanel, RunHeader

from .helpers import NAMES, WIDE, make_app, make_run, notices, press, step_of, text_of, wait_for


def header_text(app: MicroGPTApp) -> str:
    return text_of(app.main_screen.query_one(RunHeader))


async def test_trains_to_done_and_shows_the_run() -> None:
    app = make_app(30, paused=False)
    async with app.run_test(size=WIDE) as pilot:
        await wait_for(pilot, lambda: app.snapshot.state == "done")
        assert step_of(app) == 30 == app.current_run.trainer.step
        assert "done" in header_text(app) and "30/30" in header_text(app)
        title = header_text(app)
        assert "custom (50 docs)" in title and "preset seed" in title
        assert f"{app.current_run.model.num_params:,} params" in title
        for panel in ("#loss", "#params", "#attention", "#sampler"):
            assert app.main_screen.query_one(panel).display


async def test_pause_stops_the_step_count() -> None:
    app = make_app(1_000_000, paused=False)
    async with app.run_test(size=WIDE) as pilot:
        await wait_for(pilot, lambda: step_of(app) > 5)
        press(app, "space")
        await wait_for(pilot, lambda: app.snapshot.state == "paused")
        stopped = app.current_run.trainer.step
        assert step_of(app) == stopped
        for _ in range(10):
            await pilot.pause(0.02)
        assert app.current_run.trainer.step == stopped == step_of(app)
        assert "paused" in header_text(app)
        press(app, "space")
        await wait_for(pilot, lambda: step_of(app) > stopped + 5)
        assert "running" in header_text(app)


async def test_n_advances_exactly_one_step() -> None:
    app = make_app(100)
    async with app.run_test(size=WIDE) as pilot:
        assert step_of(app) == 0
        await pilot.press("n")
        await wait_for(pilot, lambda: step_of(app) == 1)
        await pilot.press("n", "n", "n")
        await wait_for(pilot, lambda: step_of(app) == 4)
        for _ in range(10):
            await pilot.pause(0.02)
        assert app.current_run.trainer.step == 4 == step_of(app)
        assert app.snapshot.figures.loss is not None


async def test_n_while_running_does_not_queue_steps() -> None:
    app = make_app(1_000_000, paused=False)
    async with app.run_test(size=WIDE) as pilot:
        press(app, "n", "n")
        await wait_for(pilot, lambda: notices(app).count("pause first (space)") == 2)  # refused
        press(app, "space")
        await wait_for(pilot, lambda: app.snapshot.state == "paused")
        stopped = app.current_run.trainer.step
        for _ in range(10):
            await pilot.pause(0.02)
        assert app.current_run.trainer.step == stopped


async def test_done_state_keeps_sampling_and_can_train_more() -> None:
    app = make_app(20, paused=False)
    async with app.run_test(size=WIDE) as pilot:
        await wait_for(pilot, lambda: app.snapshot.state == "done")
        await pilot.press("s")
        await wait_for(pilot, lambda: len(app.main_screen.query_one("#sampler").names) == 1)
        await pilot.press("space", "m")  # paused, then 1,000 more steps
        await wait_for(pilot, lambda: app.snapshot.state == "paused")
        assert app.snapshot.figures.total_steps == 1020
        await pilot.press("n")
        await wait_for(pilot, lambda: step_of(app) == 21)


async def test_diverged_state_keeps_the_app_usable() -> None:
    run = Run.create("seed", NAMES, train={"num_steps": 500, "lr": 1e9, "seed": 1})
    app = MicroGPTApp(run)
    async with app.run_test(size=WIDE) as pilot:
        await wait_for(pilot, lambda: app.snapshot.state == "diverged")
        at = run.trainer.diverged_at
        assert at is not None and app.snapshot.diverged_at == at
        assert f"diverged at step {at}" in header_text(app)
        await pilot.press("s")
        await wait_for(pilot, lambda: len(app.main_screen.query_one("#sampler").names) == 1)
        await pilot.press("m")  # refused with a notice, no crash
        await wait_for(pilot, lambda: len(app._notifications) > 0)
        assert app.snapshot.state == "diverged"


async def test_reset_asks_then_starts_again() -> None:
    app = make_app(100)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("n", "n", "n")
        await wait_for(pilot, lambda: step_of(app) == 3)
        first = app.current_run
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")  # no: nothing changes
        await wait_for(pilot, lambda: not isinstance(app.screen, ConfirmScreen))
        assert app.current_run is first and step_of(app) == 3
        await pilot.press("r")
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("y")
        await wait_for(pilot, lambda: app.current_run is not first)
        assert step_of(app) == 0 and app.current_run.trainer.step == 0
        fresh = make_run(100)
        np.testing.assert_array_equal(app.current_run.model.flat, fresh.model.flat)
        await pilot.press("n")  # still paused; the new run steps
        await wait_for(pilot, lambda: step_of(app) == 1)


async def test_reset_waits_for_the_step_in_progress() -> None:
    app = make_app(100)
    old = app.current_run.trainer
    real_step = old.train_step
    started = threading.Event()

    def slow():
        started.set()
        time.sleep(1.0)
        return real_step()

    old.train_step = slow
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("n")
        await wait_for(pilot, started.is_set)
        press(app, "r")  # no wait for an idle CPU: the step is still asleep
        await wait_for(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        press(app, "y")
        await wait_for(pilot, lambda: app.current_run.trainer is not old)
        at_reset = old.step
        await pilot.pause(0.5)
        assert old.step == at_reset == 1  # the step ended before the reset, none after


async def test_save_writes_a_loadable_checkpoint(tmp_path) -> None:
    path = tmp_path / "ck.npz"
    app = make_app(100, save_path=str(path))
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("n", "n")
        await wait_for(pilot, lambda: step_of(app) == 2)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: path.exists())
    run = Run.load(path, data=NAMES)
    assert run.trainer.step == 2
    np.testing.assert_array_equal(run.model.flat, app.current_run.model.flat)


async def test_save_defaults_to_the_working_directory(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    app = make_app(100)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("n")
        await wait_for(pilot, lambda: step_of(app) == 1)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: (tmp_path / "microgpt-seed-step1.npz").exists())


async def test_help_opens_and_closes() -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        for key in ("question_mark", "f1"):
            await pilot.press(key)
            await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
            text = text_of(app.screen.query_one("#help-keys"))
            assert "Train exactly one step" in text
            await pilot.press("escape")
            await wait_for(pilot, lambda: not isinstance(app.screen, HelpScreen))


async def test_palette_offers_every_command() -> None:
    app = make_app()
    async with app.run_test(size=WIDE):
        titles = {c.title for c in app.get_system_commands(app.screen)}
        for title in ("Pause / resume", "Step", "Sample a name", "Reset", "Save checkpoint"):
            assert title in titles
        assert "Theme" in titles


async def test_loss_panel_shows_dashes_before_any_step() -> None:
    app = make_app()
    async with app.run_test(size=WIDE):
        panel = app.main_screen.query_one(LossPanel)
        figures = text_of(panel.query_one("#loss-figures"))
        assert "loss —" in figures and "ln(28) 3.33" in figures
        assert "— steps/s" in text_of(panel.query_one("#loss-train"))
        assert app.main_screen.query_one(RunHeader)


async def test_loaded_checkpoint_opens_at_its_step(tmp_path) -> None:
    run = make_run(40)
    for _ in range(7):
        run.trainer.train_step()
    path = run.save(tmp_path / "ck.npz")
    app = MicroGPTApp(Run.load(path, data=NAMES), paused=True)
    async with app.run_test(size=WIDE) as pilot:
        assert step_of(app) == 7 and "7/40" in header_text(app)
        await pilot.press("n")
        await wait_for(pilot, lambda: step_of(app) == 8)


async def test_save_after_done(tmp_path) -> None:
    path = tmp_path / "done.npz"
    app = make_app(15, paused=False, save_path=str(path))
    async with app.run_test(size=WIDE) as pilot:
        await wait_for(pilot, lambda: app.snapshot.state == "done")
        await pilot.press("ctrl+s")
        await wait_for(pilot, path.exists)
    assert Run.load(path, data=NAMES).trainer.step == 15


async def test_built_in_themes_render() -> None:
    app = make_app(10, paused=False)
    async with app.run_test(size=WIDE) as pilot:
        for theme in sorted(app.available_themes):
            app.theme = theme
            await pilot.pause()
            assert text_of(app.main_screen.query_one(RunHeader)).strip()
        await wait_for(pilot, lambda: app.snapshot.state == "done")
