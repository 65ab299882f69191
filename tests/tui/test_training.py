"""The training loop without an app: snapshots, pause, single steps, holding, more steps."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import numpy as np
import pytest

from microgpt_tui.training import TrainingLoop, TrainingSnapshot

from .helpers import make_run


def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.005)


class Driven:
    """A TrainingLoop run in a thread, its snapshots collected."""

    def __init__(self, loop: TrainingLoop) -> None:
        self.loop = loop
        self.posts: list[TrainingSnapshot] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(
            target=loop.run_loop, args=(self.posts.append, self.stop.is_set), daemon=True
        )

    def __enter__(self) -> Driven:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.thread.join(timeout=2)
        assert not self.thread.is_alive()

    @property
    def last(self) -> TrainingSnapshot:
        return self.posts[-1]


def test_first_snapshot_before_any_step() -> None:
    run = make_run()
    snap = TrainingLoop(run, paused=True).snapshot()
    f = snap.figures
    assert snap.state == "paused" and f.step == 0 and f.total_steps == 50
    assert f.loss is None and f.ema is None and f.steps_per_s is None and f.eta_s is None
    assert f.baseline == pytest.approx(np.log(28))
    assert snap.doc in run.dataset.docs  # the name of the first step
    assert snap.model is not run.model
    np.testing.assert_array_equal(snap.model.flat, run.model.flat)


def test_runs_to_done_with_bounded_posts() -> None:
    run = make_run(300)
    with Driven(TrainingLoop(run)) as d:
        until(lambda: d.posts and d.last.state == "done")
    assert d.last.figures.step == 300 and run.trainer.step == 300
    assert len(d.posts) < 300 // 2  # not one post per step
    assert d.last.figures.ema is not None and len(d.last.figures.history) > 0


def test_a_slow_speed_shows_each_step_without_waiting_for_the_next() -> None:
    """At 2 steps/s steps 1 and 2 land together (one may catch up), so step 2 comes too soon
    after step 1's post; it is posted once the post interval is over, not with step 3."""
    run = make_run(10_000)
    loop = TrainingLoop(run, speed=2)
    with Driven(loop) as d:
        until(lambda: run.trainer.step >= 2)
        assert run.trainer.step == 2  # step 3 is half a second away
        until(lambda: d.posts and d.last.figures.step == 2, timeout=0.3)
        assert run.trainer.step == 2


def test_snapshot_models_are_copies() -> None:
    run = make_run(100)
    with Driven(TrainingLoop(run)) as d:
        until(lambda: d.posts and d.last.state == "done")
    first = d.posts[0].model.flat
    assert not np.array_equal(first, run.model.flat)  # the trainer moved on, the copy did not


def test_pause_single_steps_and_resume() -> None:
    run = make_run(10_000)
    loop = TrainingLoop(run, paused=True)
    with Driven(loop) as d:
        until(lambda: d.posts and d.last.state == "paused")
        assert run.trainer.step == 0
        assert loop.step_once()
        until(lambda: d.last.figures.step == 1)
        loop.step_once()
        loop.step_once()
        until(lambda: d.last.figures.step == 3)
        time.sleep(0.1)  # nothing moves while paused
        assert run.trainer.step == 3
        loop.resume()
        until(lambda: run.trainer.step > 20)
        assert not loop.step_once()  # not while running
        loop.pause()
        until(lambda: d.last.state == "paused")
        stopped = run.trainer.step
        time.sleep(0.1)
        assert run.trainer.step == stopped == d.last.figures.step


def test_holding_keeps_the_trainer_still() -> None:
    run = make_run(1_000_000)
    loop = TrainingLoop(run)
    with Driven(loop):
        until(lambda: run.trainer.step > 10)
        with loop.holding():
            held = run.trainer.step
            time.sleep(0.05)
            assert run.trainer.step == held
        until(lambda: run.trainer.step > held)


def test_more_steps_after_done() -> None:
    run = make_run(20)
    loop = TrainingLoop(run)
    with Driven(loop) as d:
        until(lambda: d.posts and d.last.state == "done")
        assert loop.extend(30) == 50
        until(lambda: d.last.state == "done" and d.last.figures.step == 50)


def test_diverged_stops_with_the_step() -> None:
    run = make_run(500, lr=1e9)
    with Driven(TrainingLoop(run)) as d:
        until(lambda: d.posts and d.last.state == "diverged")
    assert d.last.diverged_at == run.trainer.diverged_at is not None
    assert d.last.figures.ema is None or np.isfinite(d.last.figures.ema)
