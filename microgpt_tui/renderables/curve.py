"""A multi-line sparkline of a series (the smoothed loss), with its high and low marked.

The series is averaged into one bucket per column and drawn with eighth blocks, one Text per
row, so drawing costs O(width x height) characters whatever the length of the series.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text

BLOCKS = " ▁▂▃▄▅▆▇█"  # 0..8 eighths of a cell


def resample(values: Sequence[float], width: int) -> np.ndarray:
    """`values` as `width` bucket means (fewer if there are fewer values)."""
    v = np.asarray(values, dtype=float)
    if len(v) <= width:
        return v
    edges = np.linspace(0, len(v), width + 1).astype(int)
    sums = np.add.reduceat(v, edges[:-1])
    return sums / np.diff(edges)


class Curve:
    """`values` as columns of blocks `height` rows tall, scaled from their low to their high."""

    def __init__(
        self, values: Sequence[float], *, height: int = 5, style: str = "", axis_style: str = "dim"
    ) -> None:
        self.values = list(values)
        self.height = max(height, 1)
        self.style = style
        self.axis_style = axis_style

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        H = self.height
        if not self.values:
            for _ in range(H):
                yield Text("")
            return
        lo, hi = min(self.values), max(self.values)
        axis_w = max(len(f"{hi:.2f}"), len(f"{lo:.2f}")) + 1
        cols = resample(self.values, max(options.max_width - axis_w, 1))
        lo, hi = float(cols.min()), float(cols.max())  # the scale of what is drawn
        labels = [f"{hi:.2f}".rjust(axis_w - 1), f"{lo:.2f}".rjust(axis_w - 1)]
        span = hi - lo
        frac = (cols - lo) / span if span > 0 else np.full(len(cols), 0.5)
        eighths = np.round(frac * (H * 8 - 1)).astype(int) + 1  # at least one eighth shows
        for row in range(H):
            base = (H - 1 - row) * 8  # eighths below this row
            level = np.clip(eighths - base, 0, 8)
            label = labels[0] if row == 0 else labels[1] if row == H - 1 else ""
            line = Text(
                label + "┤" if label else " " * (axis_w - 1) + "│",
                style=self.axis_style,
                no_wrap=True,
            )
            line.append("".join(BLOCKS[i] for i in level), style=self.style)
            yield line
