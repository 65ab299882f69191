"""Save, quit and keep going: the quit question, a trainer that raises, autosave, the speed keys."""

from __future__ import annotations

import time

import numpy as np

from core import Run
from microgpt_tui.app import MicroGPTApp
from microgpt_tui.screens import QuitScreen
from microgpt_tui.speed import SPEEDS, next_speed, parse_speed
from microgpt_tui.widgets import RunHeader

from .helpers import NAMES, WIDE, make_app, make_run, notices, press, step_of, text_of, wait_for

# --- quitting ---


async def test_quit_with_nothing_new_exits_at_once(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("q")
        await wait_for(pilot, lambda: not app.is_running)
    assert not list(tmp_path.iterdir())


async def test_quit_asks_when_unsaved_cancel_then_no(tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    app = make_app(100)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("n", "n")
        await wait_for(pilot, lambda: step_of(app) == 2)
        for cancel in ("c", "escape"):
            await pilot.press("q")
            await wait_for(pilot, lambda: isinstance(app.screen, QuitScreen))
            text = "\n".join(text_of(w) for w in app.screen.query("Static"))
            assert "step 2 " in text and "(y)es / (n)o / (c)ancel" in text
            assert "microgpt-seed-step2.npz" in text
            await pilot.press(cancel)
            await wait_for(pilot, lambda: not isinstance(app.screen, QuitScreen))
            assert app.is_running and app.loop.paused  # paused before, paused after
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, QuitScreen))
        await pilot.press("n")
        await wait_for(pilot, lambda: not app.is_running)
    assert not list(tmp_path.iterdir())  # nothing written


async def test_quit_and_save_pauses_then_writes_the_step_it_names(tmp_path, capsys) -> None:
    path = tmp_path / "end.npz"
    app = make_app(1_000_000, paused=False, save_path=str(path))
    async with app.run_test(size=WIDE) as pilot:
        await wait_for(pilot, lambda: step_of(app) > 5)
        press(app, "q")
        await wait_for(pilot, lambda: isinstance(app.screen, QuitScreen))
        asked = app.screen.step
        assert app.loop.paused and app.current_run.trainer.step == asked
        press(app, "y")
        await wait_for(pilot, lambda: not app.is_running)
    assert Run.load(path, data=NAMES).trainer.step == asked
    said = capsys.readouterr().err.replace("\n", "")  # printed on exit (wrapped to a width)
    assert f"saved step {asked:,} to {path}" in said


async def test_cancel_resumes_training_that_was_running() -> None:
    app = make_app(1_000_000, paused=False)
    async with app.run_test(size=WIDE) as pilot:
        await wait_for(pilot, lambda: step_of(app) > 5)
        press(app, "q")
        await wait_for(pilot, lambda: isinstance(app.screen, QuitScreen))
        held = app.current_run.trainer.step
        press(app, "c")
        await wait_for(pilot, lambda: app.snapshot.state == "running" and step_of(app) > held)


async def test_no_question_after_a_save(tmp_path) -> None:
    app = make_app(100, save_path=str(tmp_path / "ck.npz"))
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("n")
        await wait_for(pilot, lambda: step_of(app) == 1)
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: (tmp_path / "ck.npz").exists())
        await pilot.press("q")
        await wait_for(pilot, lambda: not app.is_running)


async def test_no_question_at_the_loaded_step(tmp_path) -> None:
    run = make_run(40)
    for _ in range(3):
        run.trainer.train_step()
    app = MicroGPTApp(Run.load(run.save(tmp_path / "ck.npz"), data=NAMES), paused=True)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("q")
        await wait_for(pilot, lambda: not app.is_running)


async def test_ctrl_c_and_ctrl_q_ask_like_q() -> None:
    app = make_app(100)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("n")
        await wait_for(pilot, lambda: step_of(app) == 1)
        for key in ("ctrl+c", "ctrl+q"):
            await pilot.press(key)
            await wait_for(pilot, lambda: isinstance(app.screen, QuitScreen))
            await pilot.press(key)  # a second press leaves the question up
            assert isinstance(app.screen, QuitScreen)
            await pilot.press("escape")
            await wait_for(pilot, lambda: not isinstance(app.screen, QuitScreen))
        assert app.is_running


async def test_quit_is_asked_over_the_too_small_notice() -> None:
    app = make_app(100)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("n")
        await wait_for(pilot, lambda: step_of(app) == 1)
        await pilot.resize_terminal(20, 8)
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, QuitScreen))
        await pilot.resize_terminal(*WIDE)  # the notice goes; the question is cancelled
        await wait_for(pilot, lambda: app.screen is app.main_screen)
        await pilot.resize_terminal(20, 8)
        await pilot.press("q")
        await wait_for(pilot, lambda: isinstance(app.screen, QuitScreen))
        await pilot.press("n")
        await wait_for(pilot, lambda: not app.is_running)


# --- a trainer that raises ---


async def test_an_exception_in_training_stops_it_and_keeps_the_app(tmp_path) -> None:
    app = make_app(1_000_000, paused=False, save_path=str(tmp_path / "ck.npz"))
    trainer = app.current_run.trainer
    real_step = trainer.train_step

    def failing():
        if trainer.step == 7:
            raise ZeroDivisionError("injected fault")
        return real_step()

    trainer.train_step = failing
    async with app.run_test(size=WIDE) as pilot:
        await wait_for(pilot, lambda: app.snapshot.state == "error")
        assert step_of(app) == 7 and app.snapshot.error == "ZeroDivisionError: injected fault"
        assert "✗ error" in text_of(app.main_screen.query_one(RunHeader))
        assert "training stopped: ZeroDivisionError: injected fault" in notices(app)
        await pilot.press("s")  # sampling, saving and reset still work
        await wait_for(pilot, lambda: len(app.main_screen.query_one("#sampler").names) == 1)
        await pilot.press("ctrl+s")
        await wait_for(pilot, (tmp_path / "ck.npz").exists)
        await pilot.press("m", "n")  # refused, no crash
        assert app.snapshot.state == "error" and trainer.step == 7
        await wait_for(pilot, lambda: "reset (r) to train again" in notices(app))
        assert "training is error" in notices(app)  # n: nothing to step
        await pilot.press("r")
        press(app, "y")  # training starts again at once: no wait for an idle CPU
        await wait_for(pilot, lambda: app.current_run.trainer is not trainer)
        await wait_for(pilot, lambda: step_of(app) > 20)
        assert app.snapshot.state == "running" and app.is_running
    assert Run.load(tmp_path / "ck.npz", data=NAMES).trainer.step == 7


async def test_a_failing_training_worker_is_told_not_fatal() -> None:
    app = make_app(100, paused=False)

    def broken():
        raise RuntimeError("snapshot failed\nsecond line")

    app.loop.snapshot = broken  # the worker's own code fails, not a step
    async with app.run_test(size=WIDE) as pilot:
        await wait_for(pilot, lambda: "training stopped" in notices(app))
        assert "training stopped: RuntimeError: snapshot failed" in notices(app)
        assert "second line" not in notices(app)
        assert "✗ error" in text_of(app.main_screen.query_one(RunHeader))
        await pilot.press("s")
        await wait_for(pilot, lambda: len(app.main_screen.query_one("#sampler").names) == 1)
        assert app.is_running


# --- autosave ---


async def test_autosave_every_k_steps_and_at_the_end(tmp_path) -> None:
    path = tmp_path / "auto.npz"
    run = make_run(25)
    app = MicroGPTApp(run, autosave=str(path), autosave_every=10, speed=None)
    async with app.run_test(size=WIDE) as pilot:
        await wait_for(pilot, lambda: app.snapshot.state == "done")
        await wait_for(pilot, lambda: app.snapshot.autosaved_step == 25)
        assert "autosaved step 25" in text_of(app.main_screen.query_one("#loss-status"))
        assert not app._notifications  # quietly
        await pilot.press("q")  # the autosave holds step 25: no question
        await wait_for(pilot, lambda: not app.is_running)
    saved = Run.load(path, data=NAMES)
    assert saved.trainer.step == 25
    np.testing.assert_array_equal(saved.model.flat, run.model.flat)


async def test_autosave_steps_match_k(tmp_path, monkeypatch) -> None:
    import microgpt_tui.autosave as autosave_module

    written: list[int] = []
    real_save = autosave_module.save_checkpoint

    def spy(path, ckpt):
        written.append(ckpt.step)
        return real_save(path, ckpt)

    monkeypatch.setattr(autosave_module, "save_checkpoint", spy)
    app = MicroGPTApp(make_run(35), autosave=str(tmp_path / "a.npz"), autosave_every=10, speed=None)
    async with app.run_test(size=WIDE) as pilot:
        await wait_for(pilot, lambda: app.snapshot.state == "done")
    assert written == [10, 20, 30, 35]


async def test_a_failing_autosave_is_told_once_and_training_goes_on(tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    app = MicroGPTApp(
        make_run(40), autosave=str(blocker / "auto.npz"), autosave_every=5, speed=None
    )
    async with app.run_test(size=WIDE) as pilot:
        await wait_for(pilot, lambda: app.snapshot.state == "done")
        assert step_of(app) == 40
        assert "autosave failed" in text_of(app.main_screen.query_one("#loss-status"))
        assert len(app._notifications) == 1


# --- speed ---


def test_speed_ladder_and_parsing() -> None:
    assert SPEEDS[-1] is None and next_speed(None, 1) is None and next_speed(10, -1) == 10
    assert next_speed(100, 1) == 300 and next_speed(100, -1) == 30 and next_speed(None, -1) == 1000
    assert next_speed(50, 1) == 100 and next_speed(50, -1) == 30  # an odd --speed joins the ladder
    assert parse_speed("max") is None and parse_speed("2.5") == 2.5
    for bad in ("0", "-1", "nan", "inf", "fast"):
        try:
            parse_speed(bad)
        except ValueError:
            continue
        raise AssertionError(f"accepted {bad}")


async def test_speed_keys_limit_the_step_rate() -> None:
    app = MicroGPTApp(make_run(1_000_000), speed=30)
    async with app.run_test(size=WIDE) as pilot:
        status = app.main_screen.query_one("#loss-status")
        assert "speed ≤ 30 steps/s" in text_of(status)
        await wait_for(pilot, lambda: step_of(app) >= 3)
        start, t0 = app.current_run.trainer.step, time.perf_counter()
        await pilot.pause(0.5)
        rate = (app.current_run.trainer.step - start) / (time.perf_counter() - t0)
        assert 10 < rate < 45  # about 30 steps/s, not thousands
        press(app, "greater_than_sign")
        await wait_for(pilot, lambda: "≤ 100" in text_of(status))
        press(app, "full_stop")
        await wait_for(pilot, lambda: "≤ 300" in text_of(status))
        press(app, "greater_than_sign", "greater_than_sign")  # 1000, then max
        await wait_for(pilot, lambda: "speed max" in text_of(status))
        assert app.speed is None and app.loop.speed is None
        fast = app.current_run.trainer.step
        await wait_for(pilot, lambda: app.current_run.trainer.step > fast + 1000)
        press(app, "less_than_sign", "comma")
        await wait_for(pilot, lambda: "≤ 300" in text_of(status))
        assert app.speed == 300


async def test_a_slow_speed_does_not_delay_pause_or_quit() -> None:
    """At 1 step/s the worker spends each second waiting for the next step: pause, single steps
    and quitting must not wait for it (each check's 0.3-0.5 s is well under the 1 s interval)."""
    app = MicroGPTApp(make_run(1_000_000), speed=1)
    trainer = app.current_run.trainer
    async with app.run_test(size=WIDE) as pilot:
        # steps 1 and 2 come at once (the timetable lets one step catch up); step 3 ~1 s later
        await wait_for(pilot, lambda: step_of(app) >= 1 and trainer.step == 2)
        assert app.snapshot.state == "running"
        start = time.perf_counter()
        press(app, "space")
        await wait_for(pilot, lambda: app.snapshot.state == "paused", timeout=0.3)
        assert time.perf_counter() - start < 0.3
        assert step_of(app) == trainer.step == 2
        # single steps are not held to the speed limit's timetable (the next is ~1 s away)
        for stepped in (2, 3):
            start = time.perf_counter()
            press(app, "n")
            await wait_for(pilot, lambda stepped=stepped: step_of(app) == stepped + 1, timeout=0.5)
            assert time.perf_counter() - start < 0.5
        press(app, "space")  # running again: the worker waits for step 5's time
        await wait_for(pilot, lambda: not app.loop.paused, timeout=0.5)
        start = time.perf_counter()
        press(app, "q")  # step 4 is not saved: the question comes, at once
        await wait_for(pilot, lambda: isinstance(app.screen, QuitScreen), timeout=0.5)
        press(app, "n")
        await wait_for(pilot, lambda: not app.is_running, timeout=0.5)
        assert time.perf_counter() - start < 0.5
    assert trainer.step == 4


def test_cli_options_reach_the_app(tmp_path) -> None:
    from microgpt_tui.cli import build_app, build_parser

    auto = str(tmp_path / "auto.npz")
    args = build_parser().parse_args(["--autosave", auto, "--autosave-every", "7", "--speed", "30"])
    app = build_app(args, make_run())
    assert (app.autosave_path, app.autosave_every, app.speed) == (auto, 7, 30)
    assert app.loop.speed == 30 and app.loop.autosave.every == 7
    assert build_parser().parse_args([]).speed == 100
    assert build_parser().parse_args(["--speed", "max"]).speed is None
