"""Headless training: the document's program, made real. Prints the run's figures, one loss line
per step (a Rich progress display on a terminal, plain lines when piped), validation, samples.
"""

from __future__ import annotations

import math
import sys
from typing import TextIO

from core import Run, StepRecord


def describe(run: Run) -> list[str]:
    """The header lines: data, vocabulary, model size."""
    ds, cfg = run.dataset, run.model.config
    lines = [
        f"dataset: {ds.name} ({len(ds):,} docs: {len(ds.train_ids):,} train, "
        f"{len(ds.val_ids):,} val)",
        f"vocab size: {ds.vocab_size}",
        f"num params: {run.model.num_params:,}",
        f"preset: {run.preset} (n_layer {cfg.n_layer}, n_head {cfg.n_head}, n_embd {cfg.n_embd}, "
        f"block {cfg.block_size}, engine {run.trainer.config.engine})",
    ]
    if ds.num_cut:
        lines.append(f"note: {ds.num_cut:,} docs are longer than the block and were cut to it")
    return lines


def step_line(rec: StepRecord) -> str:
    width = len(str(rec.total_steps))
    line = f"step {rec.step:{width}d} / {rec.total_steps} | loss {rec.loss:.4f}"
    if rec.val_loss is not None:
        line += f" | val {rec.val_loss:.4f}"
    return line


def run_headless(run: Run, *, save: str | None = None, out: TextIO | None = None) -> int:
    """Train to the end, printing as it goes; Ctrl+C stops after the current step (and saves)."""
    out = out or sys.stdout
    for line in describe(run):
        print(line, file=out)
    interrupted = False
    try:
        if out.isatty():
            _train_with_progress(run, out)
        else:
            for rec in run.trainer.steps():
                print(step_line(rec), file=out)
    except KeyboardInterrupt:
        interrupted = True
        print(f"interrupted after step {run.trainer.step}", file=out)
    trainer = run.trainer
    if trainer.diverged_at is not None:
        print(
            f"diverged: the loss or gradient was not finite at step {trainer.diverged_at}; "
            f"the parameters of step {trainer.step} are kept",
            file=out,
        )
    if save:
        path = run.save(save)
        print(f"saved step {trainer.step} to {path}", file=out)
    if interrupted:
        return 130
    val = trainer.last_val_loss
    if val is None and trainer.step and len(run.dataset.val_ids):
        val = trainer.evaluate()
    if val is not None and math.isfinite(val):
        print(f"val loss: {val:.4f}", file=out)
    names = run.sample()
    if names:
        cfg = run.sample_config
        top_k = "off" if cfg.top_k is None else cfg.top_k
        print(f"--- inference (temperature {cfg.temperature}, top-k {top_k}) ---", file=out)
        for i, name in enumerate(names, 1):
            mark = "" if not run.dataset.contains(name) else "  (in data)"
            print(f"sample {i:2d}: {name}{mark}", file=out)
    return 1 if trainer.diverged_at is not None else 0


def _train_with_progress(run: Run, out: TextIO) -> None:
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
            total=run.trainer.config.num_steps,
            completed=run.trainer.step,
            loss="-",
            val="-",
        )
        for rec in run.trainer.steps():
            fields = {"loss": f"{rec.loss:.4f}"}
            if rec.val_loss is not None:
                fields["val"] = f"{rec.val_loss:.4f}"
                progress.console.print(step_line(rec))
            progress.update(task, completed=rec.step, **fields)
