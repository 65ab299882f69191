"""One training step's loss and gradient on both engines, timed: the NumPy GPT and the document's
scalar `Value` GPT, on the same weights and the same batch. Run it in a thread: the scalar step
takes tens of milliseconds on the seed preset (and builds tens of thousands of nodes).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import numpy as np

from core import GPT, Batch
from core.scalar_gpt import scalar_batch_loss_and_grads

MAX_SCALAR_PARAMS = 20_000  # above this one scalar step would take minutes and gigabytes
NUMPY_BUDGET = 0.05  # seconds spent timing the NumPy step (the median of these runs)
_ONE_AT_A_TIME = threading.Lock()  # one scalar step in the whole app (a closed view's may run on)


@dataclass(frozen=True)
class EngineComparison:
    """Both engines on one batch: seconds per step, nodes built, and how well they agree."""

    docs: tuple[str, ...]
    numpy_s: float
    scalar_s: float
    nodes: int
    numpy_loss: float
    scalar_loss: float
    max_grad_diff: float  # the largest |difference| between the two gradients

    @property
    def slowdown(self) -> float:
        return self.scalar_s / self.numpy_s if self.numpy_s > 0 else float("inf")


def too_big(model: GPT) -> str | None:
    """Why the scalar engine should not run on `model`, or None."""
    if model.num_params > MAX_SCALAR_PARAMS:
        return (
            f"{model.num_params:,} parameters: one scalar step would build millions of Value "
            f"nodes (the scalar engine is for models up to {MAX_SCALAR_PARAMS:,}, e.g. seed)"
        )
    return None


def time_numpy(model: GPT, batch: Batch) -> tuple[float, float, np.ndarray]:
    """Median seconds per NumPy loss-and-gradient step, its loss and gradient."""
    times: list[float] = []
    deadline = time.perf_counter() + NUMPY_BUDGET
    while len(times) < 3 or (time.perf_counter() < deadline and len(times) < 1000):
        start = time.perf_counter()
        loss, _, grad = model.loss_and_grads(batch.idx, batch.targets, batch.mask)
        times.append(time.perf_counter() - start)
    return float(np.median(times)), float(loss), grad


def compare_engines(model: GPT, batch: Batch) -> EngineComparison:
    """Time one step of each engine on `batch` at `model`'s weights (a copy the caller owns)."""
    numpy_s, numpy_loss, numpy_grad = time_numpy(model, batch)
    start = time.perf_counter()
    scalar_loss, scalar_grad, _, nodes = scalar_batch_loss_and_grads(
        model.config, model.params, batch
    )
    scalar_s = time.perf_counter() - start
    return EngineComparison(
        docs=tuple(batch.docs),
        numpy_s=numpy_s,
        scalar_s=scalar_s,
        nodes=nodes,
        numpy_loss=numpy_loss,
        scalar_loss=float(scalar_loss),
        max_grad_diff=float(np.abs(numpy_grad - scalar_grad).max()),
    )


def compare_engines_alone(model: GPT, batch: Batch) -> EngineComparison | None:
    """`compare_engines`, or None at once if another comparison is still running anywhere in the
    process (say from a views screen closed and opened again): they would only slow each other."""
    if not _ONE_AT_A_TIME.acquire(blocking=False):
        return None
    try:
        return compare_engines(model, batch)
    finally:
        _ONE_AT_A_TIME.release()
