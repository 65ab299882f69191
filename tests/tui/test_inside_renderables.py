"""The pure pieces behind the inside views: strips, the embedding map, sparklines, the graph
walk, per-position losses and the live histories (no app)."""

from __future__ import annotations

import math

import numpy as np
from rich.console import Console

from microgpt_tui.graph_walk import example_graph
from microgpt_tui.live_stats import CharLosses, HealthHistory, tensor_norms
from microgpt_tui.renderables.embedding_map import EmbeddingMap, place
from microgpt_tui.renderables.graph import GraphWalk
from microgpt_tui.renderables.health import Schedule, Spark
from microgpt_tui.renderables.heatmap import cell_style
from microgpt_tui.renderables.position_loss import PositionLosses
from microgpt_tui.renderables.strip import CELL, NumberStrip, UnitCells, diverging, fit

from .helpers import make_run


def lines(renderable, width: int = 60, color: bool = False) -> list[str]:
    console = Console(width=width, no_color=not color, color_system="truecolor" if color else None)
    with console.capture() as cap:
        console.print(renderable)
    return cap.get().rstrip("\n").split("\n")


def test_fit_keeps_every_number_in_a_cell() -> None:
    for x in (0.0, -0.004, 0.123, -3.456, 12.34, -123.4, 98765.0, float("inf"), float("nan")):
        assert len(fit(x)) == CELL, x
    for x in (-98765.0, 12345.6, 99999.6, 9.99e99, 1e100, -1.7e308, 2.5e13):
        assert len(fit(x)) == CELL, x
    assert fit(0.123) == "+0.12" and fit(-3.456) == "-3.46" and fit(12.34) == "+12.3"
    assert fit(98765.0) == " +1e5" and fit(-2.5e13) == "-2e13" and fit(1e100) == "+e100"
    assert diverging(0.0) == (221, 221, 221) and diverging(-1) == (59, 76, 192)


def test_unit_cells_use_the_heatmap_scale_and_survive_overflow() -> None:
    cells = UnitCells([0.0, 2.0, 1.0, -0.5, float("nan"), float("inf")])
    assert lines(cells) == ["·███??"]  # NO_COLOR: the same characters, no colours
    console = Console(width=20, color_system="truecolor")
    styles = [seg.style for seg in console.render(cells) if seg.text == "█"]
    assert styles == [cell_style(1.0), cell_style(0.5), cell_style(0.0)]  # |2| is the top
    plain = Console(width=20, no_color=True)
    assert all(seg.style is None or seg.style.color is None for seg in plain.render(cells))


def test_a_strip_wraps_by_whole_cells_with_its_labels_above() -> None:
    out = lines(NumberStrip(np.arange(10) / 10, marks=list("abcdefghij")), width=35)
    assert len(out) == 4 and all(len(line) <= 35 for line in out)  # 6 cells of 5 + gaps a line
    assert out[0].split() == list("abcdef") and out[1].split()[:2] == ["+0.00", "+0.10"]
    assert out[2].split() == list("ghij") and out[3].split()[-1] == "+0.90"


def test_points_never_share_a_cell() -> None:
    coords = np.array([[0.0, 0.0]] * 6 + [[1.0, 1.0], [-1.0, -1.0]])
    spots, origin = place(coords, 20, 10)
    assert len(set(spots)) == len(spots) and None not in spots
    assert spots[6] == (19, 0) and spots[7] == (0, 9) and origin == (10, 4)  # round(9.5) = 10
    drawn = "\n".join(lines(EmbeddingMap(coords, list("aeioubcd"), height=10), width=20))
    assert all(ch in drawn for ch in "aeioubcd")


def test_sparklines_and_the_schedule_fit_their_width() -> None:
    (spark,) = lines(Spark([1.0, 2.0, float("nan"), 3.0]), width=10)
    assert spark.strip() == "▁▅█"
    sched = lines(Schedule([0.01 * (1 - t / 100) for t in range(100)], 0.5, height=3), width=40)
    assert len(sched) == 4 and all(len(line) <= 40 for line in sched)
    assert sched[-1].index("▲ now") == len("0.0100│") + (40 - len("0.0100│")) // 2


def test_the_graph_walk_shows_the_chain_rule_step_by_step() -> None:
    graph = example_graph()
    start = "\n".join(lines(GraphWalk(graph, 0), width=100))
    assert "start: ∂y/∂y = 1" in start and "step 0/5" in start
    done = "\n".join(lines(GraphWalk(graph, graph.steps), width=100))
    assert "1 × 10 (∂y/∂d)" in done and "10 × 1 (∂d/∂a)" in done and "1 × -1 (∂y/∂c)" in done
    assert "done" in done
    partial = graph.grads_after(1)  # only y has run: d and c hold their gradients, a and b not
    names = [n.name for n in graph.nodes]
    assert partial[names.index("d")] == 10 and partial[names.index("a")] is None


def test_position_losses_list_every_prediction_and_their_mean() -> None:
    text = "\n".join(lines(PositionLosses("·em", "emm", [3.5, 2.0, 1.0], math.log(28)), 80))
    assert "→ e" in text and "3.500" in text and "mean 2.167 over 3 predictions" in text


def test_health_history_records_each_step_once() -> None:
    run = make_run()
    history = HealthHistory(run.model)
    assert history.observe(0, run.model.copy(), run.dataset, "emma")
    assert not history.observe(0, run.model.copy(), run.dataset, "emma")
    assert np.isnan(history.update_ratios[0]).all()
    _, grads = run.loss_and_grads(["emma"])
    np.testing.assert_allclose(history.grad_norms[0], [np.linalg.norm(g) for g in grads.values()])
    flat = np.arange(6.0)
    np.testing.assert_allclose(tensor_norms(flat, {"a": (1, 2), "b": (2, 2)}), [1, math.sqrt(54)])


def test_char_losses_keep_a_running_mean_per_character() -> None:
    chars = CharLosses()
    chars.observe(1, "ab", (2.0, 1.0))
    chars.observe(1, "ab", (9.0, 9.0))  # the same step again: ignored
    chars.observe(2, "a", (1.0,))
    assert chars.hardest(1)[0][0] == "a" and chars.count == {"a": 2, "b": 1}
    assert math.isclose(chars.mean["a"], 0.98 * 2.0 + 0.02 * 1.0)
