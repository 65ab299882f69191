"""The app's record of training, one small row per step, for export from the palette (or at quit
with --metrics): the same rows the headless CLI writes, with the config and samples alongside.

The worker appends a tuple per step (well under a microsecond). The log is bounded: past
MAX_ROWS it keeps every other row and from then on records every other step (and so on), so a
long run keeps its whole history at a coarser grain instead of growing without end.
"""

from __future__ import annotations

from collections import namedtuple
from pathlib import Path

from core import Run, StepRecord

from .metrics import FIELDS, MetricsWriter

MAX_ROWS = 100_000

Row = namedtuple("Row", FIELDS)  # what MetricsWriter reads from a StepRecord, and no more


class MetricsLog:
    """Step rows in order; `add` on the worker thread, `rows` from any thread."""

    def __init__(self, max_rows: int = MAX_ROWS) -> None:
        self.max_rows = max(max_rows, 2)
        self.stride = 1  # rows are kept for steps that are multiples of this
        self._rows: list[Row] = []

    def add(self, rec: StepRecord) -> None:
        """Record one step (see `_kept`)."""
        if not _kept(rec, self.stride):
            return
        self._rows.append(Row(*(getattr(rec, name) for name in FIELDS)))
        if len(self._rows) >= self.max_rows:
            self.stride *= 2
            # rebinding (not slicing in place) keeps a reader's list intact
            self._rows = [r for r in self._rows if _kept(r, self.stride)]

    def rows(self) -> list[Row]:
        """A copy of the rows so far."""
        return list(self._rows)

    def __len__(self) -> int:
        return len(self._rows)


def _kept(row: Row | StepRecord, stride: int) -> bool:
    """A step falling on the stride is kept, and always one that evaluated or diverged."""
    return row.step % stride == 0 or row.val_loss is not None or row.diverged


def export(path: str | Path, run: Run, rows: list[Row], samples: list[str]) -> Path:
    """Write `rows` as JSON lines (or CSV, with a .json of config and samples beside it)."""
    writer = MetricsWriter(path, run)
    try:
        for row in rows:
            writer.write(row)  # a Row has every field the writer reads
    finally:
        writer.close(samples)
    return writer.path


def default_path(run: Run, step: int) -> str:
    """Where an export goes without --metrics: the working directory, named by run and step."""
    return f"microgpt-{run.preset}-step{step}-metrics.jsonl"
