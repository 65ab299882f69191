"""The question on quitting with unsaved training: save, quit anyway, or stay (y / n / c)."""

from __future__ import annotations

from typing import Literal

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from .steady import SteadySize

QuitAnswer = Literal["save", "quit"] | None  # None: cancel, stay in the app


class QuitScreen(SteadySize, ModalScreen[QuitAnswer]):
    """Asks whether to save `step` to `path` before quitting."""

    DEFAULT_CSS = """
    QuitScreen { align: center middle; }
    QuitScreen > Vertical {
        width: 64; max-width: 100%; height: auto; max-height: 100%; padding: 1 2;
        border: thick $warning; background: $surface;
    }
    QuitScreen #quit-question { text-style: bold; }
    QuitScreen #quit-path { color: $text-muted; }
    QuitScreen Horizontal { height: auto; margin-top: 1; align-horizontal: center; }
    QuitScreen Button { margin: 0 1; }
    """

    BINDINGS = [
        Binding("y", "answer('save')", "Save and quit"),
        Binding("n", "answer('quit')", "Quit without saving"),
        Binding("c,escape", "answer(None)", "Cancel"),
    ]

    def __init__(self, step: int, path: str) -> None:
        super().__init__()
        self.step = step
        self.path = path

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static("Save before quitting? (y)es / (n)o / (c)ancel", id="quit-question")
            yield Static(f"Training reached step {self.step:,} and is not saved.")
            yield Static(f"saves to {self.path}", id="quit-path")
            with Horizontal():
                yield Button("Save (y)", variant="success", id="save")
                yield Button("Quit (n)", variant="error", id="quit")
                yield Button("Cancel (c)", variant="default", id="cancel")

    def on_mount(self) -> None:
        self.query_one("#save", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_answer(None if event.button.id == "cancel" else event.button.id)

    def action_answer(self, answer: QuitAnswer) -> None:
        self.dismiss_once(answer)
