"""Cheap running figures of training for the app: the loss EMA, a bounded history, the step rate.

All updates are O(1) per step so the trainer thread never slows down as the run grows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

EMA_BETA = 0.98  # about a 50-step window
MAX_POINTS = 256  # history length before it is halved (pairs averaged, stride doubled)
RATE_SMOOTHING = 0.3  # weight of the newest steps/s measurement


@dataclass(frozen=True)
class LossFigures:
    """What the loss panel shows; plain numbers (None: not known yet)."""

    step: int
    total_steps: int
    loss: float | None
    ema: float | None
    val_loss: float | None
    baseline: float  # ln(vocab_size): the loss of a uniform guess
    vocab_size: int
    lr: float | None
    grad_norm: float | None
    steps_per_s: float | None
    eta_s: float | None
    history: tuple[float, ...]  # the EMA, downsampled


class LossTracker:
    """An EMA of the loss and its history, downsampled by pair-averaging when it gets long."""

    def __init__(self, beta: float = EMA_BETA, max_points: int = MAX_POINTS) -> None:
        self.beta = beta
        self.max_points = max_points
        self.ema: float | None = None
        self.history: list[float] = []
        self.stride = 1  # EMA values per history point
        self._acc = 0.0
        self._n = 0

    def update(self, loss: float) -> None:
        """Fold in one step's loss (non-finite losses are skipped)."""
        if not math.isfinite(loss):
            return
        self.ema = loss if self.ema is None else self.beta * self.ema + (1 - self.beta) * loss
        self._acc += self.ema
        self._n += 1
        if self._n < self.stride:
            return
        self.history.append(self._acc / self._n)
        self._acc, self._n = 0.0, 0
        if len(self.history) >= self.max_points:
            h = self.history
            self.history = [(h[i] + h[i + 1]) / 2 for i in range(0, len(h) - 1, 2)]
            self.stride *= 2


class RateMeter:
    """Steps per second between observations while running, smoothed; None when not running."""

    def __init__(self) -> None:
        self.rate: float | None = None
        self._t: float | None = None
        self._step = 0

    def observe(self, step: int, now: float, running: bool) -> float | None:
        """The smoothed rate after seeing `step` at time `now`."""
        if not running:
            self.rate, self._t = None, None
            return None
        if self._t is not None and now > self._t and step > self._step:
            inst = (step - self._step) / (now - self._t)
            self.rate = (
                inst if self.rate is None else self.rate + RATE_SMOOTHING * (inst - self.rate)
            )
        if self._t is None or step > self._step:
            self._t, self._step = now, step
        return self.rate


def eta_seconds(step: int, total: int, rate: float | None) -> float | None:
    """Seconds to the end at `rate` steps/s, or None if unknown."""
    if not rate or step >= total:
        return None
    return (total - step) / rate
