"""Training health, drawn: one-line sparklines per tensor (gradient norm, update / weight) and the
learning-rate schedule with the current step marked. Pure Rich; sized to the width given.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.table import Table
from rich.text import Text

from .curve import BLOCKS, resample


def _finite(values: Sequence[float] | np.ndarray) -> np.ndarray:
    v = np.asarray(values, dtype=float)
    return v[np.isfinite(v)]


class Spark:
    """A one-line sparkline of `values` (scaled from their low to their high; gaps skipped)."""

    def __init__(self, values: Sequence[float] | np.ndarray, *, log: bool = False, style: str = ""):
        v = _finite(values)
        if log:
            v = np.log10(v[v > 0]) if v.size else v
        self.values = v
        self.style = style

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(1, max(len(self.values), 1))

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if not self.values.size:
            yield Text("…", style="dim")
            return
        cols = resample(self.values, max(options.max_width, 1))
        lo, hi = float(cols.min()), float(cols.max())
        frac = (cols - lo) / (hi - lo) if hi > lo else np.full(len(cols), 0.5)
        levels = np.round(frac * 7).astype(int) + 1  # 1..8 eighths: the lowest still shows
        yield Text("".join(BLOCKS[i] for i in levels), style=self.style, no_wrap=True)


def _last(values: np.ndarray, spec: str) -> str:
    v = _finite(values)
    return format(float(v[-1]), spec) if v.size else "—"


def tensor_table(
    grads: Mapping[str, np.ndarray], ratios: Mapping[str, np.ndarray], *, style: str = ""
) -> Table:
    """A row per tensor: its gradient norm and update/weight ratio over time, and the latest."""
    t = Table(box=None, padding=(0, 1, 0, 0), expand=True, header_style="bold")
    t.add_column("tensor", no_wrap=True)
    t.add_column("‖gradient‖ over time", ratio=1)
    t.add_column("now", justify="right", no_wrap=True)
    t.add_column("‖update‖ / ‖weight‖ per step (log)", ratio=1)
    t.add_column("now", justify="right", no_wrap=True)
    for name in grads:
        t.add_row(
            name,
            Spark(grads[name], style=style),
            _last(grads[name], ".3g"),
            Spark(ratios[name], log=True, style=style),
            _last(ratios[name], ".1e"),
        )
    return t


class Schedule:
    """The learning rate over the run (`lrs` at evenly spaced steps), `progress` (0..1) marked."""

    def __init__(
        self,
        lrs: Sequence[float] | np.ndarray,
        progress: float,
        *,
        height: int = 4,
        style: str = "",
        marker_style: str = "bold reverse",
    ) -> None:
        self.lrs = np.asarray(lrs, dtype=float)
        self.progress = min(max(progress, 0.0), 1.0)
        self.height = max(height, 1)
        self.style = style
        self.marker_style = marker_style

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        H, n = self.height, len(self.lrs)
        if n == 0:
            return
        hi = float(self.lrs.max())
        label_w = len(f"{hi:.4f}") + 1
        width = max(options.max_width - label_w, 1)
        if n >= width:
            cols = resample(self.lrs, width)
        else:  # fewer steps than columns: stretch
            cols = np.interp(np.linspace(0, n - 1, width), np.arange(n), self.lrs)
        mark = min(int(self.progress * len(cols)), len(cols) - 1)
        eighths = np.round(cols / hi * H * 8).astype(int) if hi > 0 else np.zeros(len(cols), int)
        for row in range(H):
            base = (H - 1 - row) * 8
            level = np.clip(eighths - base, 0, 8)
            label = f"{hi:.4f}" if row == 0 else "0".rjust(label_w - 1) if row == H - 1 else ""
            line = Text((label or "").rjust(label_w - 1) + "│", style="dim", no_wrap=True)
            for i, k in enumerate(level):
                char = BLOCKS[k] if k else " "
                if i == mark:
                    line.append(char if k else "│", style=self.marker_style)
                else:
                    line.append(char, style=self.style)
            yield line
        at = label_w + mark
        if at + 6 <= options.max_width:
            yield Text(" " * at + "▲ now", no_wrap=True, style="bold")
        else:
            yield Text(" " * max(at - 4, 0) + "now ▲", no_wrap=True, style="bold")
