"""Loss per position of one name: each prediction task (context → next character) with its loss
-ln p as a bar, against the uniform guess ln(V); and the next characters hardest on average.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.console import Console, ConsoleOptions, RenderResult
from rich.table import Table
from rich.text import Text

from .probbars import bar


class PositionLosses:
    """Rows of (input label, next label, loss) for one name, bars scaled to the largest."""

    def __init__(
        self,
        inputs: Sequence[str],
        targets: Sequence[str],
        losses: Sequence[float],
        baseline: float,
        *,
        bar_style: str = "",
        worse_style: str = "bold",
    ) -> None:
        self.rows = list(zip(inputs, targets, losses, strict=False))
        self.baseline = baseline
        self.bar_style = bar_style
        self.worse_style = worse_style

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> RenderResult:
        if not self.rows:
            yield Text("no step yet: press n (or space) to train", style="dim")
            return
        top = 1.1 * max(self.baseline, *(loss for *_, loss in self.rows))  # room for the mark
        width = max(options.max_width - 34, 4)
        t = Table(box=None, padding=(0, 1, 0, 0), header_style="bold")
        t.add_column("pos", justify="right")
        t.add_column("given … → next", no_wrap=True)
        t.add_column("loss", justify="right")
        t.add_column(f"-ln p (│ = ln V = {self.baseline:.2f}, a uniform guess)", no_wrap=True)
        mark = min(round(self.baseline / top * width), width - 1)
        context = ""
        for pos, (given, nxt, loss) in enumerate(self.rows):
            context += given
            worse = loss > self.baseline
            drawn = bar(loss / top, width)
            drawn = drawn[:mark] + ("│" if drawn[mark] == " " else drawn[mark]) + drawn[mark + 1 :]
            t.add_row(
                str(pos),
                Text.assemble((context[-8:].rjust(8), "dim"), " → ", (nxt, "bold")),
                Text(f"{loss:.3f}", style=self.worse_style if worse else ""),
                Text(drawn, style=self.worse_style if worse else self.bar_style),
            )
        yield t
        mean = sum(loss for *_, loss in self.rows) / len(self.rows)
        yield Text(f"mean {mean:.3f} over {len(self.rows)} predictions (the loss of this name)")


def hardest_line(hardest: Sequence[tuple[str, float]]) -> Text:
    """The next characters with the highest running loss."""
    out = Text("hardest next characters so far: ", style="bold")
    if not hardest:
        out.append("—", style="dim")
    for char, loss in hardest:
        out.append(f" {char} ", style="reverse")
        out.append(f" {loss:.2f}  ")
    return out
