"""The inspector: one forward pass of a name through a snapshot of the model, one position at a
time (left/right) and one layer at a time (up/down), with the gradient reaching every value.

The values come from `core.trace.trace_text` on the snapshot's copy of the parameters, never on
the arrays the trainer is changing. The pass is fixed while training runs (u takes the latest
step); while paused, each single step (n) shows the new weights at once.
"""

from __future__ import annotations

import numpy as np
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Static

from core import BOS, GPT, Tokenizer, TokenizerError
from core.trace import trace_text

from ..renderables import BOS_MARK
from ..renderables.inspect import (
    PassView,
    attention_section,
    embedding_section,
    labels_of,
    mlp_section,
    output_section,
    title_line,
)
from ..sampling import token_label
from ..training import RUNNING
from .prompt import PromptScreen
from .steady import SteadySize

SECTIONS = ("embedding", "attention", "mlp", "output")


def vocab_labels(tokenizer: Tokenizer) -> tuple[str, ...]:
    """A one-character label for every token id: `token_label`'s, and BOS_MARK for BOS."""
    return tuple(
        BOS_MARK if i == BOS else token_label(tokenizer, i) for i in range(tokenizer.vocab_size)
    )


def pass_view(model: GPT, tokenizer: Tokenizer, text: str) -> PassView:
    """The trace of BOS + `text` + EOS (cut to the block) with its labels."""
    with np.errstate(all="ignore"):  # a diverged run's weights may overflow
        tr = trace_text(model, tokenizer, text)
    vocab = vocab_labels(tokenizer)
    cfg = model.config
    return PassView(
        tr,
        labels_of(tr.tokens, vocab),
        labels_of(tr.targets, vocab),
        vocab,
        cfg.activation,
        cfg.post_embed_norm,
    )


class InspectorScreen(SteadySize, Screen[None]):
    """Steps through one forward pass; the app's snapshot and tokenizer are its source."""

    DEFAULT_CSS = """
    InspectorScreen { layout: vertical; }
    InspectorScreen > #inspect-title { height: auto; padding: 0 1; background: $panel; }
    InspectorScreen > #inspect-body { height: 1fr; scrollbar-size-vertical: 1; }
    InspectorScreen .inspect-section {
        height: auto; padding: 0 1; border-top: round $primary 50%;
        border-title-color: $text; border-title-style: bold;
    }
    InspectorScreen .inspect-section.-focus { border-top: heavy $accent; }
    """

    BINDINGS = [
        Binding("escape,i", "close", "Close"),
        Binding("left", "move(-1)", "Position −", key_display="←"),
        Binding("right", "move(1)", "Position +", key_display="→"),
        Binding("up", "layer(-1)", "Layer −", key_display="↑"),
        Binding("down", "layer(1)", "Layer +", key_display="↓"),
        Binding("w", "word", "Word"),
        Binding("u", "update", "Latest step"),
        Binding("pageup", "scroll(-1)", "Scroll up", show=False),
        Binding("pagedown", "scroll(1)", "Scroll down", show=False),
    ]

    def __init__(self, word: str | None = None, *, focus: str = "") -> None:
        super().__init__()
        self._ready = False  # composed and mounted: the views can be drawn
        self.word = word  # None: the name being trained
        self.focus_section = focus if focus in SECTIONS else ""
        self.position = 0
        self.layer_index = 0
        self.step = 0
        self.text = ""
        self.view: PassView | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="inspect-title")
        with VerticalScroll(id="inspect-body", can_focus=False):
            for name in SECTIONS:
                yield Static(id=f"sec-{name}", classes="inspect-section")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        self._ready = True
        self.load(self.app.snapshot)
        if self.focus_section:
            section = self.query_one(f"#sec-{self.focus_section}")
            section.add_class("-focus")
            self.call_after_refresh(
                self.query_one("#inspect-body").scroll_to_widget, section, animate=False
            )

    # --- data ---

    def load(self, snapshot) -> bool:
        """Trace the word (or the snapshot's name) through the snapshot's model."""
        text = snapshot.doc if self.word is None else self.word
        try:
            view = pass_view(snapshot.model, self.app.current_run.dataset.tokenizer, text)
        except TokenizerError as e:
            self.notify(str(e), title="Inspector", severity="error")
            return False
        self.view, self.text, self.step = view, text, snapshot.figures.step
        self.position = min(self.position, view.T - 1)
        self.layer_index = min(self.layer_index, view.n_layer - 1)
        self.redraw()
        return True

    def show_snapshot(self, snapshot) -> None:
        """A new snapshot: shown at once unless training runs (then u shows it)."""
        if snapshot.state != RUNNING and snapshot.figures.step != self.step:
            self.load(snapshot)

    # --- drawing ---

    def redraw(self) -> None:
        view = self.view
        if view is None or not self._ready:  # a snapshot may come before the mount
            return
        pos, layer = self.position, self.layer_index
        source = "the name trained at this step" if self.word is None else "your word (w)"
        self.query_one("#inspect-title", Static).update(
            title_line(view, pos, layer, f"step {self.step:,} · {source}")
        )
        H = view.trace.layers[layer].q.shape[0]
        sections = {
            "embedding": (f"Embedding of {view.inputs[pos]!r} at position {pos}",
                          embedding_section(view, pos)),
            "attention": (f"Layer {layer} · attention, {H} heads",
                          attention_section(view, pos, layer)),
            "mlp": (f"Layer {layer} · MLP", mlp_section(view, pos, layer)),
            "output": ("Output · next character and loss", output_section(view, pos)),
        }  # fmt: skip
        for name, (title, renderable) in sections.items():
            section = self.query_one(f"#sec-{name}", Static)
            section.border_title = title
            section.update(renderable)

    # --- actions ---

    def action_close(self) -> None:
        self.dismiss_once()

    def action_move(self, direction: int) -> None:
        """The next (+1) or previous (-1) position, wrapping around."""
        if self.view is not None:
            self.position = (self.position + direction) % self.view.T
            self.redraw()

    def action_layer(self, direction: int) -> None:
        """The next (+1) or previous (-1) layer, wrapping around."""
        if self.view is None:
            return
        if self.view.n_layer == 1:
            self.notify("this model has one layer", timeout=2)
            return
        self.layer_index = (self.layer_index + direction) % self.view.n_layer
        self.redraw()

    def action_update(self) -> None:
        """Trace again on the latest snapshot."""
        self.load(self.app.snapshot)

    def action_scroll(self, direction: int) -> None:
        body = self.query_one("#inspect-body", VerticalScroll)
        body.scroll_page_down() if direction > 0 else body.scroll_page_up()

    def action_word(self) -> None:
        """Ask for a word to trace (empty: the name being trained)."""
        self.app.push_screen(
            PromptScreen(
                "Word for the inspector",
                value=self.word or "",
                help="empty: the name being trained · escape: cancel",
            ),
            self._word_entered,
        )

    def _word_entered(self, word: str | None) -> None:
        if word is None:
            return
        previous, self.word = self.word, word or None
        self.position = 0
        if not self.load(self.app.snapshot):
            self.word = previous
