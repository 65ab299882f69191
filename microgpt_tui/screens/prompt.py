"""A one-line prompt in a modal box: enter submits the text, escape cancels (None)."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from .steady import SteadySize


class PromptScreen(SteadySize, ModalScreen[str | None]):
    """Asks for a line of text; dismisses with it, or None when cancelled."""

    DEFAULT_CSS = """
    PromptScreen { align: center middle; }
    PromptScreen > Vertical {
        width: 60; max-width: 100%; height: auto; padding: 1 2;
        border: thick $primary; background: $surface;
    }
    PromptScreen Input { margin-top: 1; }
    PromptScreen #prompt-help { color: $text-muted; margin-top: 1; }
    """

    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, *, value: str = "", help: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.value = value
        self.help_text = help

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(self.title_text)
            yield Input(value=self.value, id="prompt-input")
            yield Static(self.help_text or "enter: ok · escape: cancel", id="prompt-help")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss_once(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss_once(None)
