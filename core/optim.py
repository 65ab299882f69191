"""Adam with bias correction (document section 17) on one flat parameter buffer, and the schedule.

Because every parameter lives in one buffer, an optimisation step is a handful of vector
operations, whatever the number of tensors.
"""

from __future__ import annotations

import numpy as np


def lr_at(step: int, lr: float, num_steps: int, warmup_steps: int = 0) -> float:
    """Learning rate for 0-based `step`: linear warm-up, then linear decay to 0 at num_steps."""
    if step < warmup_steps:
        return lr * (step + 1) / warmup_steps
    return lr * (1.0 - (step - warmup_steps) / (num_steps - warmup_steps))


class Adam:
    """m, v and the step count t for a flat buffer; `step` updates the buffer in place."""

    def __init__(self, size: int, beta1: float, beta2: float, eps: float, dtype="float64") -> None:
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.m = np.zeros(size, dtype=dtype)
        self.v = np.zeros(size, dtype=dtype)
        self.t = 0

    def step(self, params: np.ndarray, grad: np.ndarray, lr: float) -> None:
        """One update: w -= lr * m_hat / (sqrt(v_hat) + eps)."""
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        self.m *= b1
        self.m += (1.0 - b1) * grad
        self.v *= b2
        self.v += (1.0 - b2) * (grad * grad)
        m_hat = self.m / (1.0 - b1**self.t)
        v_hat = self.v / (1.0 - b2**self.t)
        params -= lr * m_hat / (np.sqrt(v_hat) + self.eps)

    def copy(self) -> Adam:
        other = Adam(self.m.size, self.beta1, self.beta2, self.eps, self.m.dtype)
        other.m[...] = self.m
        other.v[...] = self.v
        other.t = self.t
        return other
