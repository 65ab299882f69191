"""Autosave for the app: the training worker writes the run every k steps (and at the end).

The copy (`run.checkpoint()`) is taken between steps by the worker itself, so the UI thread is
never held; the write is atomic (core), so a crash mid-write keeps the previous file.
"""

from __future__ import annotations

from pathlib import Path

from core import CheckpointError, Run
from core.checkpoint import save as save_checkpoint


class Autosave:
    """Writes `run` to `path` every `every` steps; remembers the last step written or the error."""

    def __init__(self, path: str, every: int) -> None:
        if every < 1:
            raise ValueError(f"autosave every must be >= 1, got {every}")
        self.path = path
        self.every = every
        self.last_step: int | None = None  # the step of the newest file written
        self.written: Path | None = None
        self.error: str | None = None  # why the newest attempt failed (None: it did not)

    def due(self, step: int, done: bool) -> bool:
        """Whether step `step` (just finished) should be written."""
        return step != self.last_step and (step % self.every == 0 or done)

    def save(self, run: Run) -> None:
        """Write `run` now (call between steps, from the thread that trains it)."""
        ckpt = run.checkpoint()
        try:
            self.written = save_checkpoint(self.path, ckpt)
        except (OSError, CheckpointError) as e:
            self.error = f"{type(e).__name__}: {e}" if isinstance(e, OSError) else str(e)
            return
        self.last_step, self.error = ckpt.step, None
