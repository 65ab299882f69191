"""The map of the concepts: the document's 29 sections, each with the keys that show it in the
running app and what one sees there; enter goes there (escape or c closes)."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from ..concepts import CONCEPTS, Concept
from .steady import SteadySize

INTRO = (
    "Every concept of the document (seed/PREREQUISITES.md), seen in the model that is training "
    "now. ↑ ↓ choose · enter goes there · escape closes."
)


def concept_prompt(c: Concept) -> Text:
    """Two lines: number, title and keys; then what one sees."""
    return Text.assemble(
        (f"{c.number:>2}  ", "dim"),
        (c.title, "bold"),
        "   ",
        (f" {c.key_display} ", "reverse"),
        f"\n    {c.shows}",
    )


class ConceptsScreen(SteadySize, ModalScreen[str | None]):
    """Dismisses with the chosen concept's app action (None when closed)."""

    DEFAULT_CSS = """
    ConceptsScreen { align: center middle; }
    ConceptsScreen > Vertical {
        width: 110; max-width: 100%; height: 100%; padding: 0 1;
        border: thick $primary; background: $surface;
    }
    ConceptsScreen #concepts-intro { color: $text-muted; height: auto; margin-bottom: 1; }
    ConceptsScreen OptionList, ConceptsScreen OptionList:focus { height: 1fr; border: none; }
    """

    BINDINGS = [Binding("escape,c", "close", "Close")]

    def compose(self) -> ComposeResult:
        with Vertical() as box:
            box.border_title = "The 29 concepts of the document, in the running model"
            box.border_subtitle = "enter: go there · escape: close"
            yield Static(INTRO, id="concepts-intro")
            yield OptionList(
                *(Option(concept_prompt(c), id=str(c.number)) for c in CONCEPTS),
                id="concepts-list",
            )

    def on_mount(self) -> None:
        self.query_one(OptionList).focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        number = int(event.option.id or 0)
        chosen = next(c for c in CONCEPTS if c.number == number)
        self.dismiss_once(chosen.action)

    def action_close(self) -> None:
        self.dismiss_once(None)
