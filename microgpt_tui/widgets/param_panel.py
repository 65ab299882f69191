"""The parameters panel: every tensor of the model with its shape and count, and the total."""

from __future__ import annotations

from collections.abc import Sequence

from rich.table import Table
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static


class ParameterPanel(VerticalScroll):
    """A table of the model's tensors; the figures come from the model itself."""

    DEFAULT_CSS = """
    ParameterPanel { height: auto; }
    ParameterPanel > #param-table { width: auto; }
    """

    def compose(self) -> ComposeResult:
        yield Static(id="param-table")

    def show(self, rows: Sequence[tuple[str, tuple[int, ...], int]], total: int) -> None:
        """Rows of (name, shape, count) and the total count."""
        table = Table(box=None, padding=(0, 2, 0, 0), show_footer=True, header_style="bold")
        table.add_column("tensor", footer="total")
        table.add_column("shape", justify="right")
        table.add_column("count", justify="right", footer=f"{total:,}")
        for name, shape, count in rows:
            table.add_row(name, "×".join(str(d) for d in shape), f"{count:,}")
        self.query_one("#param-table", Static).update(table)
