"""Strips of numbers: each value a short number on a cell coloured by its sign and size.

Vectors (an embedding, q, a head's output) use a diverging scale, blue below zero, red above, so
the pattern shows at a glance; weights in [0, 1] (softmax rows) use the heatmap's viridis. Under
NO_COLOR the numbers stand alone. A strip longer than the width goes on over more lines (its
labels, if any, above each line).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.style import Style
from rich.text import Text

from .heatmap import cell_style, viridis

# a diverging scale (coolwarm's ends and middle): negative, zero, positive
COOL, MID, WARM = (59, 76, 192), (221, 221, 221), (180, 4, 38)
CELL = 5  # characters per number


def fit(x: float, width: int = CELL) -> str:
    """`x` in `width` (at least 5) characters, sign first: "+0.12", "-3.40", "+12.3", then
    powers of ten without a "+" or zeros in the exponent ("+1e5", "-2e13"), then "+e100"."""
    if not np.isfinite(x):
        return ("-inf" if x < 0 else "+inf" if x > 0 else "nan").rjust(width)
    for digits in (2, 1, 0):
        s = f"{x:+.{digits}f}"
        if len(s) <= width:
            return s.rjust(width)
    for digits in (2, 1, 0):
        mantissa, exponent = f"{x:+.{digits}e}".split("e")
        s = f"{mantissa}e{int(exponent)}"
        if len(s) <= width:
            return s.rjust(width)
    return f"{mantissa[0]}e{int(exponent)}".rjust(width)  # |x| >= 1e100: the power alone


def diverging(t: float) -> tuple[int, int, int]:
    """The colour of `t` in [-1, 1] (clipped): cool below zero, warm above."""
    t = min(max(float(t), -1.0), 1.0)
    end = WARM if t > 0 else COOL
    f = abs(t)
    return tuple(round(m + (e - m) * f) for m, e in zip(MID, end, strict=True))


def _cell_style(rgb: tuple[int, int, int]) -> Style:
    r, g, b = rgb
    light = 0.299 * r + 0.587 * g + 0.114 * b > 140
    return Style(color="black" if light else "white", bgcolor=f"rgb({r},{g},{b})")


def _plain(console: Console) -> bool:
    return console.no_color or console.color_system is None


class NumberStrip:
    """`values` as coloured numbers; `scale` fixes the colour range (default: the largest |x|)."""

    def __init__(
        self,
        values: Sequence[float] | np.ndarray,
        *,
        scale: float | None = None,
        weights: bool = False,
        marks: Sequence[str] | None = None,
    ) -> None:
        self.values = np.asarray(values, dtype=float).ravel()
        finite = self.values[np.isfinite(self.values)]
        top = float(np.abs(finite).max()) if finite.size else 0.0
        self.scale = scale if scale is not None else (top or 1.0)
        self.weights = weights  # values in [0, 1]: viridis instead of the diverging scale
        self.marks = list(marks) if marks is not None else None  # a label above each cell

    def text(self, plain: bool = False, start: int = 0, stop: int | None = None) -> Text:
        """Cells `start:stop` as one line (a space between cells)."""
        out = Text(no_wrap=True, overflow="crop")
        for i, x in enumerate(self.values[start:stop]):
            if i:
                out.append(" ")
            label = fit(x)
            if plain or not np.isfinite(x):
                out.append(label, style="dim" if not np.isfinite(x) else "")
            elif self.weights:
                out.append(label, style=_cell_style(viridis(x)))
            else:
                out.append(label, style=_cell_style(diverging(x / self.scale)))
        return out

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        n = max(len(self.values), 1)
        return Measurement(min(CELL, options.max_width), n * (CELL + 1) - 1)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        plain = _plain(console)
        per_line = max((options.max_width + 1) // (CELL + 1), 1)
        for start in range(0, max(len(self.values), 1), per_line):
            if self.marks is not None:
                marks = self.marks[start : start + per_line]
                yield Text(" ".join(m[:CELL].center(CELL) for m in marks), style="bold")
            yield self.text(plain, start, start + per_line)


class UnitCells:
    """Many values (an MLP's hidden layer) as one character each: dark when zero, else coloured
    by the heatmap's scale (x / the largest |x|, clipped at 0); "?" for an inf or a nan."""

    def __init__(self, values: Sequence[float] | np.ndarray) -> None:
        self.values = np.asarray(values, dtype=float).ravel()

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        plain = _plain(console)
        finite = np.abs(self.values[np.isfinite(self.values)])
        top = (float(finite.max()) if finite.size else 0.0) or 1.0
        out = Text(no_wrap=False, overflow="fold")
        for x in self.values:
            if x == 0:
                out.append("·", style="dim")
            elif not np.isfinite(x):
                out.append("?", style="dim")
            elif plain:
                out.append("█")
            else:
                out.append("█", style=cell_style(x / top))
        yield out
