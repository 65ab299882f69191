"""The "see inside" commands of the app (a mixin of `MicroGPTApp`): the inspector (i), the live
views (v), the map of the concepts (c) and the metrics export (E), and what they keep up to
date from every training snapshot (the health history and the per-character losses).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.worker import get_current_worker

from core import Run, sample_names

from .live_stats import CharLosses, HealthHistory
from .metrics_log import default_path, export
from .renderables import EOS_MARK
from .screens.concepts import ConceptsScreen
from .screens.help import HelpScreen
from .screens.inspector import InspectorScreen
from .screens.views import ViewsScreen
from .training import TrainingLoop, TrainingSnapshot
from .widgets import SamplerPanel

OVERLAYS = (InspectorScreen, ViewsScreen, ConceptsScreen, HelpScreen)  # one at a time


class InsideActions:
    """Actions and snapshot hook for the inside views; the app provides the attributes below."""

    current_run: Run
    snapshot: TrainingSnapshot
    loop: TrainingLoop
    metrics_path: str | None
    health: HealthHistory
    char_losses: CharLosses
    _inside_run: Run | None = None

    def _inside_snapshot(self, snap: TrainingSnapshot) -> None:
        """Keep the live histories and redraw the open view (called for every snapshot shown)."""
        run = self.current_run
        if self._inside_run is not run:  # a new run (or a reset): start the histories afresh
            self._inside_run = run
            self.health = HealthHistory(snap.model)
            self.char_losses = CharLosses()
        with np.errstate(all="ignore"):  # a diverged run's weights may overflow
            self.health.observe(snap.figures.step, snap.model, run.dataset, snap.doc)
        rec = snap.record  # this snapshot's own step, whatever the worker has done since
        if rec is not None and not rec.diverged:
            n = len(rec.position_losses)
            self.char_losses.observe(rec.step, (rec.docs[0] + EOS_MARK)[:n], rec.position_losses)
        screen = self.screen
        if isinstance(screen, (InspectorScreen, ViewsScreen)):
            screen.show_snapshot(snap)

    def _open(self, screen: Screen, callback: Callable[[Any], None] | None = None) -> None:
        """Show `screen` instead of any inside view or help that is open."""
        if self._too_small is not None:
            return
        while len(self.screen_stack) > 1 and isinstance(self.screen, OVERLAYS):
            self.pop_screen()
        self.push_screen(screen, callback)

    def action_inspect(self, section: str = "") -> None:
        """Step through one forward pass of the current name (or a typed word)."""
        self._open(InspectorScreen(focus=section))

    def action_views(self, tab: str = "embeddings") -> None:
        """Live views: embedding map, health, loss per position, scalar engine, graph."""
        self._open(ViewsScreen(tab))

    def action_concepts(self) -> None:
        """The document's 29 concepts and where each is seen."""
        self._open(ConceptsScreen(), self._concept_chosen)

    def _concept_chosen(self, action: str | None) -> None:
        if action:
            self.call_later(self.run_action, action)

    # --- export ---

    def _samples(self) -> list[str]:
        """The names sampled so far, or a fresh draw from the snapshot if there are none."""
        try:
            names = [name for name, _ in self.screen_stack[0].query_one(SamplerPanel).names]
        except (IndexError, NoMatches):  # closing: the dashboard is gone
            names = []
        if names:
            return names
        run = self.current_run
        cfg = run.sample_config
        return sample_names(
            self.snapshot.model,
            run.dataset.tokenizer,
            cfg.num_samples,
            run.rng,
            temperature=self.settings.temperature,
            top_k=self.settings.top_k,
        )

    def action_export(self) -> None:
        """Write the metrics so far, the config and samples (to --metrics or the cwd)."""
        run, rows = self.current_run, self.loop.metrics.rows()
        path = self.metrics_path or default_path(run, self.snapshot.figures.step)
        self._export(path, run, rows, self._samples())

    def _export(self, path: str, run: Run, rows: list, samples: list[str]) -> None:
        def write() -> None:
            try:
                written = export(path, run, rows, samples)
            except OSError as e:
                message, severity = f"{e.strerror or e}: {path}", "error"
            else:
                message, severity = f"{len(rows):,} steps written to {Path(written)}", "information"
            if not get_current_worker().is_cancelled:
                self.call_from_thread(self.notify, message, title="Metrics", severity=severity)

        self.run_worker(write, thread=True, group="export", exit_on_error=False)

    def _export_at_exit(self) -> None:
        """With --metrics, write the file when the app closes (on this thread: it is ending)."""
        if self.metrics_path and len(self.loop.metrics):
            try:
                export(
                    self.metrics_path, self.current_run, self.loop.metrics.rows(), self._samples()
                )
            except OSError:
                pass  # the app is closing: nowhere left to say so
