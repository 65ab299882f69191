"""The header line: what is training (data, preset, size) and where it is (step k/N, state)."""

from __future__ import annotations

from textual.app import RenderResult
from textual.content import Content
from textual.reactive import reactive
from textual.widget import Widget

STATES = {
    "running": ("▶ running", "$success"),
    "paused": ("‖ paused", "$warning"),
    "done": ("■ done", "$accent"),
    "diverged": ("✗ diverged", "$error"),
    "error": ("✗ error", "$error"),
}


class RunHeader(Widget):
    """One line: the run on the left, the step and state on the right (a repaint, no layout)."""

    DEFAULT_CSS = """
    RunHeader { height: 1; dock: top; }
    """

    titles: reactive[tuple[Content, ...]] = reactive(tuple)  # longest first
    status = reactive(Content(""))

    def render(self) -> RenderResult:
        width = self.content_size.width
        status = self.status
        room = max(width - status.cell_length - 1, 0)
        fits = [t for t in self.titles if t.cell_length <= room]
        title = (
            fits[0] if fits else (self.titles or (Content(""),))[-1].truncate(room, ellipsis=True)
        )
        return Content.assemble(title.pad_right(room - title.cell_length), " ", status)

    def show_run(self, data: str, num_docs: int, preset: str, num_params: int) -> None:
        """The run's description: dataset and size, preset, parameter count."""
        values = {
            "data": data,
            "docs": f"{num_docs:,}",
            "preset": preset,
            "params": f"{num_params:,}",
        }
        self.titles = tuple(
            Content.from_markup(markup, **values)
            for markup in (
                "[b]microgpt-tui[/b] · $data ($docs docs) · preset [b]$preset[/b] · "
                "[b]$params[/b] params",
                "[b]microgpt-tui[/b] · $data ($docs) · [b]$preset[/b] · [b]$params[/b] params",
                "$data ($docs) · [b]$preset[/b] · [b]$params[/b] params",
            )
        )

    def show_progress(self, step: int, total: int, state: str, diverged_at: int | None) -> None:
        """Step k/N and the state (with the step of divergence)."""
        parts: list = ["step ", (f"{step:,}", "bold"), f"/{total:,} ", STATES.get(state, state)]
        if diverged_at is not None:
            parts.append((f" at step {diverged_at:,}", "$error"))
        self.status = Content.assemble(*parts)
