"""The help screen: every key and what it does (escape, ?, F1 or q closes it)."""

from __future__ import annotations

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ..keymap import COMMANDS
from .steady import SteadySize

INTRO = (
    "A tiny GPT learns to invent names while you watch. The loss starts near ln(vocab size), "
    "a uniform guess, and falls as it learns. ctrl+p opens the command palette (themes too)."
)


class HelpScreen(SteadySize, ModalScreen[None]):
    """The key table over the dashboard."""

    DEFAULT_CSS = """
    HelpScreen { align: center middle; }
    HelpScreen > VerticalScroll {
        width: 80; max-width: 100%; height: auto; max-height: 100%; padding: 0 1;
        border: thick $primary; background: $surface;
    }
    HelpScreen #help-intro { color: $text-muted; margin-bottom: 1; }
    """

    BINDINGS = [Binding("escape,question_mark,f1,q", "close", "Close")]

    def compose(self) -> ComposeResult:
        table = Table(box=None, padding=(0, 2, 0, 0), show_header=False)
        table.add_column("keys", style="bold", no_wrap=True)
        table.add_column("what")
        for c in COMMANDS:
            table.add_row(c.display, c.help)
        with VerticalScroll() as scroll:
            scroll.border_title = "microgpt-tui · keys"
            scroll.border_subtitle = "escape closes"
            yield Static(INTRO, id="help-intro")
            yield Static(table, id="help-keys")

    def on_click(self) -> None:
        self.action_close()

    def action_close(self) -> None:
        self.dismiss_once()
