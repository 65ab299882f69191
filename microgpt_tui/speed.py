"""The training speed limit the app trains at: a ladder the `<` `>` keys climb, and its labels.

The default, 100 steps/s, plays the default 1,000-step run in about ten seconds: each of the
~12 snapshots a second moves the curve by ~8 steps and each attention redraw (2 a second) by
~50, so the first fall of the loss from ln(28) takes seconds, not a blink. `None` is "max".
"""

from __future__ import annotations

import math

SPEEDS: tuple[float | None, ...] = (10, 30, 100, 300, 1000, None)  # steps/s; None: max
DEFAULT_SPEED: float | None = 100


def next_speed(speed: float | None, direction: int) -> float | None:
    """The next value on the ladder, slower (-1) or faster (+1); the ends stay put."""
    if direction > 0:
        return next((s for s in SPEEDS if s is None or (speed is not None and s > speed)), None)
    if speed is None:
        return SPEEDS[-2]
    return next((s for s in reversed(SPEEDS) if s is not None and s < speed), SPEEDS[0])


def speed_label(speed: float | None) -> str:
    """The label of a speed: "max", or steps per second ("100", "2.5")."""
    return "max" if speed is None else f"{speed:,g}"


def parse_speed(text: str) -> float | None:
    """A --speed value: "max" or a positive number of steps per second; ValueError otherwise."""
    if text.strip().lower() == "max":
        return None
    value = float(text)
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"speed must be a positive number of steps/s or max, got {text}")
    return value
