"""The computation-graph view: a small graph of `Value`s walked one backward step at a time."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from ..graph_walk import Graph
from ..renderables.graph import GraphWalk

HINT = (
    "→ runs the next backward step, ← undoes one, home / end: start / done · "
    "g: the document's example or a neuron of the model"
)


class GraphPanel(VerticalScroll):
    """One graph and how far backward has gone."""

    can_focus = False  # the screen's keys (arrows, digits) stay with the screen

    DEFAULT_CSS = """
    GraphPanel { height: 1fr; }
    GraphPanel > #graph-hint { color: $text-muted; margin-bottom: 1; }
    """

    def compose(self) -> ComposeResult:
        yield Static(HINT, id="graph-hint")
        yield Static(id="graph-walk")

    def show(self, graph: Graph, k: int) -> None:
        """`graph` after `k` backward steps."""
        accent = self.app.theme_variables.get("text-accent", "")
        self.query_one("#graph-walk", Static).update(
            GraphWalk(graph, k, current_style=f"bold reverse {accent}".strip())
        )
