"""A thin widget around the `Curve` renderable: the smoothed loss as a live sparkline."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import RenderResult
from textual.reactive import reactive
from textual.widget import Widget

from ..renderables.curve import Curve


class LossCurve(Widget):
    """Draws a series to fill the widget; setting `values` repaints (no layout)."""

    DEFAULT_CSS = """
    LossCurve { height: 1fr; min-height: 2; color: $primary; }
    """

    values: reactive[tuple[float, ...]] = reactive(tuple)

    def render(self) -> RenderResult:
        return Curve(self.values, height=self.content_region.height)

    def show(self, values: Sequence[float]) -> None:
        """Draw `values` (a new series)."""
        self.values = tuple(values)
