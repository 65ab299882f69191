"""The notice shown while the terminal is below the app's minimum size (q still quits)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Static

from .steady import SteadySize


class TooSmallScreen(SteadySize, Screen[None]):
    """Asks for a bigger terminal; the app removes it once the size is enough."""

    DEFAULT_CSS = """
    TooSmallScreen { align: center middle; background: $background; }
    TooSmallScreen > Static { width: auto; max-width: 100%; text-align: center; }
    """

    def __init__(self, minimum: tuple[int, int], size: tuple[int, int]) -> None:
        super().__init__()
        self.minimum = minimum
        self.size_now = size

    def compose(self) -> ComposeResult:
        yield Static(self._text(), id="too-small-text")

    def _text(self) -> str:
        (w, h), (min_w, min_h) = self.size_now, self.minimum
        return (
            f"Terminal too small: {w}×{h}.\n"
            f"microgpt-tui needs at least {min_w}×{min_h}.\n"
            "Enlarge the window (q quits)."
        )

    def show_size(self, width: int, height: int) -> None:
        """The current size (the needed one stays)."""
        self.size_now = (width, height)
        for text in self.query("#too-small-text").results(Static):  # none until composed
            text.update(self._text())
