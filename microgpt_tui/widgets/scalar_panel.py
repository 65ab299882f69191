"""The scalar-engine view: one step on the document's `Value` engine next to the NumPy engine,
on the same weights and batch: the nodes it built, time per step, and whether they agree."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from ..scalar_compare import EngineComparison

HINT = (
    "x runs one training step's forward and backward on both engines, on the current name at "
    "the current weights (the scalar one in a thread: the app keeps running)"
)


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:,.3f} ms" if seconds < 0.01 else f"{seconds * 1e3:,.1f} ms"


class ScalarPanel(VerticalScroll):
    """The last comparison, or what to press; the run's own engine when it is the scalar one."""

    can_focus = False  # the screen's keys (arrows, digits) stay with the screen

    DEFAULT_CSS = """
    ScalarPanel { height: 1fr; }
    ScalarPanel > Static { height: auto; margin-bottom: 1; }
    ScalarPanel > #scalar-hint { color: $text-muted; }
    """

    def compose(self) -> ComposeResult:
        yield Static(HINT, id="scalar-hint")
        yield Static(id="scalar-engine")
        yield Static("press x", id="scalar-result")

    def show_engine(self, engine: str, graph_size: int | None, steps_per_s: float | None) -> None:
        """The engine this run trains on (with the nodes of its last step, if scalar)."""
        if engine == "scalar":
            nodes = "—" if graph_size is None else f"{graph_size:,}"
            rate = "—" if steps_per_s is None else f"{steps_per_s:,.1f}"
            text = Content.assemble(
                "This run trains on the ",
                ("scalar Value engine", "bold"),
                f" (--engine scalar): its last step built {nodes} nodes; {rate} steps/s.",
            )
        else:
            text = Content(
                "This run trains on the NumPy engine (--engine scalar trains on Values)."
            )
        self.query_one("#scalar-engine", Static).update(text)

    def show_running(self, docs: tuple[str, ...]) -> None:
        names = ", ".join(repr(d) for d in docs[:3]) + (" …" if len(docs) > 3 else "")
        self.query_one("#scalar-result", Static).update(
            f"running one step on both engines for {names} …"
        )

    def show_refused(self, reason: str) -> None:
        self.query_one("#scalar-result", Static).update(f"not run: {reason}")

    def show_result(self, r: EngineComparison) -> None:
        """Both engines' time per step, the Value nodes built, and their agreement."""
        names = ", ".join(repr(d) for d in r.docs[:3]) + (" …" if len(r.docs) > 3 else "")
        self.query_one("#scalar-result", Static).update(
            Content.assemble(
                f"one step on {names}\n\n",
                ("NumPy engine   ", "bold"),
                (f"{_ms(r.numpy_s):>14}", "bold"),
                " per step (median of repeated runs)\n",
                ("Value engine   ", "bold"),
                (f"{_ms(r.scalar_s):>14}", "bold"),
                " per step: ",
                (f"{r.nodes:,}", "bold"),
                " Value nodes built and walked backward\n",
                f"               {r.slowdown:,.0f}× slower\n\n",
                f"same loss: {r.numpy_loss:.10f} (NumPy) vs {r.scalar_loss:.10f} (Values)\n",
                f"largest gradient difference over all parameters: {r.max_grad_diff:.1e}",
            )
        )
