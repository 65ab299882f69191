"""A failure anywhere in the training worker, not only in a step (a snapshot, an autosave write),
stops training in the error state: the loop, the app's snapshot and every control agree."""

from __future__ import annotations

from core import Checkpoint
from microgpt_tui.app import MicroGPTApp
from microgpt_tui.autosave import Autosave
from microgpt_tui.training import TrainingLoop

from .helpers import WIDE, make_app, make_run, notices, press, wait_for
from .test_training import Driven, until


def fail_once(real, message: str):
    """`real`, except that its first call raises RuntimeError(message)."""
    calls = []

    def wrapper(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError(message)
        return real(*args, **kwargs)

    return wrapper


def test_a_failing_snapshot_stops_the_loop_in_the_error_state() -> None:
    run = make_run(10_000)
    loop = TrainingLoop(run, paused=True)
    loop.snapshot = fail_once(loop.snapshot, "snapshot failed")
    with Driven(loop) as d:
        until(lambda: d.posts and d.last.state == "error")
        until(lambda: not d.thread.is_alive())  # nothing more to do
    assert loop.state() == "error" and loop.error == "RuntimeError: snapshot failed"
    assert d.last.error == "RuntimeError: snapshot failed"
    assert not loop.step_once() and run.trainer.step == 0


def test_a_failing_copy_for_the_autosave_stops_the_loop(tmp_path) -> None:
    run = make_run(10_000)
    loop = TrainingLoop(run, autosave=Autosave(str(tmp_path / "a.npz"), 5))
    run.checkpoint = fail_once(run.checkpoint, "no copy")
    with Driven(loop) as d:
        until(lambda: d.posts and d.last.state == "error")
        assert run.trainer.step == 5 and d.last.figures.step == 5
        assert d.last.error == "RuntimeError: no copy" and not loop.step_once()


async def test_a_snapshot_failing_once_leaves_every_control_in_the_error_state() -> None:
    app = make_app(100)  # paused: the worker's first act is a snapshot
    app.loop.snapshot = fail_once(app.loop.snapshot, "snapshot failed")
    trainer = app.current_run.trainer
    async with app.run_test(size=WIDE) as pilot:
        await wait_for(pilot, lambda: app.snapshot.state == "error")
        assert app.loop.state() == "error"
        assert "training stopped: RuntimeError: snapshot failed" in notices(app)
        press(app, "m", "n")  # both refused: no more steps, no step taken
        await wait_for(pilot, lambda: "reset (r) to train again" in notices(app))
        await wait_for(pilot, lambda: "training is error" in notices(app))
        await pilot.pause(0.1)
        assert trainer.config.num_steps == 100 and trainer.step == 0
        assert app.loop.state() == "error" and app.snapshot.state == "error"


async def test_an_autosave_write_failing_unexpectedly_stops_training(tmp_path, monkeypatch) -> None:
    import microgpt_tui.autosave as autosave_module

    written: list[int] = []
    real_save = autosave_module.save_checkpoint

    def save(path: str, ckpt: Checkpoint):
        written.append(ckpt.step)
        if len(written) == 1:
            raise RuntimeError("not a CheckpointError")
        return real_save(path, ckpt)

    monkeypatch.setattr(autosave_module, "save_checkpoint", save)
    app = MicroGPTApp(
        make_run(10_000), autosave=str(tmp_path / "a.npz"), autosave_every=5, speed=None
    )
    trainer = app.current_run.trainer
    async with app.run_test(size=WIDE) as pilot:
        await wait_for(pilot, lambda: app.snapshot.state == "error")
        assert app.loop.state() == "error" and trainer.step == 5 and written == [5]
        assert "training stopped: RuntimeError: not a CheckpointError" in notices(app)
        press(app, "m", "n")
        await wait_for(pilot, lambda: "reset (r) to train again" in notices(app))
        await wait_for(pilot, lambda: "training is error" in notices(app))
        await pilot.pause(0.1)
        assert trainer.config.num_steps == 10_000 and trainer.step == 5


def test_a_step_error_still_keeps_the_worker_waiting() -> None:
    """The trainer's own exceptions stop training as before, the worker alive until cancelled."""
    run = make_run(10_000)
    real_step = run.trainer.train_step

    def failing():
        if run.trainer.step == 3:
            raise ZeroDivisionError("injected")
        return real_step()

    run.trainer.train_step = failing
    with Driven(TrainingLoop(run)) as d:
        until(lambda: d.posts and d.last.state == "error")
        assert d.thread.is_alive() and d.last.error == "ZeroDivisionError: injected"
