"""The training loop the app runs in one thread worker: pause (an Event), single steps (a
Semaphore), waits with timeouts; O(1) bookkeeping per step and an immutable `TrainingSnapshot`
with a copy of the parameters about 12 times a second (at once on a single step or new state).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from core import GPT, Run, StepRecord

from .stats import LossFigures, LossTracker, RateMeter, eta_seconds

POST_INTERVAL = 1 / 12  # seconds between snapshots while running (each costs the UI ~4 ms)
POLL = 0.02  # seconds every wait lasts at most
HOLD_TIMEOUT = 5.0  # seconds to wait for the worker to finish its current step

RUNNING, PAUSED, DONE, DIVERGED = "running", "paused", "done", "diverged"


@dataclass(frozen=True)
class TrainingSnapshot:
    """The state of training at one moment; safe to read on any thread."""

    state: str  # running, paused, done or diverged
    figures: LossFigures
    diverged_at: int | None
    doc: str  # the name of the last step's batch (or of the next one at step 0)
    model: GPT  # a copy of the parameters: the trainer never changes it


class TrainingLoop:
    """Drives `run.trainer.steps()`; the app calls the controls, the worker calls `run`."""

    def __init__(self, run: Run, *, paused: bool = False) -> None:
        self.run = run
        self._running = threading.Event()
        if not paused:
            self._running.set()
        self._single = threading.Semaphore(0)
        self._step_lock = threading.Lock()  # held by the worker during a step
        self._hold = threading.Event()  # set while the app needs the run still
        self.tracker = LossTracker()
        self.rate = RateMeter()
        self.last: StepRecord | None = None
        self._val_loss = run.trainer.last_val_loss

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
            val_loss=self._val_loss,
            baseline=math.log(V),
            vocab_size=V,
            lr=rec.lr if rec else None,
            grad_norm=rec.grad_norm if rec else None,
            steps_per_s=rate,
            eta_s=eta_seconds(trainer.step, trainer.config.num_steps, rate),
            history=tuple(self.tracker.history),
        )
        doc = rec.docs[0] if rec else self._next_doc()
        return TrainingSnapshot(state, figures, trainer.diverged_at, doc, self.run.model.copy())

    def _next_doc(self) -> str:
        trainer, ds = self.run.trainer, self.run.dataset
        ids = ds.train_batch_ids(trainer.step, trainer.config.batch_size, trainer.config.seed)
        return ds.docs[int(ids[0])]

    def _record(self, rec: StepRecord) -> None:
        self.last = rec
        self.tracker.update(rec.loss)
        if rec.val_loss is not None:
            self._val_loss = rec.val_loss

    def run_loop(
        self, post: Callable[[TrainingSnapshot], None], cancelled: Callable[[], bool]
    ) -> None:
        """Train until cancelled, posting snapshots; waits (with timeouts) when paused or done."""
        trainer = self.run.trainer
        steps: Iterator[StepRecord] | None = None
        posted_state = None
        next_post = 0.0
        while not cancelled():
            state = self.state()
            if self._hold.is_set() or state in (DONE, DIVERGED):
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
            with self._step_lock:
                if steps is None:
                    steps = trainer.steps()
                rec = next(steps, None)
                if rec is not None:
                    self._record(rec)
            if rec is None:
                steps = None
                continue
            now = time.perf_counter()
            if forced or trainer.done or now >= next_post:
                posted_state = self._post(post)
                next_post = now + POST_INTERVAL

    def _post(self, post: Callable[[TrainingSnapshot], None]) -> str:
        snap = self.snapshot()
        post(snap)
        return snap.state
