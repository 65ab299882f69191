"""The embedding-map view: token embeddings on their two principal axes, redrawn as training runs
(a thin widget around the `EmbeddingMap` renderable, with a caption)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from textual.app import ComposeResult, RenderResult
from textual.containers import Vertical
from textual.widget import Widget
from textual.widgets import Static

from ..renderables.embedding_map import EmbeddingMap


class EmbeddingMapView(Widget):
    """Draws the points to fill the widget; `show` repaints."""

    DEFAULT_CSS = """
    EmbeddingMapView { height: 1fr; min-height: 5; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.points: tuple[np.ndarray, tuple[str, ...]] | None = None

    def render(self) -> RenderResult:
        if self.points is None:
            return ""
        coords, labels = self.points
        colours = self.app.theme_variables
        return EmbeddingMap(
            coords,
            labels,
            height=self.content_region.height,
            vowel_style=f"bold {colours.get('text-accent', '')}",
            letter_style=colours.get("foreground", ""),
        )

    def show(self, coords: np.ndarray, labels: Sequence[str]) -> None:
        """Points (V, 2) and their labels."""
        self.points = (np.asarray(coords), tuple(labels))
        self.refresh()


class EmbeddingMapPanel(Vertical):
    """The map and what it shows."""

    DEFAULT_CSS = """
    EmbeddingMapPanel { height: 1fr; }
    EmbeddingMapPanel > #map-caption { height: auto; color: $text-muted; }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="map-caption")
        yield EmbeddingMapView(id="map-view")

    def show(
        self, coords: np.ndarray, labels: Sequence[str], variance: Sequence[float], step: int
    ) -> None:
        """Projected embeddings (V, 2), labels, each axis's share of the variance, the step."""
        v1, v2 = (float(v) * 100 for v in variance)
        self.query_one("#map-caption", Static).update(
            f"step {step:,} · each character's embedding (wte row) projected on its 2 main axes "
            f"(PCA: {v1:.0f}% and {v2:.0f}% of the variance) · vowels highlighted · "
            "· is BOS, ⏎ EOS · letters used alike drift together as it trains",
            layout=False,
        )
        self.query_one(EmbeddingMapView).show(coords, labels)
