"""The attention heatmap: weights (T, T) as coloured cells on a perceptual scale, with a legend.

Under NO_COLOR (or `glyphs=True`) cells use a glyph ramp instead, so the map stays readable.
`HeadGrid` lays out every head side by side when the width allows, else only the focused one.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rich.console import Console, ConsoleOptions, RenderResult
from rich.measure import Measurement
from rich.segment import Segment
from rich.style import Style
from rich.text import Text

# matplotlib's viridis at 9 evenly spaced points (perceptually uniform, colour-blind safe)
VIRIDIS = (
    (68, 1, 84),
    (71, 44, 122),
    (59, 81, 139),
    (44, 113, 142),
    (33, 144, 141),
    (39, 173, 129),
    (92, 200, 99),
    (170, 220, 50),
    (253, 231, 37),
)
GLYPHS = " ░▒▓█"  # the NO_COLOR ramp, from 0 to 1
HEAD_GAP = 2  # columns between heads


def viridis(value: float) -> tuple[int, int, int]:
    """The viridis colour of `value` in [0, 1] (clipped), linearly interpolated."""
    x = min(max(float(value), 0.0), 1.0) * (len(VIRIDIS) - 1)
    i = min(int(x), len(VIRIDIS) - 2)
    f = x - i
    lo, hi = VIRIDIS[i], VIRIDIS[i + 1]
    return tuple(round(a + (b - a) * f) for a, b in zip(lo, hi, strict=True))


LEVELS = 64  # colours precomputed along the scale
_CELL_STYLES = [
    Style(color="rgb({},{},{})".format(*viridis(k / (LEVELS - 1)))) for k in range(LEVELS)
]


def cell_style(value: float) -> Style:
    """The style of a cell of weight `value` in [0, 1] (the nearest of LEVELS colours)."""
    return _CELL_STYLES[round(min(max(float(value), 0.0), 1.0) * (LEVELS - 1))]


def glyph(value: float) -> str:
    """The ramp glyph of `value` in [0, 1] (clipped)."""
    v = min(max(float(value), 0.0), 1.0)
    return GLYPHS[min(int(v * len(GLYPHS)), len(GLYPHS) - 1)]


def _use_glyphs(console: Console, glyphs: bool) -> bool:
    return glyphs or console.no_color or console.color_system is None


class Heatmap:
    """One head's causal attention weights (T, T): row = query position, column = key."""

    def __init__(
        self,
        weights: np.ndarray,
        labels: Sequence[str],
        *,
        cell_width: int = 2,
        glyphs: bool = False,
        title: str = "",
        title_style: str = "bold",
    ) -> None:
        self.weights = np.asarray(weights, dtype=float)
        T = self.weights.shape[0]
        self.labels = [(lab or " ")[:1] for lab in list(labels)[:T]]
        self.labels += [" "] * (T - len(self.labels))
        self.cell_width = cell_width
        self.glyphs = glyphs
        self.title = title
        self.title_style = title_style

    @property
    def width(self) -> int:
        return 2 + len(self.labels) * self.cell_width

    def __rich_measure__(self, console: Console, options: ConsoleOptions) -> Measurement:
        return Measurement(self.width, self.width)

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        glyphs = _use_glyphs(console, self.glyphs)
        cw, T = self.cell_width, len(self.labels)
        if self.title:
            yield Text(self.title[: self.width].ljust(self.width), style=self.title_style)
        header = "  " + "".join(lab.center(cw) for lab in self.labels)
        yield Text(header, style="bold")
        for i, lab in enumerate(self.labels):
            yield Segment(f"{lab} ", Style(bold=True))
            for j in range(T):
                if j > i:  # masked by causality: nothing to show
                    yield Segment(" " * cw)
                    continue
                w = self.weights[i, j]
                if glyphs:
                    yield Segment(glyph(w) * cw)
                else:
                    yield Segment("█" * cw, cell_style(w))
            yield Segment.line()


class Legend:
    """The colour (or glyph) scale from weight 0 to 1."""

    def __init__(self, *, glyphs: bool = False, steps: int = 10) -> None:
        self.glyphs = glyphs
        self.steps = steps

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        text = Text("weight 0 ", style="dim")
        if _use_glyphs(console, self.glyphs):
            text.append("".join(g * 2 for g in GLYPHS))
        else:
            for k in range(self.steps):
                r, g, b = viridis(k / (self.steps - 1))
                text.append("█", style=f"rgb({r},{g},{b})")
        text.append(" 1   blank: masked (future)", style="dim")
        yield text


class HeadGrid:
    """Every head of one layer side by side if they fit (2- or 1-column cells), else `focus`."""

    def __init__(
        self,
        weights: np.ndarray,
        labels: Sequence[str],
        focus: int = 0,
        *,
        glyphs: bool = False,
        legend: bool = True,
    ) -> None:
        self.weights = np.asarray(weights, dtype=float)  # (H, T, T)
        self.labels = list(labels)
        self.focus = focus
        self.glyphs = glyphs
        self.legend = legend

    @property
    def height(self) -> int:
        """Lines drawn: head titles, column labels, T rows and the legend."""
        return 2 + self.weights.shape[1] + (1 if self.legend else 0)

    def layout(self, width: int) -> tuple[list[int], int]:
        """The heads to draw and their cell width for `width` columns."""
        H, T = self.weights.shape[0], self.weights.shape[1]
        for cw in (2, 1):
            if H * (2 + T * cw) + (H - 1) * HEAD_GAP <= width:
                return list(range(H)), cw
        return [self.focus], 2 if 2 + 2 * T <= width else 1

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        heads, cw = self.layout(options.max_width)
        maps = []
        for h in heads:
            focused = h == self.focus and len(heads) > 1
            maps.append(
                Heatmap(
                    self.weights[h],
                    self.labels,
                    cell_width=cw,
                    glyphs=self.glyphs,
                    title=f"head {h}" + (" ◂" if focused else ""),
                    title_style="bold reverse" if focused else "bold",
                )
            )
        columns = [
            console.render_lines(m, options.update(width=m.width, height=None), pad=True)
            for m in maps
        ]
        gap = Segment(" " * HEAD_GAP)
        for row in range(max(len(c) for c in columns)):
            for k, lines in enumerate(columns):
                if k:
                    yield gap
                yield from lines[row] if row < len(lines) else [Segment(" " * maps[k].width)]
            yield Segment.line()
        if self.legend:
            yield Legend(glyphs=self.glyphs)
