"""A thin widget around the `HeadGrid` renderable (it picks the layout from the width)."""

from __future__ import annotations

from textual.app import RenderResult
from textual.reactive import reactive
from textual.widget import Widget

from ..renderables.heatmap import HeadGrid


class AttentionHeatmap(Widget):
    """A thin widget around the `HeadGrid` renderable (it picks the layout from the width)."""

    DEFAULT_CSS = """
    AttentionHeatmap { width: 1fr; }
    """

    grid: reactive[HeadGrid | None] = reactive(None)

    def render(self) -> RenderResult:
        return self.grid if self.grid is not None else ""

    def show(self, grid: HeadGrid) -> None:
        """Draw `grid`; the height only grows (a layout costs more than the blank lines)."""
        height = grid.height
        if self.styles.height is None or self.styles.height.value < height:
            self.styles.height = height
        self.grid = grid
