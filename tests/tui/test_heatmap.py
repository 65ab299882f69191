"""The attention heatmap renderable, without an app: colours, glyphs, labels, layout."""

from __future__ import annotations

import io

import numpy as np
from rich.console import Console

from microgpt_tui.renderables.heatmap import (
    GLYPHS,
    VIRIDIS,
    HeadGrid,
    Heatmap,
    Legend,
    cell_style,
    glyph,
    viridis,
)


def causal(T: int, seed: int = 0) -> np.ndarray:
    """Random causal attention weights (T, T): rows sum to 1 over the past."""
    w = np.tril(np.random.default_rng(seed).random((T, T)) + 0.01)
    return w / w.sum(axis=1, keepdims=True)


def render(renderable, *, width: int = 80, no_color: bool = False) -> tuple[str, Console]:
    console = Console(
        width=width,
        record=True,
        color_system="truecolor",
        no_color=no_color,
        file=io.StringIO(),
    )
    console.print(renderable)
    return console.export_text(clear=False), console


def test_colour_scale_ends_and_glyph_ramp() -> None:
    assert viridis(0.0) == VIRIDIS[0] and viridis(1.0) == VIRIDIS[-1]
    assert viridis(-1.0) == VIRIDIS[0] and viridis(2.0) == VIRIDIS[-1]
    assert glyph(0.0) == " " and glyph(1.0) == "█" and glyph(0.5) == "▒"
    assert cell_style(0.0).color.triplet == VIRIDIS[0]
    assert cell_style(1.0).color.triplet == VIRIDIS[-1]


def test_labels_rows_and_causal_mask() -> None:
    w = np.eye(3)
    text, _ = render(Heatmap(w, ["·", "e", "m"], title="head 0"))
    lines = text.splitlines()
    assert lines[0].startswith("head 0")
    assert lines[1].rstrip() == "  · e m"  # column labels, 2-column cells
    assert [ln[0] for ln in lines[2:5]] == ["·", "e", "m"]
    assert lines[2][2:] == "██    "  # row 0 sees only itself: the rest is masked blank


def test_colours_follow_the_weights() -> None:
    w = np.array([[1.0, 0.0], [0.0, 1.0]])
    _, console = render(Heatmap(w, ["·", "a"]))
    html = console.export_html(inline_styles=True)
    r, g, b = VIRIDIS[-1]
    assert f"#{r:02x}{g:02x}{b:02x}" in html
    r, g, b = VIRIDIS[0]
    assert f"#{r:02x}{g:02x}{b:02x}" in html


def test_no_color_uses_the_glyph_ramp() -> None:
    w = np.array([[1.0, 0.0, 0.0], [0.5, 0.5, 0.0], [0.0, 0.3, 0.7]])
    text, _ = render(Heatmap(w, ["·", "a", "b"]), no_color=True)
    rows = text.splitlines()[1:]
    assert rows[0][2:4] == "██"
    assert rows[1][2:6] == "▒▒▒▒"
    assert rows[2][4:8] == "░░▓▓"
    explicit, _ = render(Heatmap(w, ["·", "a", "b"], glyphs=True))
    assert explicit == text


def test_legend_shows_the_scale() -> None:
    text, _ = render(Legend(glyphs=True))
    assert "0 " in text and " 1" in text and "".join(g * 2 for g in GLYPHS) in text
    text, _ = render(Legend())
    assert "██████████" in text


def test_head_grid_fits_all_heads_or_focuses_one() -> None:
    weights = np.stack([causal(8, s) for s in range(4)])  # (H, T, T)
    grid = HeadGrid(weights, ["·", *"michael"], focus=2)
    assert grid.layout(200) == ([0, 1, 2, 3], 2)
    assert grid.layout(60) == ([0, 1, 2, 3], 1)
    assert grid.layout(20) == ([2], 2)
    assert grid.layout(12) == ([2], 1)
    wide, _ = render(grid, width=100)
    assert all(f"head {h}" in wide for h in range(4)) and "head 2 ◂" in wide
    narrow, _ = render(grid, width=20)
    assert "head 2" in narrow and "head 0" not in narrow
    assert all(len(line) <= 20 for line in narrow.splitlines())


def test_short_labels_and_blank_labels_are_padded() -> None:
    text, _ = render(Heatmap(np.eye(3), ["·"]))
    assert len(text.splitlines()) == 4  # header + 3 rows, no crash on missing labels


def test_head_grid_keeps_the_legend_at_a_fixed_height() -> None:
    weights = np.stack([causal(3, s) for s in range(2)])
    grid = HeadGrid(weights, ["·", "a", "b"])
    console = Console(width=40, color_system=None, file=io.StringIO())
    lines = console.render_lines(grid, console.options.update(height=grid.height), pad=True)
    assert len(lines) == grid.height == 6
    assert "weight 0" in "".join(seg.text for seg in lines[-1])
