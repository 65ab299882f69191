"""The loss-per-position view: the current name's prediction tasks and the loss of each, and
the next characters the model finds hardest so far."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from ..renderables.position_loss import PositionLosses, hardest_line


class PositionLossPanel(VerticalScroll):
    """Bars of -ln p per position of one name."""

    can_focus = False  # the screen's keys (arrows, digits) stay with the screen

    DEFAULT_CSS = """
    PositionLossPanel { height: 1fr; }
    PositionLossPanel > #pos-caption { color: $text-muted; margin-bottom: 1; }
    PositionLossPanel > #pos-hardest { margin-top: 1; }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="pos-caption")
        yield Static(id="pos-bars")
        yield Static(id="pos-hardest")

    def show(
        self,
        name: str,
        step: int,
        inputs: Sequence[str],
        targets: Sequence[str],
        losses: Sequence[float],
        baseline: float,
        hardest: Sequence[tuple[str, float]],
    ) -> None:
        """One name's per-position losses (from the step's record) and the hardest characters."""
        colours = self.app.theme_variables
        self.query_one("#pos-caption", Static).update(
            f"step {step:,} · {name!r}: a language model predicts each next character from the "
            "ones before it; the loss of the name is the mean of these",
            layout=False,
        )
        self.query_one("#pos-bars", Static).update(
            PositionLosses(
                inputs,
                targets,
                losses,
                baseline,
                bar_style=colours.get("text-primary", ""),
                worse_style=f"bold {colours.get('text-warning', '')}",
            )
        )
        self.query_one("#pos-hardest", Static).update(hardest_line(hardest))
