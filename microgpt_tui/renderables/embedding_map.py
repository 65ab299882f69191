"""The embedding map: token embeddings projected on their two principal axes, one character per
point on a grid of cells, so letters with similar roles are seen drifting together.

Two points that fall on the same cell do not hide each other: the second takes the nearest free
cell (a ring at a time); only when none is free within reach is it dropped (and counted).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from rich.console import Console, ConsoleOptions, RenderResult
from rich.style import Style
from rich.text import Text

VOWELS = frozenset("aeiouy")
REACH = 3  # rings of cells searched for a free one


def place(
    coords: np.ndarray, width: int, height: int
) -> tuple[list[tuple[int, int] | None], tuple[int, int]]:
    """The cell (column, row) of each point of `coords` (N, 2) on a width x height grid (row 0 at
    the top), nearest free cell on collision; and the cell of the origin."""
    W, H = max(width, 1), max(height, 1)
    xy = np.asarray(coords, dtype=float)
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    lo, hi = np.minimum(lo, 0.0), np.maximum(hi, 0.0)  # keep the origin in view
    span = np.where(hi - lo > 0, hi - lo, 1.0)

    def cell(p: np.ndarray) -> tuple[int, int]:
        f = (p - lo) / span
        return int(round(f[0] * (W - 1))), int(round((1 - f[1]) * (H - 1)))

    taken: set[tuple[int, int]] = set()
    out: list[tuple[int, int] | None] = []
    for p in xy:
        c0, r0 = cell(p)
        spot = None
        for ring in range(REACH + 1):
            for dr in range(-ring, ring + 1):
                for dc in range(-ring, ring + 1):
                    if max(abs(dr), abs(dc)) != ring:
                        continue
                    c, r = c0 + dc, r0 + dr
                    if 0 <= c < W and 0 <= r < H and (c, r) not in taken:
                        spot = (c, r)
                        break
                if spot:
                    break
            if spot:
                break
        if spot:
            taken.add(spot)
        out.append(spot)
    return out, cell(np.zeros(2))


class EmbeddingMap:
    """Points `coords` (N, 2) labelled `labels` on a grid `height` rows tall, axes through 0."""

    def __init__(
        self,
        coords: np.ndarray,
        labels: Sequence[str],
        *,
        height: int = 16,
        vowel_style: str = "bold",
        letter_style: str = "",
        special_style: str = "dim",
    ) -> None:
        self.coords = np.asarray(coords, dtype=float)
        self.labels = list(labels)
        self.height = max(height, 3)
        self.styles = (vowel_style, letter_style, special_style)
        self.dropped = 0

    def _style(self, label: str) -> Style | str:
        vowel, letter, special = self.styles
        if label.lower() in VOWELS:
            return vowel
        return letter if label.isalnum() else special

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        W, H = max(options.max_width, 3), self.height
        spots, (oc, orow) = place(self.coords, W, H)
        grid: list[list[tuple[str, Style | str]]] = [[(" ", "")] * W for _ in range(H)]
        for r in range(H):  # the axes through the origin
            if 0 <= oc < W:
                grid[r][oc] = ("│", "dim")
        if 0 <= orow < H:
            grid[orow] = [("─", "dim")] * W
            if 0 <= oc < W:
                grid[orow][oc] = ("┼", "dim")
        self.dropped = 0
        for label, spot in zip(self.labels, spots, strict=True):
            if spot is None:
                self.dropped += 1
                continue
            c, r = spot
            grid[r][c] = ((label or "?")[:1], self._style(label))
        for row in grid:
            line = Text(no_wrap=True, overflow="crop")
            for char, style in row:
                line.append(char, style=style)
            yield line
