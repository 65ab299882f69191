"""The attention panel: the selected layer's heads as heatmaps over a name's characters."""

from __future__ import annotations

import numpy as np
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from ..renderables import BOS_MARK
from ..renderables.heatmap import HeadGrid
from .heatmap import AttentionHeatmap


class AttentionPanel(Vertical):
    """Attention weights (layers, heads, T, T) of one word; keeps the selected layer and head."""

    DEFAULT_CSS = """
    AttentionPanel { height: auto; }
    AttentionPanel > #attention-caption { height: 2; color: $text-muted; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.layer_index = 0
        self.head_index = 0
        self.word = ""
        self.source = ""
        self._weights: np.ndarray | None = None  # (L, H, T, T)
        self._caption = ""

    def compose(self) -> ComposeResult:
        yield AttentionHeatmap(id="attention-map")
        yield Static(id="attention-caption")

    def show(self, weights: np.ndarray, word: str, source: str) -> None:
        """Weights (n_layer, n_head, T, T) over BOS + `word`; `source` says where it came from."""
        self._weights = weights
        self.word, self.source = word, source
        L, H = weights.shape[:2]
        self.layer_index, self.head_index = (
            min(self.layer_index, L - 1),
            min(self.head_index, H - 1),
        )
        self._redraw()

    def cycle_head(self, direction: int) -> None:
        """Focus the next (or previous) head, wrapping around."""
        if self._weights is not None:
            self.head_index = (self.head_index + direction) % self._weights.shape[1]
            self._redraw()

    def cycle_layer(self, direction: int = 1) -> None:
        """Show the next layer, wrapping around."""
        if self._weights is not None:
            self.layer_index = (self.layer_index + direction) % self._weights.shape[0]
            self._redraw()

    def _redraw(self) -> None:
        w = self._weights
        if w is None:
            return
        T = w.shape[-1]
        labels = [BOS_MARK, *self.word][:T]
        self.border_title = (
            f"Attention · layer {self.layer_index} · head {self.head_index} · {self.word!r}"
        )
        glyphs = self.app.no_color
        self.query_one(AttentionHeatmap).show(
            HeadGrid(w[self.layer_index], labels, self.head_index, glyphs=glyphs)
        )
        cut = f" (first {T - 1} letters: the block)" if len(self.word) + 1 > T else ""
        caption = f"{self.source}{cut}\nrow: the position reading · column: what it attends to"
        caption_view = self.query_one("#attention-caption", Static)
        if caption != self._caption:
            self._caption = caption
            caption_view.update(caption, layout=False)

    def on_click(self) -> None:
        """A click focuses the next head."""
        self.cycle_head(1)
