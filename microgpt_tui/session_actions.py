"""The session commands of the app (a mixin of `MicroGPTApp`): save, quit (asking first when
training moved on since the last save or load), the speed limit, autosave, and the notices when
training stops on an error. The app keeps running whatever the trainer does.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

from textual.worker import Worker, WorkerState

from core import CheckpointError, Run
from core.checkpoint import save as save_checkpoint

from .autosave import Autosave
from .screens import QuitScreen
from .screens.quit import QuitAnswer
from .speed import next_speed, speed_label
from .training import TrainingLoop, TrainingSnapshot, describe_error
from .widgets import LossPanel, RunHeader


class SessionActions:
    """Save / quit / speed / autosave for the app; the app provides the attributes below."""

    current_run: Run
    loop: TrainingLoop
    snapshot: TrainingSnapshot
    save_path: str | None
    speed: float | None  # steps/s at most; None: max
    autosave_path: str | None
    autosave_every: int
    _saved_step: int  # the newest step of the current run written by a save (or loaded)
    _notified: set[str]  # errors already shown for the current loop

    def _new_loop(self, run: Run, *, paused: bool) -> TrainingLoop:
        """A training loop for `run` with the session's speed and autosave; run counts as saved."""
        autosave = None
        if self.autosave_path:
            autosave = Autosave(self.autosave_path, self.autosave_every)
        self._saved_step = run.trainer.step
        self._notified = set()
        return TrainingLoop(run, paused=paused, speed=self.speed, autosave=autosave)

    # --- saving ---

    def _save_target(self, step: int) -> str:
        return self.save_path or f"microgpt-{self.current_run.preset}-step{step}.npz"

    def _unsaved_step(self) -> int | None:
        """The step training reached, if no save (or autosave, or the load) has that step."""
        step = self.current_run.trainer.step
        saved = self._saved_step
        auto = self.loop.autosave
        if auto is not None and auto.last_step is not None:
            saved = max(saved, auto.last_step)
        return step if step > saved else None

    def _write_checkpoint(self) -> tuple[int, Path] | None:
        """Save the run to --save or the default name; the step and path, or None (notified)."""
        try:
            with self.loop.holding():
                ckpt = self.current_run.checkpoint()
        except TimeoutError as e:
            self.notify(str(e), title="Not saved", severity="error")
            return None
        try:
            written = Path(save_checkpoint(self._save_target(ckpt.step), ckpt)).resolve()
        except CheckpointError as e:  # core names the path and the OS's reason
            self.notify(str(e), title="Not saved", severity="error")
            return None
        self._saved_step = max(self._saved_step, ckpt.step)
        return ckpt.step, written

    def action_save(self) -> None:
        """Write a checkpoint to --save or microgpt-<preset>-step<k>.npz in the cwd."""
        saved = self._write_checkpoint()
        if saved is not None:
            self.notify(f"step {saved[0]:,} saved to {saved[1]}", title="Saved")

    # --- quitting ---

    def action_quit(self) -> None:
        """Quit at once, or first ask to save when training is not saved (paused meanwhile)."""
        if isinstance(self.screen, QuitScreen):
            return
        if self._unsaved_step() is None:
            self.exit()
            return
        was_paused = self.loop.paused
        self.loop.pause()
        try:
            with self.loop.holding():  # the step in progress ends; the question names the last
                step = self._unsaved_step()
        except TimeoutError:
            step = self.current_run.trainer.step
        if step is None:  # an autosave just caught up
            self.exit()
            return
        # pushed even over the too-small notice: quitting must always be possible
        self.push_screen(
            QuitScreen(step, self._save_target(step)), partial(self._quit_answered, was_paused)
        )

    def _quit_answered(self, was_paused: bool, answer: QuitAnswer) -> None:
        if answer == "quit":
            self.exit()
            return
        if answer == "save":
            saved = self._write_checkpoint()
            if saved is not None:
                self.exit(message=f"microgpt-tui: saved step {saved[0]:,} to {saved[1]}")
                return
        if not was_paused:  # cancelled, or the save failed (its notice says why): train on
            self.loop.resume()

    # --- speed, status, errors ---

    def action_speed(self, direction: int) -> None:
        """Train slower (-1) or faster (+1) on the ladder 10 ... 1,000 steps/s, max."""
        self.speed = self.loop.speed = next_speed(self.speed, direction)
        self._show_session(self.snapshot)

    def _show_session(self, snap: TrainingSnapshot) -> None:
        """The speed and autosave line; a notice, once, for a training or autosave error."""
        auto = self.loop.autosave
        note = ""
        if snap.autosave_error:
            note = "autosave failed"
        elif snap.autosaved_step is not None:
            note = f"autosaved step {snap.autosaved_step:,}"
        elif auto is not None:
            note = f"autosave every {auto.every:,} steps"
        self.main_screen.query_one(LossPanel).show_status(speed_label(self.speed), note)
        if snap.error:
            self._notify_once(f"training stopped: {snap.error}", "Training error")
        if snap.autosave_error:
            self._notify_once(snap.autosave_error, "Autosave failed")

    def _notify_once(self, message: str, title: str) -> None:
        if message not in self._notified:
            self._notified.add(message)
            self.notify(message, title=title, severity="error", timeout=10)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The worker ended on an exception its loop could not report: the loop's error is set
        (every control refuses to train on) but its error snapshot failed too. Say so here."""
        worker = event.worker
        if worker.group != "training" or event.state != WorkerState.ERROR:
            return
        error = describe_error(worker.error) if worker.error else "the training worker failed"
        f = self.snapshot.figures
        self.main_screen.query_one(RunHeader).show_progress(f.step, f.total_steps, "error", None)
        self._notify_once(f"training stopped: {error}", "Training error")
