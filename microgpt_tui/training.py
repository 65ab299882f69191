"""The training loop the app runs in one thread worker: pause (an Event), single steps (a
Semaphore), waits with timeouts; O(1) bookkeeping per step and an immutable `TrainingSnapshot`
with a copy of the parameters about 12 times a second (at once on a single step or new state).
A speed limit spaces the steps out (sleeps of at most POLL); an exception in the worker (from the
trainer, a snapshot, a copy or an autosave write) stops training in the "error" state instead of
ending the app; an `Autosave` writes every k steps and at the end.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from core import GPT, Run, StepRecord

from .autosave import Autosave
from .metrics_log import MetricsLog
from .stats import LossFigures, LossTracker, RateMeter, eta_seconds

POST_INTERVAL = 1 / 12  # seconds between snapshots while running (each costs the UI ~4 ms)
POLL = 0.02  # seconds every wait lasts at most
HOLD_TIMEOUT = 5.0  # seconds to wait for the worker to finish its current step

RUNNING, PAUSED, DONE, DIVERGED, ERROR = "running", "paused", "done", "diverged", "error"
STOPPED = (DONE, DIVERGED, ERROR)  # states in which the worker only waits


def describe_error(e: BaseException) -> str:
    """One line naming an exception: "ValueError: the first line of its message"."""
    lines = str(e).strip().splitlines()
    return f"{type(e).__name__}: {lines[0]}" if lines else type(e).__name__


@dataclass(frozen=True)
class TrainingSnapshot:
    """The state of training at one moment; safe to read on any thread."""

    state: str  # running, paused, done, diverged or error
    figures: LossFigures
    diverged_at: int | None
    doc: str  # the name of the last step's batch (or of the next one at step 0)
    model: GPT  # a copy of the parameters: the trainer never changes it
    error: str | None = None  # "ExceptionType: message" when the trainer raised
    autosaved_step: int | None = None  # the step of the newest autosave
    autosave_error: str | None = None  # why the newest autosave failed
    record: StepRecord | None = None  # the last step's record (immutable), None before one


class TrainingLoop:
    """Drives `run.trainer.steps()`; the app calls the controls, the worker calls `run`."""

    def __init__(
        self,
        run: Run,
        *,
        paused: bool = False,
        speed: float | None = None,
        autosave: Autosave | None = None,
    ) -> None:
        self.run = run
        self.speed = speed  # steps per second at most; None: as fast as it goes
        self.autosave = autosave
        self.error: str | None = None  # set once the trainer raised; training stops for good
        self._due = 0.0  # perf_counter time the next step may start under the speed limit
        self._running = threading.Event()
        if not paused:
            self._running.set()
        self._single = threading.Semaphore(0)
        self._step_lock = threading.Lock()  # held by the worker during a step
        self._hold = threading.Event()  # set while the app needs the run still
        self.tracker = LossTracker()
        self.rate = RateMeter()
        self.last: StepRecord | None = None
        self.metrics = MetricsLog()  # a small row per step, for the export (E)

    # --- controls (app thread) ---

    @property
    def paused(self) -> bool:
        return not self._running.is_set()

    def pause(self) -> None:
        self._running.clear()

    def resume(self) -> None:
        while self._single.acquire(blocking=False):  # drop steps asked for but not taken
            pass
        self._running.set()

    def step_once(self) -> bool:
        """Ask for exactly one step; only while paused (and not done), else False."""
        if self.state() != PAUSED:
            return False
        self._single.release()
        return True

    @contextmanager
    def holding(self, timeout: float = HOLD_TIMEOUT) -> Iterator[None]:
        """Keep the worker between steps while the body reads or changes the run."""
        self._hold.set()
        try:
            if not self._step_lock.acquire(timeout=timeout):
                raise TimeoutError("the trainer did not finish its step in time")
            try:
                yield
            finally:
                self._step_lock.release()
        finally:
            self._hold.clear()

    def extend(self, more: int) -> int:
        """Train `more` steps beyond the current total; returns the new total."""
        with self.holding():
            trainer = self.run.trainer
            trainer.extend(trainer.config.num_steps + more)
            return trainer.config.num_steps

    # --- the worker ---

    def state(self) -> str:
        trainer = self.run.trainer
        if self.error is not None:
            return ERROR
        if trainer.diverged_at is not None:
            return DIVERGED
        if trainer.done:
            return DONE
        return PAUSED if self.paused else RUNNING

    def snapshot(self) -> TrainingSnapshot:
        """The current state, copied; call it from the worker or while `holding()`."""
        trainer, rec = self.run.trainer, self.last
        state = self.state()
        rate = self.rate.observe(trainer.step, time.perf_counter(), state == RUNNING)
        V = self.run.dataset.vocab_size
        figures = LossFigures(
            step=trainer.step,
            total_steps=trainer.config.num_steps,
            loss=rec.loss if rec else None,
            ema=self.tracker.ema,
            val_loss=trainer.last_val_loss,
            baseline=math.log(V),
            vocab_size=V,
            lr=rec.lr if rec else None,
            grad_norm=rec.grad_norm if rec else None,
            steps_per_s=rate,
            eta_s=eta_seconds(trainer.step, trainer.config.num_steps, rate),
            history=tuple(self.tracker.history),
        )
        doc = rec.docs[0] if rec else self._next_doc()
        saved = self.autosave
        return TrainingSnapshot(
            state,
            figures,
            trainer.diverged_at,
            doc,
            self.run.model.copy(),
            self.error,
            saved.last_step if saved else None,
            saved.error if saved else None,
            rec,
        )

    def _next_doc(self) -> str:
        trainer = self.run.trainer
        return self.run.dataset.docs[int(trainer.batch_ids(trainer.step)[0])]

    def _record(self, rec: StepRecord) -> None:
        self.last = rec
        self.metrics.add(rec)
        self.tracker.update(rec.loss)

    def run_loop(
        self, post: Callable[[TrainingSnapshot], None], cancelled: Callable[[], bool]
    ) -> None:
        """Train until cancelled, posting snapshots; waits (with timeouts) when paused or done.

        Any exception stops training for good in the error state (the controls then refuse to
        step or train on) and posts a snapshot that says so; should that snapshot fail as well,
        the exception ends the worker, with the error already set.
        """
        try:
            self._train(post, cancelled)
        except Exception as e:  # outside a step: a snapshot, a copy, an autosave write
            self.error = self.error or describe_error(e)
            post(self.snapshot())

    def _train(
        self, post: Callable[[TrainingSnapshot], None], cancelled: Callable[[], bool]
    ) -> None:
        trainer = self.run.trainer
        steps: Iterator[StepRecord] | None = None
        posted_state = None
        next_post = 0.0
        unposted = False  # a step landed too soon after the last post to be shown then
        while not cancelled():
            state = self.state()
            if self._hold.is_set() or state in STOPPED:
                if state != posted_state and not self._hold.is_set():
                    posted_state = self._post(post)
                steps = None  # a finished generator is not restarted by `extend`
                time.sleep(POLL)
                continue
            forced = state != posted_state
            if state == PAUSED:
                if not self._single.acquire(timeout=POLL):
                    if forced:
                        posted_state = self._post(post)
                    continue
                forced = True
            elif self._wait_for_speed():  # under a speed limit, between two steps
                if unposted and time.perf_counter() >= next_post:  # show it now, not a step late
                    posted_state, unposted = self._post(post), False
                continue
            copy = None  # of the run, when an autosave is due: written after the lock
            with self._step_lock:
                if steps is None:
                    steps = trainer.steps()
                try:
                    rec = next(steps, None)
                except Exception as e:  # a bug or a fault in core: stop, keep the app alive
                    self.error, rec = describe_error(e), None
                if rec is not None:
                    self._record(rec)
                    if self.autosave and self.autosave.due(trainer.step, trainer.done):
                        copy = self.run.checkpoint()
            if copy is not None:
                self.autosave.write(copy)
            if rec is None:
                steps = None
                continue
            now = time.perf_counter()
            self._schedule(now)
            unposted = not (forced or trainer.done or now >= next_post)
            if not unposted:
                posted_state = self._post(post)
                next_post = now + POST_INTERVAL

    def _wait_for_speed(self) -> bool:
        """Under a speed limit, sleep (at most POLL) while the next step is not due; True if so."""
        if self.speed is None:
            return False
        wait = self._due - time.perf_counter()
        if wait <= 0:
            return False
        time.sleep(min(wait, POLL))
        return True

    def _schedule(self, now: float) -> None:
        """Set when the next step is due: one interval on, never more than one behind `now`."""
        speed = self.speed
        if speed is not None:
            interval = 1.0 / speed
            self._due = max(self._due, now - interval) + interval

    def _post(self, post: Callable[[TrainingSnapshot], None]) -> str:
        snap = self.snapshot()
        post(snap)
        return snap.state
