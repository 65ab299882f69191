"""Adam against a hand computation, and the learning-rate schedule."""

import itertools
import math

import numpy as np
import pytest

from core.optim import Adam, lr_at


def test_adam_first_and_second_steps_by_hand():
    b1, b2, eps, lr = 0.9, 0.95, 1e-8, 0.01
    w0 = np.array([0.5, -1.0, 2.0, 0.0])
    g1 = np.array([0.3, -2.0, 1e-3, 0.0])
    g2 = np.array([-0.1, -1.0, 4.0, 0.5])
    adam = Adam(4, b1, b2, eps)
    w = w0.copy()

    adam.step(w, g1, lr)
    for i in range(4):
        m = (1 - b1) * g1[i]
        v = (1 - b2) * g1[i] ** 2
        m_hat, v_hat = m / (1 - b1), v / (1 - b2)
        step1 = lr * m_hat / (math.sqrt(v_hat) + eps)
        assert w[i] == pytest.approx(w0[i] - step1, rel=1e-14, abs=1e-16)
        # after bias correction the first step is lr * g / (|g| + eps): about lr * sign(g)
        assert step1 == pytest.approx(lr * g1[i] / (abs(g1[i]) + eps), rel=1e-12)
        assert adam.m[i] == pytest.approx(m, rel=1e-15)
        assert adam.v[i] == pytest.approx(v, rel=1e-15)
    assert adam.t == 1
    w1 = w.copy()

    adam.step(w, g2, lr / 2)
    for i in range(4):
        m = b1 * (1 - b1) * g1[i] + (1 - b1) * g2[i]
        v = b2 * (1 - b2) * g1[i] ** 2 + (1 - b2) * g2[i] ** 2
        m_hat, v_hat = m / (1 - b1**2), v / (1 - b2**2)
        expected = w1[i] - (lr / 2) * m_hat / (math.sqrt(v_hat) + eps)
        assert w[i] == pytest.approx(expected, rel=1e-14, abs=1e-16)
    assert adam.t == 2


def test_adam_updates_in_place_and_copies_independently():
    adam = Adam(3, 0.9, 0.99, 1e-8)
    w = np.zeros(3)
    buffer = w
    adam.step(w, np.ones(3), 0.1)
    assert buffer is w and np.allclose(w, -0.1)
    twin = adam.copy()
    adam.step(w, np.ones(3), 0.1)
    assert twin.t == 1 and adam.t == 2
    assert not np.array_equal(twin.m, adam.m)


def test_linear_decay_to_zero():
    lrs = [lr_at(t, 0.01, 10) for t in range(10)]
    assert lrs == pytest.approx([0.01 * (1 - t / 10) for t in range(10)], rel=1e-15)
    assert lrs[0] == 0.01 and lrs[-1] == pytest.approx(0.001)
    assert lr_at(10, 0.01, 10) == 0.0


def test_warm_up_then_decay():
    lrs = [lr_at(t, 1.0, 10, warmup_steps=4) for t in range(10)]
    assert lrs[:4] == pytest.approx([0.25, 0.5, 0.75, 1.0])
    # then linear decay over the remaining 6 steps
    assert lrs[4:] == pytest.approx([1 - k / 6 for k in range(6)])
    assert all(a >= b for a, b in itertools.pairwise(lrs[3:]))
