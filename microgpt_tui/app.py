"""The Textual app: composes the dashboard, binds the keys and routes messages.

Training runs in one thread worker (`TrainingLoop.run_loop`); widgets change only in the
handlers of its `StepFinished` messages and of the sampler's messages, inside `batch_update()`.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterable
from functools import partial
from pathlib import Path
from typing import Any

from textual import events, work
from textual.app import App, ComposeResult, SystemCommand
from textual.containers import Grid
from textual.screen import Screen
from textual.timer import Timer
from textual.widgets import Footer, Tab, Tabs
from textual.worker import get_current_worker

from core import Run, TokenizerError

from .inside import InsideActions
from .keymap import MORE_STEPS, bindings, palette_commands
from .messages import StepFinished
from .sampler_actions import SamplerActions
from .sampling import NameSampler, SamplerSettings
from .screens import ConfirmScreen, DashboardScreen, HelpScreen, PromptScreen, TooSmallScreen
from .session_actions import SessionActions
from .speed import DEFAULT_SPEED
from .training import DIVERGED, ERROR, PAUSED, RUNNING, TrainingLoop, TrainingSnapshot
from .widgets import AttentionPanel, LossPanel, ParameterPanel, RunHeader, SamplerPanel

MIN_SIZE = (60, 16)  # below this the too-small notice covers the app
WIDE_SIZE = (120, 30)  # from this size every panel is on one screen; below it, tabs
ATTENTION_INTERVAL = 0.5  # seconds between attention redraws while training runs
CURVE_INTERVAL = 0.25  # seconds between loss-curve redraws while training runs (the largest)
PANELS = ("loss", "params", "attention", "sampler")
# The trainer thread holds the GIL in NumPy; at most this long before it hands it to the UI
# (Python's default, 5 ms, lets several hand-offs add up past 100 ms for a key press).
SWITCH_INTERVAL = 0.001


class MicroGPTApp(InsideActions, SessionActions, SamplerActions, App[None]):
    """Watch a tiny GPT learn to invent names; pause, step, sample and look inside it."""

    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses elsewhere work too
    TITLE = "microgpt-tui"
    BINDINGS = bindings()

    def __init__(
        self,
        run: Run,
        *,
        paused: bool = False,
        save_path: str | None = None,
        autosave: str | None = None,
        autosave_every: int = 100,
        speed: float | None = DEFAULT_SPEED,  # steps/s at most; None: as fast as it goes
        metrics_path: str | None = None,  # --metrics: where E (and quitting) write the metrics
    ) -> None:
        super().__init__()
        self.current_run = run
        self.metrics_path = metrics_path
        self.save_path = save_path
        self.autosave_path, self.autosave_every, self.speed = autosave, autosave_every, speed
        self.loop = self._new_loop(run, paused=paused)
        self.snapshot: TrainingSnapshot = self.loop.snapshot()
        cfg = run.sample_config
        self.settings = SamplerSettings(cfg.temperature, cfg.top_k)
        self.word: str | None = None  # the attention view's word; None: the training name
        self.sampler: NameSampler | None = None
        self._sample_timer: Timer | None = None
        self._attention_at = 0.0
        self._curve_at = 0.0
        self._too_small: TooSmallScreen | None = None
        self._narrow = False
        self._mounted = False

    # --- layout ---

    def compose(self) -> ComposeResult:
        yield RunHeader(id="header")
        yield Tabs(
            Tab("Loss", id="tab-loss"),
            Tab("Parameters", id="tab-params"),
            Tab("Attention", id="tab-attention"),
            Tab("Sampling", id="tab-sampler"),
            id="tabs",
        )
        with Grid(id="panels"):
            yield LossPanel(id="loss", classes="panel -active")
            yield ParameterPanel(id="params", classes="panel")
            yield AttentionPanel(id="attention", classes="panel")
            yield SamplerPanel(id="sampler", classes="panel")
        yield Footer(compact=True)

    def get_default_screen(self) -> Screen:
        return DashboardScreen(id="_default")

    @property
    def main_screen(self) -> Screen:
        """The dashboard (the bottom of the screen stack)."""
        return self.screen_stack[0]

    def on_mount(self) -> None:
        self._mounted = True
        self._switch_interval = sys.getswitchinterval()
        sys.setswitchinterval(SWITCH_INTERVAL)
        self.query_one("#loss").border_title = "Loss"
        self.query_one("#params").border_title = "Parameters"
        self._show_run()
        self._show_snapshot(self.snapshot, force_attention=True)
        self._apply_size(self.size.width, self.size.height)
        self._train(self.loop)

    def on_unmount(self) -> None:
        sys.setswitchinterval(self._switch_interval)
        self._export_at_exit()

    def on_resize(self, event: events.Resize) -> None:
        if self._mounted:
            self._apply_size(event.size.width, event.size.height)

    def _apply_size(self, width: int, height: int) -> None:
        narrow = width < WIDE_SIZE[0] or height < WIDE_SIZE[1]
        if narrow != self._narrow:
            self._narrow = narrow
            self.main_screen.query_one("#panels").set_class(narrow, "-narrow")
            self.main_screen.query_one("#tabs").display = narrow
        small = width < MIN_SIZE[0] or height < MIN_SIZE[1]
        if small and self._too_small is None:
            self._too_small = TooSmallScreen(MIN_SIZE, (width, height))
            self.push_screen(self._too_small)
        elif small and self._too_small is not None:
            self._too_small.show_size(width, height)
        elif not small and self._too_small is not None:
            while self._too_small in self.screen_stack[1:]:  # over it, the quit question maybe
                self.screen.dismiss(None)  # cancelled
            self._too_small = None

    def on_tabs_tab_activated(self, event: Tabs.TabActivated) -> None:
        active = event.tab.id.removeprefix("tab-") if event.tab and event.tab.id else PANELS[0]
        for name in PANELS:
            self.main_screen.query_one(f"#{name}").set_class(name == active, "-active")

    def _reveal(self, panel: str) -> None:
        """In the narrow layout, switch to `panel`'s tab."""
        if self._narrow:
            self.main_screen.query_one("#tabs", Tabs).active = f"tab-{panel}"

    # --- training ---

    @work(thread=True, exclusive=True, group="training", exit_on_error=False)
    def _train(self, loop: TrainingLoop) -> None:
        """Drive the trainer in this thread; the loop posts snapshots at a bounded rate."""
        worker = get_current_worker()
        loop.run_loop(
            lambda snap: self.post_message(StepFinished(snap, loop)), lambda: worker.is_cancelled
        )

    def on_step_finished(self, message: StepFinished) -> None:
        if message.loop is self.loop and self.is_running:  # not while closing: widgets go
            self._show_snapshot(message.snapshot)

    def _show_snapshot(self, snap: TrainingSnapshot, *, force_attention: bool = False) -> None:
        self.snapshot = snap
        f = snap.figures
        with self.batch_update():
            self.main_screen.query_one(RunHeader).show_progress(
                f.step, f.total_steps, snap.state, snap.diverged_at
            )
            now = time.monotonic()
            still = snap.state != RUNNING
            curve = still or now >= self._curve_at
            if curve:
                self._curve_at = now + CURVE_INTERVAL
            self.main_screen.query_one(LossPanel).show(f, curve=curve)
            if force_attention or still or now >= self._attention_at:
                self._attention_at = now + ATTENTION_INTERVAL
                self._show_attention()
            self._show_session(snap)
            self._inside_snapshot(snap)

    def _show_run(self) -> None:
        run = self.current_run
        self.main_screen.query_one(RunHeader).show_run(
            run.dataset.name, len(run.dataset), run.preset, run.model.num_params
        )
        self.main_screen.query_one(ParameterPanel).show(
            run.model.param_table(), run.model.num_params
        )
        self._show_settings()

    def _show_attention(self) -> bool:
        word = self.snapshot.doc if self.word is None else self.word
        try:
            weights = self.snapshot.model.attention(
                self.current_run.dataset.tokenizer.encode(word, eos=False)
            )
        except TokenizerError as e:
            self.notify(str(e), title="Attention", severity="error")
            return False
        source = "the name trained at this step" if self.word is None else "your word (w)"
        self.main_screen.query_one(AttentionPanel).show(weights, word, source)
        return True

    def action_toggle_pause(self) -> None:
        """Pause or resume training."""
        if self.loop.paused:
            self.loop.resume()
        else:
            self.loop.pause()

    def action_step(self) -> None:
        """Train one step (only while paused)."""
        if not self.loop.step_once():
            state = self.loop.state()
            hint = "pause first (space)" if state != PAUSED else ""
            self.notify(f"training is {state}; {hint or 'nothing to step'}", timeout=2)

    def action_more(self) -> None:
        """Train MORE_STEPS more steps (after the end, too)."""
        if self.loop.state() in (DIVERGED, ERROR):
            self.notify(
                f"training {self.loop.state()}: reset (r) to train again", severity="warning"
            )
            return
        total = self.loop.extend(MORE_STEPS)
        paused = " (paused: space resumes)" if self.loop.paused else ""
        self.notify(f"training on to step {total:,}{paused}", timeout=3)

    def action_reset(self) -> None:
        """Ask, then restart training from step 0 with the same data and settings."""
        self._push(
            ConfirmScreen("Reset training to step 0? The current weights are lost."),
            self._reset_answered,
        )

    def _reset_answered(self, yes: bool | None) -> None:
        if not yes:
            return
        self._stop_sampling()
        old = self.loop
        paused = old.paused
        old.pause()
        # Between two steps of the old loop: its step in progress (and an autosave's copy) is
        # over, and it takes no other: the new worker cancels it before the hold ends. (A write
        # of that copy may still finish: a whole file of the old run, as the path held already.)
        # The worker never waits for this thread while it holds the step lock: no deadlock.
        try:
            with old.holding():
                self.current_run = self.current_run.restart()
                self.loop = self._new_loop(self.current_run, paused=paused)
                snap = self.loop.snapshot()  # before its worker starts
                self._train(self.loop)
        except TimeoutError as e:
            self.notify(str(e), title="Not reset", severity="error")
            if not paused:
                old.resume()
            return
        self.main_screen.query_one(SamplerPanel).clear()
        self._show_run()
        self._show_snapshot(snap, force_attention=True)

    # --- attention ---

    def action_word(self) -> None:
        """Ask for a word to show in the attention view (empty: follow training)."""
        self._push(
            PromptScreen(
                "Word for the attention view",
                value=self.word or "",
                help="empty: follow the name being trained · escape: cancel",
            ),
            self._word_entered,
        )

    def _word_entered(self, word: str | None) -> None:
        if word is None:
            return
        previous, self.word = self.word, word or None
        if self._show_attention():
            self._reveal("attention")
        else:
            self.word = previous

    def action_head(self, direction: int) -> None:
        """Focus the next (+1) or previous (-1) head."""
        self.main_screen.query_one(AttentionPanel).cycle_head(direction)

    def action_layer(self, direction: int) -> None:
        """Show the next layer."""
        self.main_screen.query_one(AttentionPanel).cycle_layer(direction)

    # --- screens, panels, palette ---

    def _push(self, screen: Screen, callback: Callable[[Any], None]) -> None:
        if self._too_small is None:
            self.push_screen(screen, callback)

    def action_help(self) -> None:
        """Show the keys."""
        if self._too_small is None and not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_panel(self, index: int) -> None:
        """Show panel `index` (narrow layout)."""
        self._reveal(PANELS[index])

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for c in palette_commands():
            if c.action == "quit":  # the built-in list has Quit already
                continue
            yield SystemCommand(c.title, c.help, partial(self.run_action, c.action))
