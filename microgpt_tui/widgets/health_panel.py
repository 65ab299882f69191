"""The training-health view: the learning-rate schedule with the step marked, Adam's bias
corrections now, and per-tensor gradient norms and update-to-weight ratios as sparklines."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from ..renderables.health import Schedule, tensor_table

NOTE = (
    "‖gradient‖: each tensor's gradient on the step's name at the snapshot's weights · "
    "‖update‖ / ‖weight‖: how far Adam moved each tensor per step, relative to its size "
    "(about 1e-3 is the usual healthy size; far above, training is unstable)"
)


class HealthPanel(VerticalScroll):
    """Schedule, Adam and per-tensor sparklines; `show` redraws all three."""

    can_focus = False  # the screen's keys (arrows, digits) stay with the screen

    DEFAULT_CSS = """
    HealthPanel { height: 1fr; }
    HealthPanel > Static { height: auto; }
    HealthPanel > #health-lr-title, HealthPanel > #health-tensors-title { text-style: bold; }
    HealthPanel > #health-adam, HealthPanel > #health-schedule { margin-bottom: 1; }
    HealthPanel > #health-note { color: $text-muted; margin-top: 1; }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="health-lr-title")
        yield Static(id="health-schedule")
        yield Static(id="health-adam")
        yield Static("Per tensor, over the last snapshots", id="health-tensors-title")
        yield Static(id="health-tensors")
        yield Static(NOTE, id="health-note")

    def show(
        self,
        lrs: Sequence[float],
        lr_now: float,
        step: int,
        total: int,
        betas: tuple[float, float],
        grads: Mapping[str, np.ndarray],
        ratios: Mapping[str, np.ndarray],
    ) -> None:
        """The schedule (lr at evenly spaced steps), the lr now, the step of `total`, Adam's
        betas and the per-tensor series."""
        colours = self.app.theme_variables
        self.query_one("#health-lr-title", Static).update(
            Content.assemble(
                "Learning rate: ",
                (f"{lr_now:.5f}", "bold"),
                f" at step {step:,} of {total:,} · linear decay lr_t = lr × (1 − t/T)",
            )
        )
        self.query_one("#health-schedule", Static).update(
            Schedule(
                lrs,
                step / max(total, 1),
                style=colours.get("text-primary", ""),
                marker_style=f"bold {colours.get('text-accent', '')}",
            )
        )
        b1, b2 = betas
        t = max(step, 1)
        c1, c2 = 1 - b1**t, 1 - b2**t
        self.query_one("#health-adam", Static).update(
            Content.assemble(
                ("Adam", "bold"),
                f" at t = {t:,}: m̂ = m / (1 − {b1}^t) = m / ",
                (f"{c1:.3f}", "bold"),
                f" · v̂ = v / (1 − {b2}^t) = v / ",
                (f"{c2:.3f}", "bold"),
                f" · step = lr × m̂ / (√v̂ + ε)   (at t = 1: m / {1 - b1:.3f}, v / {1 - b2:.3f})",
            )
        )
        self.query_one("#health-tensors", Static).update(
            tensor_table(grads, ratios, style=colours.get("text-primary", ""))
        )
