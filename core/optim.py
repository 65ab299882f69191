"""Adam with bias correction (document section 17) on one flat parameter buffer, and the schedule.

Because every parameter lives in one buffer, an optimisation step is a handful of vector
operations, whatever the number of tensors.
"""

from __future__ import annotations

import numpy as np

FLUSH_EVERY = 64  # steps between flushes of Adam's vanishing moments (see Adam._flush_tiny)


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
        self._tmp = np.empty(size, dtype=dtype)  # scratch, so a step allocates nothing
        self._tiny = np.empty(size, dtype=bool)

    def step(
        self, params: np.ndarray, grad: np.ndarray, lr: float, weight_decay: float = 0.0
    ) -> None:
        """One update: w -= lr * m_hat / (sqrt(v_hat) + eps), after the decoupled weight decay
        w *= 1 - lr * weight_decay (AdamW) when weight_decay is not 0."""
        if weight_decay:
            np.multiply(params, 1.0 - lr * weight_decay, out=params)
        self.t += 1
        b1, b2, m, v, tmp = self.beta1, self.beta2, self.m, self.v, self._tmp
        np.multiply(m, b1, out=m)  # m = b1 m + (1 - b1) g
        np.multiply(grad, 1.0 - b1, out=tmp)
        np.add(m, tmp, out=m)
        np.multiply(grad, grad, out=tmp)  # v = b2 v + (1 - b2) g^2
        np.multiply(v, b2, out=v)
        np.multiply(tmp, 1.0 - b2, out=tmp)
        np.add(v, tmp, out=v)
        # with c1 = 1 - b1^t, c2 = 1 - b2^t the update lr * (m / c1) / (sqrt(v / c2) + eps)
        # is (lr sqrt(c2) / c1) * m / (sqrt(v) + eps sqrt(c2)): the corrections become scalars
        root_c2 = np.sqrt(1.0 - b2**self.t)
        np.sqrt(v, out=tmp)
        np.add(tmp, self.eps * root_c2, out=tmp)
        np.divide(m, tmp, out=tmp)
        np.multiply(tmp, lr * root_c2 / (1.0 - b1**self.t), out=tmp)
        np.subtract(params, tmp, out=params)
        if self.t % FLUSH_EVERY == 0:
            self._flush_tiny()

    def _flush_tiny(self) -> None:
        """Set |m| < 1e-100 and v < 1e-200 to zero. A parameter whose gradient stays zero sees
        its m decay by beta1 each step into subnormal numbers, on which every vector operation
        runs several times slower; an update of lr * 1e-100 / eps is far below any float's
        resolution, so the flush changes nothing else."""
        np.abs(self.m, out=self._tmp)
        np.less(self._tmp, 1e-100, out=self._tiny)
        np.copyto(self.m, 0.0, where=self._tiny)
        np.less(self.v, 1e-200, out=self._tiny)
        np.copyto(self.v, 0.0, where=self._tiny)

    def copy(self) -> Adam:
        other = Adam(self.m.size, self.beta1, self.beta2, self.eps, self.m.dtype)
        other.m[...] = self.m
        other.v[...] = self.v
        other.t = self.t
        return other
