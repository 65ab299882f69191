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
    """Adam's moments and step count t for a flat buffer; `step` updates the buffer in place.

    It keeps the moments as decayed sums, G = b1 G + g and S = b2 S + g^2, so that
    m = (1 - b1) G and v = (1 - b2) S: the (1 - b) factors join the bias correction as
    scalars, and both sums, rows of one (2, size) array, are updated by three vector operations.
    The gradient goes in the first row of a scratch (2, size) array: a trainer that writes it
    straight into `grad` saves a copy (the step then uses that buffer as scratch).
    """

    def __init__(self, size: int, beta1: float, beta2: float, eps: float, dtype="float64") -> None:
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.sums = np.zeros((2, size), dtype=dtype)  # G and S, the state a checkpoint keeps
        self.t = 0
        self._scratch = np.empty((2, size), dtype=dtype)  # a step allocates nothing
        self.grad = self._scratch[0]  # write a gradient here to skip the copy in `step`
        self._decay = np.array([[beta1], [beta2]], dtype=dtype)
        self._tiny = np.empty(size, dtype=bool)

    @property
    def m(self) -> np.ndarray:
        """The first moment m = b1 m + (1 - b1) g, before bias correction (a copy)."""
        return self.sums[0] * (1.0 - self.beta1)

    @property
    def v(self) -> np.ndarray:
        """The second moment v = b2 v + (1 - b2) g^2, before bias correction (a copy)."""
        return self.sums[1] * (1.0 - self.beta2)

    def set_moments(self, m: np.ndarray, v: np.ndarray) -> None:
        """Set the state from standard moments m and v (to within rounding)."""
        np.divide(m, 1.0 - self.beta1, out=self.sums[0])
        np.divide(v, 1.0 - self.beta2, out=self.sums[1])

    def step(
        self, params: np.ndarray, grad: np.ndarray, lr: float, weight_decay: float = 0.0
    ) -> None:
        """One update: w -= lr * m_hat / (sqrt(v_hat) + eps), after the decoupled weight decay
        w *= 1 - lr * weight_decay (AdamW) when weight_decay is not 0. `grad` is left as it
        is unless it is this optimizer's own `grad` buffer, which the step overwrites."""
        if weight_decay:
            np.multiply(params, 1.0 - lr * weight_decay, out=params)
        self.t += 1
        b1, b2, both, tmp = self.beta1, self.beta2, self._scratch, self._scratch[0]
        if grad is not self.grad:
            np.copyto(self.grad, grad)
        np.multiply(self.grad, self.grad, out=both[1])
        np.multiply(self.sums, self._decay, out=self.sums)
        np.add(self.sums, both, out=self.sums)  # G = b1 G + g, S = b2 S + g^2
        # m_hat = (1 - b1) G / c1 and v_hat = (1 - b2) S / c2 with c = 1 - b^t, so
        # lr * m_hat / (sqrt(v_hat) + eps) = (lr (1 - b1) / (c1 k)) * G / (sqrt(S) + eps / k)
        # with k = sqrt((1 - b2) / c2): every correction is a scalar
        k = np.sqrt((1.0 - b2) / (1.0 - b2**self.t))
        np.sqrt(self.sums[1], out=tmp)
        np.add(tmp, self.eps / k, out=tmp)
        np.divide(self.sums[0], tmp, out=tmp)
        np.multiply(tmp, lr * (1.0 - b1) / ((1.0 - b1**self.t) * k), out=tmp)
        np.subtract(params, tmp, out=params)
        if self.t % FLUSH_EVERY == 0:
            self._flush_tiny()

    def _flush_tiny(self) -> None:
        """Set |G| < 1e-100 and S < 1e-200 to zero. A parameter whose gradient stays zero sees
        its G decay by beta1 each step into subnormal numbers, on which every vector operation
        runs several times slower; an update of lr * 1e-100 / eps is far below any float's
        resolution, so the flush changes nothing else."""
        tmp, (g_sum, sq_sum) = self._scratch[0], self.sums
        np.abs(g_sum, out=tmp)
        np.less(tmp, 1e-100, out=self._tiny)
        np.copyto(g_sum, 0.0, where=self._tiny)
        np.less(sq_sum, 1e-200, out=self._tiny)
        np.copyto(sq_sum, 0.0, where=self._tiny)

    def copy(self) -> Adam:
        size, dtype = self.sums.shape[1], self.sums.dtype
        other = Adam(size, self.beta1, self.beta2, self.eps, dtype)
        other.sums[...] = self.sums
        other.t = self.t
        return other
