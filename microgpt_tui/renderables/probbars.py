"""Probability bars: for each generated character, the most likely next characters as bars.

One row per step: the text so far, the character drawn, then the top candidates with a bar and
a percentage each (the drawn one highlighted). Pure Rich: it sizes the bars to the width given.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rich.console import Console, ConsoleOptions, RenderResult
from rich.text import Text

from . import BOS_MARK

EIGHTHS = " ▏▎▍▌▋▊▉"  # partial blocks for a bar's last cell
MIN_BAR = 6


@dataclass(frozen=True)
class ProbRow:
    """One sampling step: the context, the label drawn and the top (label, probability) pairs."""

    context: str
    chosen: str
    top: tuple[tuple[str, float], ...]


def bar(fraction: float, width: int) -> str:
    """A horizontal bar of `fraction` (0..1) of `width` cells, with eighth-cell precision."""
    eighths = round(min(max(fraction, 0.0), 1.0) * width * 8)
    full, part = divmod(eighths, 8)
    text = "█" * full + (EIGHTHS[part] if part else "")
    return text.ljust(width)


class ProbBars:
    """Rows of next-character probabilities; bars shrink to fit, candidates drop if needed."""

    def __init__(
        self,
        rows: Sequence[ProbRow],
        *,
        top_n: int = 3,
        max_rows: int | None = None,
        bar_style: str = "",
        chosen_style: str = "bold",
    ) -> None:
        self.rows = list(rows)
        self.top_n = top_n
        self.max_rows = max_rows
        self.bar_style = bar_style
        self.chosen_style = chosen_style

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        rows = self.rows[-self.max_rows :] if self.max_rows else self.rows
        if not rows:
            return
        ctx_w = max(max(len(r.context) for r in rows), 1)
        fixed = ctx_w + 4  # context, " → c"
        width = options.max_width
        n = self.top_n
        # each candidate: " c " + bar + " 100%"
        while n > 1 and (width - fixed - 2) // n - 8 < MIN_BAR:
            n -= 1
        bar_w = max((width - fixed - 2) // n - 8, 1)
        for r in rows:
            line = Text(no_wrap=True, overflow="crop")
            line.append((r.context or BOS_MARK).rjust(ctx_w), style="dim")
            line.append(" → ")
            line.append(r.chosen, style="bold reverse")
            line.append(" │")
            for label, p in r.top[:n]:
                chosen = label == r.chosen
                style = self.chosen_style if chosen else ""
                line.append(f" {label} ", style=style)
                line.append(bar(p, bar_w), style=self.chosen_style if chosen else self.bar_style)
                line.append(f"{p * 100:3.0f}%", style=style)
            yield line
