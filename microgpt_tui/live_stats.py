"""What the live views accumulate from the training snapshots: per-tensor gradient norms and
update-to-weight ratios over time, and the loss of each next character over the names seen.

Both are fed on the app thread from the snapshots' copies of the parameters (never the arrays
the trainer is changing). `HealthHistory.observe` (a forward and backward pass of one name) costs
about 0.17 ms per snapshot on the seed preset and 3 ms on makemore (timeit, bundled names).
"""

from __future__ import annotations

from collections import deque

import numpy as np

from core import GPT, Dataset

MAX_POINTS = 400  # snapshots kept per series
CHAR_DECAY = 0.98  # weight of the past in each character's running mean loss


def tensor_norms(flat: np.ndarray, shapes: dict[str, tuple[int, int]]) -> np.ndarray:
    """The L2 norm of each named tensor of a flat buffer (in `shapes` order)."""
    sizes = [a * b for a, b in shapes.values()]
    starts = np.concatenate([[0], np.cumsum(sizes)[:-1]]).astype(np.intp)
    return np.sqrt(np.add.reduceat(flat * flat, starts))


class HealthHistory:
    """Per-tensor |gradient| and |update| / |weight| at each snapshot, for sparklines."""

    def __init__(self, model: GPT) -> None:
        self.names = tuple(model.shapes)
        self.steps: deque[int] = deque(maxlen=MAX_POINTS)
        self.grad_norms: deque[np.ndarray] = deque(maxlen=MAX_POINTS)  # each (n_tensors,)
        self.update_ratios: deque[np.ndarray] = deque(maxlen=MAX_POINTS)
        self._previous: tuple[int, np.ndarray] | None = None  # (step, flat copy)
        self._scratch: GPT | None = None  # evaluates each snapshot's weights; its fast path
        # and buffers are made once, not for every snapshot's new model

    def observe(self, step: int, model: GPT, dataset: Dataset, doc: str) -> bool:
        """Record the snapshot of `step` (its model a copy); False if that step is recorded."""
        if self.steps and self.steps[-1] == step:
            return False
        scratch = self._scratch
        if scratch is None or scratch.config != model.config:
            scratch = self._scratch = model.copy()
        else:
            np.copyto(scratch.flat, model.flat)
        batch = dataset.encode_many([doc])
        _, _, dflat = scratch.loss_and_grads(batch.idx, batch.targets, batch.mask)
        grads = tensor_norms(dflat, model.shapes)
        ratios = np.full(len(self.names), np.nan)
        if self._previous is not None and step > self._previous[0]:
            before_step, before = self._previous
            change = tensor_norms(model.flat - before, model.shapes)
            weight = tensor_norms(before, model.shapes)
            # the mean update per step between the two snapshots, relative to the weights
            with np.errstate(divide="ignore", invalid="ignore"):
                ratios = change / weight / (step - before_step)
        self._previous = (step, model.flat.copy())
        self.steps.append(step)
        self.grad_norms.append(grads)
        self.update_ratios.append(ratios)
        return True

    def series(self, which: str) -> dict[str, np.ndarray]:
        """Each tensor's series of `which` ("grad" or "update"), oldest first."""
        rows = self.grad_norms if which == "grad" else self.update_ratios
        if not rows:
            return {name: np.empty(0) for name in self.names}
        table = np.stack(rows)  # (points, n_tensors)
        return {name: table[:, i] for i, name in enumerate(self.names)}


class CharLosses:
    """Running mean loss of predicting each next character, over the names seen."""

    def __init__(self) -> None:
        self.mean: dict[str, float] = {}
        self.count: dict[str, int] = {}
        self._last: tuple[int, str] | None = None

    def observe(self, step: int, targets: str, losses: tuple[float, ...]) -> None:
        """Add one name's per-position losses; `targets` holds each position's next label."""
        if self._last == (step, targets):
            return
        self._last = (step, targets)
        for char, loss in zip(targets, losses, strict=False):
            if char in self.mean:
                self.mean[char] = CHAR_DECAY * self.mean[char] + (1 - CHAR_DECAY) * loss
            else:
                self.mean[char] = loss
            self.count[char] = self.count.get(char, 0) + 1

    def hardest(self, n: int = 8) -> list[tuple[str, float]]:
        """The `n` characters with the highest running loss, hardest first."""
        return sorted(self.mean.items(), key=lambda kv: -kv[1])[:n]
