"""Headless training: the document's program, made real. Prints the run's figures, one loss line
per step (a Rich progress display on a terminal, plain lines when piped), validation, samples.
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from typing import TextIO

from core import CheckpointError, Run, StepRecord

from .autosave import Autosave
from .metrics import MetricsWriter


def describe(run: Run) -> list[str]:
    """The header lines: data, vocabulary, model size."""
    ds, cfg = run.dataset, run.model.config
    lines = [
        f"dataset: {ds.name} ({len(ds):,} docs: {len(ds.train_ids):,} train, "
        f"{len(ds.val_ids):,} val)",
        f"vocab size: {ds.vocab_size}",
        f"num params: {run.model.num_params:,}",
        f"preset: {run.preset} (n_layer {cfg.n_layer}, n_head {cfg.n_head}, n_embd {cfg.n_embd}, "
        f"block {cfg.block_size}{regularised(run)}, engine {run.trainer.config.engine})",
    ]
    if not len(ds.val_ids):
        lines.append("note: too few documents for a validation split (it needs 10 or more)")
    if ds.num_cut:
        lines.append(
            f"note: {ds.num_cut:,} of {len(ds):,} docs are longer than the block "
            f"({cfg.block_size} tokens) and were cut to it"
        )
    return lines


def regularised(run: Run) -> str:
    """ ", dropout p, weight decay w" for what the run uses of either, else ""."""
    dropout, decay = run.model.config.dropout, run.trainer.config.weight_decay
    return (f", dropout {dropout:g}" if dropout else "") + (
        f", weight decay {decay:g}" if decay else ""
    )


def step_line(rec: StepRecord) -> str:
    width = len(str(rec.total_steps))
    line = f"step {rec.step:{width}d} / {rec.total_steps} | loss {_loss(rec.loss)}"
    if rec.val_loss is not None:
        line += f" | val {_loss(rec.val_loss)}"
    return line


def _loss(x: float) -> str:
    """Four decimals, or four significant digits once a loss has blown up."""
    return f"{x:.4f}" if abs(x) < 1e6 else f"{x:.4g}"


def run_headless(
    run: Run,
    *,
    save: str | None = None,
    autosave: str | None = None,
    autosave_every: int = 100,
    metrics: str | None = None,
    out: TextIO | None = None,
) -> int:
    """Train to the end, printing as it goes. Ctrl+C stops after the step in progress (a second
    Ctrl+C at once); with `save` the last completed step is written either way."""
    out = out or sys.stdout
    for line in describe(run):
        print(line, file=out)
    writer = MetricsWriter(metrics, run) if metrics else None
    names: list[str] = []
    try:
        code = _train(run, out, save, autosave, autosave_every, writer)
        if code is None:
            names = _evaluate_and_sample(run, out)
    finally:
        if writer:
            writer.close(names)
    return code or 0


def _train(run: Run, out: TextIO, save, autosave, autosave_every, writer) -> int | None:
    """Run the steps; an exit code when the run ended early (interrupted, diverged)."""
    trainer = run.trainer
    with _StopOnSigint() as stop:
        records = _until(trainer.steps(), stop)
        if autosave:
            records = _autosaving(records, run, autosave, autosave_every)
        if writer:
            records = _recorded(records, writer)
        try:
            if out.isatty():
                _train_with_progress(records, trainer.step, trainer.config.num_steps, out)
            else:
                for rec in records:
                    print(step_line(rec), file=out)
        except KeyboardInterrupt:
            stop.set()
    if stop.is_set():
        print(f"interrupted after step {trainer.step}", file=out)
    if trainer.diverged_at is not None:
        print(
            f"diverged at step {trainer.diverged_at}: the loss or gradient blew up (try a lower "
            f"--lr); the parameters of step {trainer.step} are kept",
            file=out,
        )
    if save:
        path = run.save(save)
        print(f"saved step {trainer.step} to {path}", file=out)
    if stop.is_set():
        return 130
    if trainer.diverged_at is not None:
        return 1
    return None


def _evaluate_and_sample(run: Run, out: TextIO) -> list[str]:
    trainer = run.trainer
    val = trainer.last_val_loss
    if val is None and trainer.step and len(run.dataset.val_ids):
        val = trainer.evaluate()
    if val is not None:
        print(f"val loss: {val:.4f}", file=out)
    names = run.sample()
    if names:
        cfg = run.sample_config
        top_k = "off" if cfg.top_k is None else cfg.top_k
        print(f"--- inference (temperature {cfg.temperature}, top-k {top_k}) ---", file=out)
        for i, name in enumerate(names, 1):
            mark = "  (in data)" if run.dataset.contains(name) else ""
            print(f"sample {i:2d}: {name}{mark}", file=out)
    return names


class _StopOnSigint(threading.Event):
    """Set on the first SIGINT (training stops after the current step); the second interrupts."""

    def __enter__(self) -> _StopOnSigint:
        self._previous = None
        if threading.current_thread() is threading.main_thread():
            self._previous = signal.signal(signal.SIGINT, self._handle)
        return self

    def __exit__(self, *exc) -> None:
        if self._previous is not None:
            signal.signal(signal.SIGINT, self._previous)

    def _handle(self, signum, frame) -> None:
        if self.is_set():
            raise KeyboardInterrupt
        self.set()


def _until(records: Iterator[StepRecord], stop: threading.Event) -> Iterator[StepRecord]:
    for rec in records:
        yield rec
        if stop.is_set():
            return


def _recorded(records: Iterator[StepRecord], writer: MetricsWriter) -> Iterator[StepRecord]:
    for rec in records:
        writer.write(rec)
        yield rec


def _autosaving(records: Iterator[StepRecord], run: Run, path: str, every: int):
    """Write the run every `every` steps and at the end, by the app's rule (`Autosave.due`)."""
    saver = Autosave(path, every)
    for rec in records:
        if saver.due(rec.step, run.trainer.done):
            saver.write(run.checkpoint())
            if saver.error:
                raise CheckpointError(saver.error)
        yield rec


def _train_with_progress(records, done: int, total: int, out: TextIO) -> None:
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    console = Console(file=out)
    columns = (
        TextColumn("step"),
        MofNCompleteColumn(),
        BarColumn(),
        TextColumn("loss {task.fields[loss]}"),
        TextColumn("val {task.fields[val]}"),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, refresh_per_second=10) as progress:
        task = progress.add_task(
            "train",
            total=total,
            completed=done,
            loss="-",
            val="-",
        )
        for rec in records:
            fields = {"loss": f"{rec.loss:.4f}"}
            if rec.val_loss is not None:
                fields["val"] = f"{rec.val_loss:.4f}"
                progress.console.print(step_line(rec))
            progress.update(task, completed=rec.step, **fields)
