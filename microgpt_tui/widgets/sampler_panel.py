"""The sampling panel: the names drawn so far (new or in the data) and the probability bars."""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence

from rich.console import Group
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from ..renderables.probbars import ProbBars, ProbRow

MAX_NAMES = 12
HINT = "press [b]s[/b] to sample a name, [b]S[/b] for ten"


class SamplerPanel(Vertical):
    """The current name's next-character probabilities above the names drawn so far."""

    DEFAULT_CSS = """
    SamplerPanel { height: auto; }
    SamplerPanel > #sample-bars-view { height: auto; margin-bottom: 1; }
    SamplerPanel > #sample-names { height: 1fr; }
    """

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self._names: deque[tuple[str, bool]] = deque(maxlen=MAX_NAMES)
        self.rows: tuple[ProbRow, ...] = ()  # the bars shown

    def compose(self) -> ComposeResult:
        yield Static(Content.from_markup(HINT), id="sample-bars-view")
        with VerticalScroll(id="sample-names"):
            yield Static(id="sample-names-list")

    @property
    def names(self) -> list[tuple[str, bool]]:
        """The names listed, newest first, each with whether it is in the data."""
        return list(self._names)

    def show_settings(self, temperature: float, top_k: int | None, prefix: str) -> None:
        """The temperature, top-k and prefix in force, in the panel's title."""
        k = "off" if top_k is None else str(top_k)
        title = f"Sampling · T {temperature:.1f} · top-k {k}"
        if prefix:
            title += f" · prefix {prefix!r}"
        self.border_title = title

    def show_steps(
        self, text: str, rows: Sequence[ProbRow], *, done: bool, bar_color: str = ""
    ) -> None:
        """The name being drawn and, per character, the most likely next ones."""
        self.rows = tuple(rows)
        title = Text.assemble(
            (text or " ", "bold"), ("  next characters, most likely first", "dim")
        )
        if not done:
            title.append("▁", style="dim")
        view = self.query_one("#sample-bars-view", Static)
        view.update(Group(title, ProbBars(rows, top_n=3, bar_style=bar_color)))

    def add_name(self, name: str, in_data: bool) -> None:
        """List a finished name at the top, marked new or in data."""
        self._names.appendleft((name, in_data))
        lines = [
            Content.from_markup(
                "$name [dim]in data[/]" if known else "$name [$success]new[/]",
                name=(name or "(empty)").ljust(10),
            )
            for name, known in self._names
        ]
        self.query_one("#sample-names-list", Static).update(Content("\n").join(lines))

    def clear(self) -> None:
        """Forget the names and bars (after a reset)."""
        self._names.clear()
        self.rows = ()
        self.query_one("#sample-names-list", Static).update("")
        self.query_one("#sample-bars-view", Static).update(Content.from_markup(HINT))
