"""Autosave: the run written every k steps and at the end (the app's worker and headless runs).

The worker copies the run (`run.checkpoint()`) between steps, under its step lock, and writes the
copy after releasing it, so the app never waits for a disk; the write is atomic (core), so a
crash mid-write keeps the previous file.
"""

from __future__ import annotations

from core import Checkpoint, CheckpointError
from core.checkpoint import save as save_checkpoint


class Autosave:
    """Writes `run` to `path` every `every` steps; remembers the last step written or the error."""

    def __init__(self, path: str, every: int) -> None:
        if every < 1:
            raise ValueError(f"autosave every must be >= 1, got {every}")
        self.path = path
        self.every = every
        self.last_step: int | None = None  # the step of the newest file written
        self.error: str | None = None  # why the newest attempt failed (None: it did not)

    def due(self, step: int, done: bool) -> bool:
        """Whether step `step` (just finished) should be written."""
        return step != self.last_step and (step % self.every == 0 or done)

    def write(self, ckpt: Checkpoint) -> None:
        """Write a copy of the run (taken between steps); any thread, outside the step lock."""
        try:
            save_checkpoint(self.path, ckpt)
        except CheckpointError as e:  # core turns every OSError into one, naming the path
            self.error = str(e)
            return
        self.last_step, self.error = ckpt.step, None
