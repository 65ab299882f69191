"""The running figures: EMA, bounded history, rate and ETA."""

from __future__ import annotations

import math

import pytest

from microgpt_tui.stats import LossTracker, RateMeter, eta_seconds


def test_ema_starts_at_the_first_loss_and_skips_non_finite() -> None:
    t = LossTracker(beta=0.5)
    t.update(4.0)
    assert t.ema == 4.0
    t.update(2.0)
    assert t.ema == 3.0
    t.update(math.nan)
    t.update(math.inf)
    assert t.ema == 3.0


def test_history_stays_bounded_and_keeps_the_shape() -> None:
    t = LossTracker(beta=0.0, max_points=16)
    for i in range(10_000):
        t.update(10_000 - i)
    assert len(t.history) < 16 and t.stride > 1
    assert t.history == sorted(t.history, reverse=True)  # still falling
    assert t.history[0] > 9_000 and t.history[-1] < 2_000


def test_rate_is_measured_only_while_running() -> None:
    r = RateMeter()
    assert r.observe(0, 0.0, True) is None
    assert r.observe(100, 1.0, True) == pytest.approx(100)
    assert r.observe(300, 2.0, True) == pytest.approx(100 + 0.3 * 100)
    assert r.observe(300, 3.0, False) is None
    assert r.observe(400, 10.0, True) is None  # a new start, not the paused time


def test_eta() -> None:
    assert eta_seconds(100, 1100, 500.0) == pytest.approx(2.0)
    assert eta_seconds(100, 1100, None) is None
    assert eta_seconds(1100, 1100, 10.0) is None
