"""The loss curve renderable: bucketing and drawing, without an app."""

from __future__ import annotations

import io

import numpy as np
from rich.console import Console

from microgpt_tui.renderables.curve import Curve, resample


def render(renderable, width: int) -> list[str]:
    console = Console(width=width, record=True, file=io.StringIO())
    console.print(renderable)
    return console.export_text().splitlines()


def test_resample_averages_buckets() -> None:
    np.testing.assert_allclose(resample([1, 3, 5, 7], 2), [2, 6])
    np.testing.assert_allclose(resample([1, 2], 5), [1, 2])


def test_falling_series_draws_high_left_low_right() -> None:
    lines = render(Curve(np.linspace(3.3, 2.5, 100), height=4), 30)
    assert len(lines) == 4
    assert lines[0].startswith("3.29┤") and lines[-1].startswith("2.51┤")  # bucket means
    top, bottom = lines[0][5:], lines[-1][5:]
    assert top[0] == "█" and top[-1] == " "
    assert bottom.strip() and all(len(line) <= 30 for line in lines)


def test_empty_and_flat_series() -> None:
    assert render(Curve([], height=3), 20) == ["", "", ""]
    flat = render(Curve([2.0] * 10, height=2), 20)
    assert len(flat) == 2 and "2.00" in flat[0]
