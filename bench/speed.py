"""The speed rows: training steps (ours, PyTorch eager, the scalar engine) and sampling.

A training step is what `Trainer.train_step` does: batch preparation, forward, backward, Adam and
the step record. PyTorch gets the same weights and the same batches, prepared by `Dataset.batch`
inside its timed step, and must match our losses before it is timed.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass

import numpy as np

from core.run import Run
from core.sample import sample_names, stream

from . import torch_gpt
from .timing import per_call, thread_limit

MIN_CALLS = 5  # steps per timed block and of warm-up, at least


@dataclass(frozen=True)
class Budget:
    """How long to measure: steps per timed block, blocks, warm-up steps (scaled per row)."""

    calls: int
    repeats: int
    warmup: int

    def scaled(self, cost: float) -> Budget:
        """Fewer calls for a row whose step costs `cost` times a 1-document microgpt step, but
        never fewer than MIN_CALLS per block and of warm-up (a median of single steps is noise)."""
        floor = min(self.calls, MIN_CALLS)
        return Budget(
            max(floor, int(self.calls / cost)),
            self.repeats,
            max(min(self.warmup, MIN_CALLS), int(self.warmup / cost)),
        )


FULL = Budget(calls=2000, repeats=7, warmup=500)
QUICK = Budget(calls=3, repeats=1, warmup=1)

# (preset, batch, dtype, threads, cost relative to microgpt at batch 1)
TRAIN_ROWS = [
    ("seed", 1, "float64", 1, 1),
    ("microgpt", 1, "float64", 1, 1),
    ("microgpt", 8, "float64", 1, 2),
    ("microgpt", 32, "float64", 1, 6),
    ("microgpt", 128, "float64", 1, 25),
    ("microgpt", 512, "float64", 1, 100),
    ("microgpt", 128, "float32", 1, 15),
    ("makemore", 32, "float64", 1, 100),
    ("makemore", 32, "float64", 2, 100),
    ("makemore", 32, "float32", 1, 50),
    ("makemore", 32, "float32", 2, 50),
]
TORCH_COST = 20  # PyTorch's steps cost about this many of ours: fewer calls for its rows


def _run(preset: str, batch: int, dtype: str) -> Run:
    """The preset's model and step as the PyTorch twin has them: no dropout, plain Adam (the
    makemore preset trains with both: about 7% more per step at batch 64, measured when dropout
    was added)."""
    return Run.create(
        preset,
        train={"batch_size": batch, "num_steps": 10**9, "eval_every": 0, "weight_decay": 0.0},
        model={"dtype": dtype, "dropout": 0.0},
    )


def train_row(preset: str, batch: int, dtype: str, threads: int, budget: Budget) -> dict:
    """Our training step: milliseconds, names and predicted tokens per second."""
    run = _run(preset, batch, dtype)
    trainer = run.trainer
    tokens = []
    with thread_limit(threads):
        seconds = per_call(
            lambda: tokens.append(trainer.train_step().tokens),
            calls=budget.calls,
            repeats=budget.repeats,
            warmup=budget.warmup,
        )
    return {
        "workload": "train",
        "preset": preset,
        "batch": batch,
        "dtype": dtype,
        "threads": threads,
        "ms_per_step": seconds * 1e3,
        "names_per_s": batch / seconds,
        "tokens_per_s": float(np.mean(tokens)) / seconds,
    }


def torch_times(row: dict, budget: Budget) -> dict:
    """PyTorch eager on the row's workload, in float32 and (for our float64 rows) float64: ms
    per step, after a check that its losses match ours; {} without PyTorch."""
    if not torch_gpt.available():
        return {}
    run = _run(row["preset"], row["batch"], "float64")
    trainer, ds = run.trainer, run.dataset
    steps = budget.warmup + budget.calls * budget.repeats
    ids = [trainer.batch_ids(s) for s in range(min(steps, 64))]
    batches = [ds.batch(i) for i in ids[:3]]
    out = {}
    with thread_limit(row["threads"]):
        for dtype in ("float32", "float64") if row["dtype"] == "float64" else ("float32",):
            out[f"torch_{dtype}_check"] = torch_gpt.check_against(
                run.model, trainer.config, batches, dtype
            )
            twin = torch_gpt.TorchGPT(run.model, trainer.config, dtype)
            k = iter(range(10**9))

            def step(twin=twin, k=k) -> None:
                b = ds.batch(ids[next(k) % len(ids)])  # the batch preparation counts too
                twin.train_step(b.idx, b.targets, b.mask)

            seconds = per_call(
                step, calls=budget.calls, repeats=budget.repeats, warmup=budget.warmup
            )
            out[f"torch_{dtype}_ms"] = seconds * 1e3
            out[f"speedup_vs_torch_{dtype}"] = seconds * 1e3 / row["ms_per_step"]
    return out


def scalar_row(budget: Budget) -> dict:
    """The scalar Value engine training the seed preset, one document per step."""
    if importlib.util.find_spec("core.scalar_gpt") is None:
        return {"workload": "train (scalar engine)", "skipped": "core.scalar_gpt is missing"}
    run = Run.create("seed", train={"num_steps": 10**9, "eval_every": 0, "engine": "scalar"})
    seconds = per_call(run.trainer.train_step, calls=budget.calls, repeats=1, warmup=1)
    return {
        "workload": "train (scalar engine)",
        "preset": "seed",
        "batch": 1,
        "dtype": "float64",
        "threads": 1,
        "ms_per_step": seconds * 1e3,
        "names_per_s": 1 / seconds,
    }


def sampling_rows(budget: Budget, batch: int = 1000, warm: bool = False) -> list[dict]:
    """Names per second from the microgpt preset after its 1,000 training steps (30 when
    `warm`, for a smoke test): streamed one at a time with every probability vector, and
    `batch` at once."""
    run = Run.create("microgpt")
    if warm:
        run.trainer.extend(30)
    for _ in run.trainer.steps():
        pass
    model, tok, rng = run.model, run.dataset.tokenizer, np.random.default_rng(0)
    temp = run.sample_config.temperature
    chars = []

    def one() -> None:
        steps = list(stream(model, tok, rng, temperature=temp))
        chars.append(len(steps[-1].text))

    with thread_limit(1):
        per_name = per_call(one, calls=budget.calls // 4 + 1, repeats=budget.repeats, warmup=5)
        per_batch = per_call(
            lambda: sample_names(model, tok, batch, rng, temperature=temp),
            calls=max(1, budget.calls // 200),
            repeats=budget.repeats,
            warmup=1,
        )
    base = {"preset": "microgpt", "dtype": "float64", "threads": 1}
    return [
        {**base, "workload": "sample (stream)", "batch": 1, "names_per_s": 1 / per_name,
         "ms_per_name": per_name * 1e3, "mean_length": float(np.mean(chars))},
        {**base, "workload": "sample (batched)", "batch": batch, "names_per_s": batch / per_batch,
         "ms_per_name": per_batch * 1e3 / batch},
    ]  # fmt: skip
