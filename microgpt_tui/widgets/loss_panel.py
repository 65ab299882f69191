"""The loss panel: last loss, EMA, validation, the ln(V) baseline, a sparkline, lr, rate, ETA."""

from __future__ import annotations

from datetime import timedelta

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from ..stats import LossFigures
from .curve import LossCurve
from .progress import ProgressLine

DASH = "—"


def _fmt(value: float | None, spec: str = ".4f") -> str:
    return DASH if value is None else format(value, spec)


def _eta(seconds: float | None) -> str:
    return DASH if seconds is None else str(timedelta(seconds=round(seconds)))


class LossPanel(Vertical):
    """Training figures around a sparkline of the smoothed loss."""

    DEFAULT_CSS = """
    LossPanel { height: auto; min-height: 8; }
    LossPanel Static { height: 1; text-wrap: nowrap; text-overflow: ellipsis; }
    LossPanel > LossCurve { margin-bottom: 1; }
    LossPanel > #loss-caption { color: $text-muted; margin-top: 1; }
    LossPanel > #loss-status { color: $text-muted; }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="loss-figures")
        yield Static("smoothed loss (ema) over the whole run", id="loss-caption")
        yield LossCurve(id="loss-curve")
        yield Static(id="loss-train")
        yield ProgressLine(id="loss-progress")
        yield Static(id="loss-status")

    def show_status(self, speed: str, autosave: str = "") -> None:
        """The speed limit ("100" steps/s or "max") and a quiet word on the newest autosave."""
        limit = [("max", "bold")] if speed == "max" else ["≤ ", (speed, "bold"), " steps/s"]
        parts: list = ["speed ", *limit, " (< >)"]
        if autosave:
            parts += ["  · ", autosave]
        self.query_one("#loss-status", Static).update(Content.assemble(*parts), layout=False)

    def show(self, f: LossFigures, *, curve: bool = True) -> None:
        """Show one snapshot's figures (the curve too unless `curve` is False: it costs most)."""
        self.query_one("#loss-figures", Static).update(
            Content.assemble(
                "loss ",
                (_fmt(f.loss), "bold"),
                "  ema ",
                (_fmt(f.ema), "bold $accent"),
                "  val ",
                (_fmt(f.val_loss), "bold"),
                (f"  ln({f.vocab_size}) {_fmt(f.baseline, '.2f')}", "dim"),
            ),
            layout=False,
        )
        if curve:
            self.query_one(LossCurve).show(f.history)
        rate = DASH if f.steps_per_s is None else f"{f.steps_per_s:,.0f}"
        self.query_one("#loss-train", Static).update(
            Content.assemble(
                "lr ",
                (_fmt(f.lr, ".5f"), "bold"),
                "  |grad| ",
                (_fmt(f.grad_norm, ".3f"), "bold"),
                "  ",
                (rate, "bold"),
                " steps/s",
            ),
            layout=False,
        )
        self.query_one(ProgressLine).show(f.step, f.total_steps, _eta(f.eta_s))
