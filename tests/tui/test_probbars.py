"""The probability bars renderable, without an app."""

from __future__ import annotations

import io

from rich.console import Console

from microgpt_tui.renderables.probbars import ProbBars, ProbRow, bar

ROWS = [
    ProbRow("", "e", (("e", 0.41), ("a", 0.20), ("j", 0.09))),
    ProbRow("e", "m", (("m", 0.30), ("l", 0.25), ("v", 0.05))),
    ProbRow("em", "⏎", (("m", 0.50), ("⏎", 0.40))),
]


def render(renderable, width: int, no_color: bool = False) -> str:
    console = Console(width=width, record=True, no_color=no_color, file=io.StringIO())
    console.print(renderable)
    return console.export_text()


def test_bar_lengths_use_eighths() -> None:
    assert bar(0.5, 8) == "████    "
    assert bar(1.0, 4) == "████"
    assert bar(0.0, 3) == "   "
    assert bar(1 / 16, 2) == "▏ "
    assert len(bar(0.37, 10)) == 10


def test_rows_show_context_choice_and_percentages() -> None:
    lines = render(ProbBars(ROWS), 80).splitlines()
    assert len(lines) == 3
    assert lines[0].lstrip().startswith("· → e")  # BOS mark as the empty context
    assert "41%" in lines[0] and "20%" in lines[0] and "9%" in lines[0]
    assert lines[2].lstrip().startswith("em → ⏎") and "40%" in lines[2]


def test_narrow_widths_drop_candidates_not_lines() -> None:
    for width in (80, 40, 24, 12):
        lines = render(ProbBars(ROWS), width).splitlines()
        assert len(lines) == 3
        assert all(len(line) <= width for line in lines)
    assert "9%" not in render(ProbBars(ROWS), 30)


def test_max_rows_keeps_the_latest() -> None:
    lines = render(ProbBars(ROWS, max_rows=1), 80).splitlines()
    assert len(lines) == 1 and "em → ⏎" in lines[0]


def test_no_color_keeps_the_bars() -> None:
    assert "█" in render(ProbBars(ROWS), 80, no_color=True)


def test_no_rows_renders_nothing() -> None:
    assert render(ProbBars([]), 40) == ""
