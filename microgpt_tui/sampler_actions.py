"""The sampling commands of the app (a mixin of `MicroGPTApp`): draw names, change settings.

A name is drawn from the latest snapshot's copy of the parameters, one character per timer
tick; each step and each finished name is posted as a message and shown by its handler.
"""

from __future__ import annotations

from textual.timer import Timer

from core import Run, TokenizerError

from .messages import SampleFinished, SampleStepped
from .sampling import NameSampler, SamplerSettings
from .screens import PromptScreen
from .training import TrainingSnapshot
from .widgets import SamplerPanel

CHAR_INTERVAL = 0.03  # seconds between sampled characters
TEN = 10


class SamplerActions:
    """Actions and handlers for the sampling panel; the app provides the attributes below."""

    current_run: Run
    snapshot: TrainingSnapshot
    settings: SamplerSettings
    sampler: NameSampler | None
    _sample_timer: Timer | None

    def _new_sampler(self) -> NameSampler | None:
        run = self.current_run
        try:
            return NameSampler(self.snapshot.model, run.dataset.tokenizer, run.rng, self.settings)
        except TokenizerError as e:
            self.notify(str(e), title="Sampling", severity="error")
            return None

    def action_sample(self) -> None:
        """Generate a name, one character every CHAR_INTERVAL seconds."""
        self._finish_sampling()
        self.sampler = self._new_sampler()
        if self.sampler is None:
            return
        self._reveal("sampler")
        self._post_sample_progress()
        self._sample_timer = self.set_interval(CHAR_INTERVAL, self._advance_sample)

    def action_sample_ten(self) -> None:
        """Generate ten names at once."""
        self._finish_sampling()
        self._reveal("sampler")
        for _ in range(TEN):
            sampler = self._new_sampler()
            if sampler is None:
                return
            name = sampler.finish()
            in_data = self.current_run.dataset.contains(name)
            self.post_message(SampleFinished(name, in_data, tuple(sampler.rows)))

    def _advance_sample(self) -> None:
        if self.sampler is not None:
            self.sampler.advance()
            self._post_sample_progress()

    def _post_sample_progress(self) -> None:
        s = self.sampler
        if s is None:
            return
        self.post_message(SampleStepped(s.text, tuple(s.rows)))
        if s.done:
            self.post_message(
                SampleFinished(s.text, self.current_run.dataset.contains(s.text), tuple(s.rows))
            )
            self._stop_sampling()

    def _finish_sampling(self) -> None:
        """Complete a name still being drawn (a new request does not drop it)."""
        if self.sampler is not None:
            self.sampler.finish()
            self._post_sample_progress()

    def _stop_sampling(self) -> None:
        if self._sample_timer is not None:
            self._sample_timer.stop()
            self._sample_timer = None
        self.sampler = None

    def on_sample_stepped(self, message: SampleStepped) -> None:
        if not self.is_running:  # the app is closing: its widgets may be gone
            return
        with self.batch_update():
            self.main_screen.query_one(SamplerPanel).show_steps(
                message.text, message.rows, done=False, bar_color=self._accent()
            )

    def on_sample_finished(self, message: SampleFinished) -> None:
        if not self.is_running:  # the app is closing: its widgets may be gone
            return
        with self.batch_update():
            panel = self.main_screen.query_one(SamplerPanel)
            panel.show_steps(message.name, message.rows, done=True, bar_color=self._accent())
            panel.add_name(message.name, message.in_data)

    def _accent(self) -> str:
        return self.theme_variables.get("primary", "")

    def action_temperature(self, direction: int) -> None:
        """Lower (-1) or raise (+1) the sampling temperature."""
        self.settings = self.settings.with_temperature(direction)
        self._show_settings()

    def action_top_k(self, direction: int) -> None:
        """Fewer (-1) or more (+1) candidates per character."""
        self.settings = self.settings.with_top_k(direction, self.current_run.dataset.vocab_size)
        self._show_settings()

    def _show_settings(self) -> None:
        s = self.settings
        self.main_screen.query_one(SamplerPanel).show_settings(s.temperature, s.top_k, s.prefix)

    def action_prefix(self) -> None:
        """Ask for the start of the names to sample (empty: none)."""
        self._push(
            PromptScreen(
                "Prefix for sampled names",
                value=self.settings.prefix,
                help="names will start with it · empty: no prefix · escape: cancel",
            ),
            self._prefix_entered,
        )

    def _prefix_entered(self, prefix: str | None) -> None:
        if prefix is None:
            return
        try:
            self.current_run.dataset.tokenizer.encode(prefix, bos=False, eos=False)
        except TokenizerError as e:
            self.notify(str(e), title="Prefix", severity="error")
            return
        self.settings = SamplerSettings(self.settings.temperature, self.settings.top_k, prefix)
        self._show_settings()
