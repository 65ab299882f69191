"""One line of progress: a bar sized to the width, the percentage and the ETA (one widget)."""

from __future__ import annotations

from textual.app import RenderResult
from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget

from ..renderables.probbars import bar


class ProgressLine(Widget):
    """`progress` of `total` as a bar, then "41%  ETA 0:00:01"; setting them repaints only."""

    DEFAULT_CSS = """
    ProgressLine { height: 1; }
    """

    progress: reactive[int] = reactive(0)
    total: reactive[int] = reactive(1)
    eta: reactive[str] = reactive("—")

    def render(self) -> RenderResult:
        fraction = min(self.progress / self.total, 1.0) if self.total > 0 else 0.0
        tail = f" {fraction * 100:3.0f}%  ETA {self.eta}"
        width = max(self.content_size.width - len(tail), 1)
        done = bar(fraction, width).rstrip()
        return Content.assemble(
            (done, "$accent"), ("░" * (width - len(done)), "$foreground 15%"), tail
        )

    def show(self, progress: int, total: int, eta: str) -> None:
        """The step reached, the total and the ETA text."""
        self.progress, self.total, self.eta = progress, total, eta
