"""The live views beside the dashboard, one tab each (keys 1-5): the embedding map, training
health, loss per position, the scalar engine and a computation graph. Training goes on behind;
the visible tab is redrawn from each snapshot (at most a few times a second while running).
"""

from __future__ import annotations

import math
import time

import numpy as np
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Footer, TabbedContent, TabPane, Tabs
from textual.worker import get_current_worker

from core import lr_at
from core.trace import embedding_pca, trace_text

from ..graph_walk import Graph, example_graph, model_neuron
from ..renderables import BOS_MARK, EOS_MARK
from ..scalar_compare import EngineComparison, compare_engines_alone, too_big
from ..training import RUNNING
from ..widgets.embedding_map import EmbeddingMapPanel
from ..widgets.graph_panel import GraphPanel
from ..widgets.health_panel import HealthPanel
from ..widgets.position_panel import PositionLossPanel
from ..widgets.scalar_panel import ScalarPanel
from .inspector import vocab_labels
from .steady import SteadySize

TABS = {
    "embeddings": "1 Embeddings",
    "health": "2 Health",
    "positions": "3 Loss per position",
    "scalar": "4 Scalar engine",
    "graph": "5 Graph",
}
REDRAW_INTERVAL = 0.25  # seconds between redraws while training runs
SCHEDULE_POINTS = 1000  # steps at which the learning-rate schedule is drawn


class EnginesCompared(Message):
    """The scalar-engine step finished (or was refused)."""

    def __init__(self, result: EngineComparison | None, reason: str = "") -> None:
        super().__init__()
        self.result = result
        self.reason = reason


class ViewsScreen(SteadySize, Screen[None]):
    """Tabs of live views over the app's snapshots; escape or v goes back to the dashboard."""

    DEFAULT_CSS = """
    ViewsScreen TabbedContent { height: 1fr; }
    ViewsScreen TabPane { padding: 0 1; }
    """

    AUTO_FOCUS = None  # nothing takes the arrows from the screen
    BINDINGS = [
        Binding("escape,v", "close", "Close"),
        *(
            Binding(str(i), f"tab('{name}')", title.split(" ", 1)[1], show=False)
            for i, (name, title) in enumerate(TABS.items(), start=1)
        ),
        Binding("x", "scalar_step", "Scalar step"),
        Binding("right", "walk(1)", "Backward step", key_display="→"),
        Binding("left", "walk(-1)", "Undo step", key_display="←"),
        Binding("home", "walk_to(0)", "Start", show=False),
        Binding("end", "walk_to(-1)", "Done", show=False),
        Binding("g", "graph", "Graph"),
        Binding("pageup", "scroll(-1)", "Scroll up", show=False),
        Binding("pagedown", "scroll(1)", "Scroll down", show=False),
    ]

    def __init__(self, tab: str = "embeddings") -> None:
        super().__init__()
        self.initial = tab if tab in TABS else "embeddings"
        self._ready = False  # composed and mounted: the views can be drawn
        self._drawn_at = 0.0
        self.graph: Graph = example_graph()
        self.neuron = False  # the graph: the document's example (False) or a model neuron
        self.walk = 0
        self.comparison: EngineComparison | None = None
        self._comparing = False  # a scalar step is running in its thread

    def compose(self) -> ComposeResult:
        with TabbedContent(initial=self.initial):
            with TabPane(TABS["embeddings"], id="embeddings"):
                yield EmbeddingMapPanel()
            with TabPane(TABS["health"], id="health"):
                yield HealthPanel()
            with TabPane(TABS["positions"], id="positions"):
                yield PositionLossPanel()
            with TabPane(TABS["scalar"], id="scalar"):
                yield ScalarPanel()
            with TabPane(TABS["graph"], id="graph"):
                yield GraphPanel()
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._ready = True
        self.query_one(TabbedContent).active = self.initial  # a tab key may have come first
        self.query_one(Tabs).can_focus = False  # the arrows walk the graph, not the tabs
        self.set_focus(None)
        self.redraw()

    @property
    def tab(self) -> str:
        return self.query_one(TabbedContent).active

    def on_tabbed_content_tab_activated(self, event: TabbedContent.TabActivated) -> None:
        self.redraw()

    def on_screen_resume(self) -> None:
        self.redraw()

    # --- drawing ---

    def show_snapshot(self, snapshot) -> None:
        """A new snapshot: redraw the visible tab (rate-limited while training runs)."""
        now = time.monotonic()
        if snapshot.state != RUNNING or now >= self._drawn_at + REDRAW_INTERVAL:
            self.redraw()

    def redraw(self) -> None:
        """Draw the visible tab from the app's latest snapshot."""
        if not self._ready:  # a snapshot may come before the mount
            return
        self._drawn_at = time.monotonic()
        app, tab = self.app, self.tab
        snap, run = app.snapshot, app.current_run
        step = snap.figures.step
        if not np.isfinite(snap.model.flat).all():
            self.notify("the weights are not finite: training diverged", severity="warning")
            return
        if tab == "embeddings":
            coords, variance = embedding_pca(snap.model)
            labels = vocab_labels(run.dataset.tokenizer)
            self.query_one(EmbeddingMapPanel).show(coords, labels, variance, step)
        elif tab == "health":
            cfg = run.trainer.config
            T = cfg.num_steps
            at = np.unique(np.linspace(0, T - 1, min(T, SCHEDULE_POINTS)).astype(int))
            lrs = [lr_at(int(t), cfg.lr, T, cfg.warmup_steps) for t in at]
            rec = snap.record  # the rate step `step` used, as the loss panel shows it
            self.query_one(HealthPanel).show(
                lrs,
                rec.lr if rec else lr_at(0, cfg.lr, T, cfg.warmup_steps),
                step,
                T,
                (cfg.beta1, cfg.beta2),
                app.health.series("grad"),
                app.health.series("update"),
            )
        elif tab == "positions":
            self._draw_positions()
        elif tab == "scalar":
            panel = self.query_one(ScalarPanel)
            panel.show_engine(
                run.trainer.config.engine, run.trainer.last_graph_size, snap.figures.steps_per_s
            )
            if self.comparison is not None:
                panel.show_result(self.comparison)
        elif tab == "graph":
            self.query_one(GraphPanel).show(self.graph, self.walk)

    def _draw_positions(self) -> None:
        app = self.app
        rec, V = app.snapshot.record, app.current_run.dataset.vocab_size
        name, losses = (rec.docs[0], rec.position_losses) if rec else (app.snapshot.doc, ())
        n = len(losses)
        self.query_one(PositionLossPanel).show(
            name,
            app.snapshot.figures.step,
            (BOS_MARK + name)[:n],
            (name + EOS_MARK)[:n],
            losses,
            math.log(V),
            app.char_losses.hardest(),
        )

    # --- actions ---

    def action_close(self) -> None:
        self.dismiss_once()

    def action_tab(self, name: str) -> None:
        """Show tab `name`."""
        if not self._ready:  # a key typed right after v: open on that tab
            self.initial = name
            return
        self.query_one(TabbedContent).active = name

    def action_scroll(self, direction: int) -> None:
        """Scroll the visible tab by a page (its panels take no focus: the keys are ours)."""
        if not self._ready:
            return
        pane = self.query_one(TabbedContent).active_pane
        for panel in pane.query(VerticalScroll) if pane else ():
            panel.scroll_page_down() if direction > 0 else panel.scroll_page_up()

    def action_walk(self, direction: int) -> None:
        """One backward step forward (+1) or back (-1) in the graph."""
        if not self._ready:
            return
        self.action_tab("graph")
        self.walk = min(max(self.walk + direction, 0), self.graph.steps)
        self.redraw()

    def action_walk_to(self, k: int) -> None:
        if not self._ready:
            return
        self.action_tab("graph")
        self.walk = self.graph.steps if k < 0 else k
        self.redraw()

    def action_graph(self) -> None:
        """Switch between the document's y = (a + b) × c and a neuron of the model."""
        if not self._ready:
            return
        self.neuron = not self.neuron
        if self.neuron:
            app = self.app
            snap = app.snapshot
            tr = trace_text(snap.model, app.current_run.dataset.tokenizer, snap.doc)
            self.graph = model_neuron(snap.model, tr)
        else:
            self.graph = example_graph()
        self.walk = 0
        self.action_tab("graph")
        self.redraw()

    def action_scalar_step(self) -> None:
        """One step on both engines, on the current name (in a thread)."""
        if not self._ready:
            return
        self.action_tab("scalar")
        app = self.app
        snap, run = app.snapshot, app.current_run
        model = snap.model.copy()  # the thread's own copy
        reason = too_big(model)
        if reason:
            self.query_one(ScalarPanel).show_refused(reason)
            return
        if self._comparing:  # one scalar step at a time (it holds the CPU for a while)
            self.notify("the scalar step is still running", timeout=2)
            return
        rec = snap.record
        docs = list(rec.docs) if rec else [snap.doc]
        batch = run.dataset.encode_many(docs)
        self.query_one(ScalarPanel).show_running(tuple(docs))
        self._comparing = True
        self._compare(model, batch)

    @work(thread=True, exclusive=True, group="scalar-engine", exit_on_error=False)
    def _compare(self, model, batch) -> None:
        try:
            with np.errstate(all="ignore"):
                result = compare_engines_alone(model, batch)
            busy = "the scalar step of an earlier view is still running"
            message = EnginesCompared(result, "" if result else busy)
        except (ArithmeticError, ValueError) as e:  # e.g. log(0) on weights that blew up
            message = EnginesCompared(None, f"{type(e).__name__}: {e}")
        if not get_current_worker().is_cancelled:
            self.post_message(message)

    def on_engines_compared(self, message: EnginesCompared) -> None:
        self._comparing = False
        panel = self.query_one(ScalarPanel)
        if message.result is None:
            panel.show_refused(message.reason)
            return
        self.comparison = message.result
        panel.show_result(message.result)
