"""The live views (v): embedding map, training health, loss per position, the scalar engine and
the computation graph, each checked against what core computes."""

from __future__ import annotations

import math

import numpy as np

from core.scalar_gpt import scalar_batch_loss_and_grads
from core.trace import embedding_pca, trace_text
from microgpt_tui import scalar_compare
from microgpt_tui.graph_walk import example_graph, model_neuron
from microgpt_tui.live_stats import tensor_norms
from microgpt_tui.renderables.embedding_map import place
from microgpt_tui.screens.views import ViewsScreen

from .helpers import NARROW, WIDE, make_app, make_run, press, step_once, text_of, wait_for


def views(app) -> ViewsScreen:
    assert isinstance(app.screen, ViewsScreen)
    return app.screen


def shown(app, selector: str) -> str:
    """The text of a widget and of every leaf widget inside it."""
    widget = app.screen.query_one(selector)
    leaves = [w for w in widget.query("*") if not w.children] or [widget]
    return "\n".join(text_of(w) for w in leaves)


async def open_views(pilot, app, tab: str = "") -> ViewsScreen:
    await pilot.press("v", *([tab] if tab else []))
    await wait_for(pilot, lambda: isinstance(app.screen, ViewsScreen) and app.screen.is_mounted)
    await pilot.pause()
    return views(app)


async def test_opens_switches_tabs_and_closes() -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_views(pilot, app)
        assert screen.tab == "embeddings"
        for key, tab in zip(
            "12345", ("embeddings", "health", "positions", "scalar", "graph"), strict=True
        ):
            press(app, key)
            await wait_for(pilot, lambda tab=tab: screen.tab == tab)
        await pilot.press("v")
        await wait_for(pilot, lambda: app.screen is app.main_screen)
        await open_views(pilot, app)
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is app.main_screen)


async def test_embedding_map_places_every_character_where_pca_puts_it() -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await step_once(pilot)
        await open_views(pilot, app, "1")
        view = app.screen.query_one("#map-view")
        lines = text_of(view).split("\n")
        coords, variance = embedding_pca(app.snapshot.model)
        spots, _ = place(coords, view.content_region.width, view.content_region.height)
        tok = app.current_run.dataset.tokenizer
        for i in range(2, tok.vocab_size):  # every letter sits on its cell
            col, row = spots[i]
            assert lines[row][col] == tok.token_str(i)
        caption = shown(app, "#map-caption")
        assert f"{variance[0] * 100:.0f}% and {variance[1] * 100:.0f}%" in caption
        assert "step 1" in caption


async def test_a_snapshot_that_comes_before_the_views_are_mounted_waits() -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        app.action_views()
        assert isinstance(app.screen, ViewsScreen) and not app.screen.is_mounted
        app._inside_snapshot(app.snapshot)  # a training snapshot landing in that gap
        await wait_for(pilot, lambda: app.screen.is_mounted)
        await pilot.press("2")
        assert views(app).tab == "health" and app.is_running


async def test_health_tracks_gradients_updates_and_the_schedule() -> None:
    app = make_app(steps=50)
    async with app.run_test(size=WIDE) as pilot:
        before = app.snapshot.model
        await step_once(pilot)
        after = app.snapshot.model
        ratios = app.health.update_ratios[-1]
        with np.errstate(divide="ignore", invalid="ignore"):
            expected = tensor_norms(after.flat - before.flat, after.shapes) / tensor_norms(
                before.flat, after.shapes
            )
        finite = np.isfinite(expected)  # attn_wo and mlp_fc2 start at zero
        assert finite.sum() == len(expected) - 2
        np.testing.assert_allclose(ratios[finite], expected[finite])
        doc = app.snapshot.doc
        _, grads = app.current_run.loss_and_grads([doc])  # the trainer's weights: same now
        np.testing.assert_allclose(
            app.health.grad_norms[-1], [np.linalg.norm(g) for g in grads.values()]
        )
        await open_views(pilot, app, "2")
        text = shown(app, "HealthPanel")
        # the rate step 1 used (0.01 * (1 - 0/50)), the one the loss panel shows beside it
        assert "Learning rate: 0.01000 at step 1 of 50" in text
        assert app.snapshot.record.lr == 0.01
        assert "m / 0.100" in text and "v / 0.050" in text  # Adam's corrections at t = 1
        for name in after.shapes:
            assert name in text


async def test_page_keys_scroll_a_view_too_tall_for_the_terminal() -> None:
    app = make_app()
    async with app.run_test(size=NARROW) as pilot:
        await open_views(pilot, app, "2")
        panel = app.screen.query_one("HealthPanel")
        assert panel.max_scroll_y > 0 and panel.scroll_y == 0
        await pilot.press("pagedown")
        await wait_for(pilot, lambda: panel.scroll_y > 0)


async def test_loss_per_position_is_the_steps_record() -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await step_once(pilot)
        await open_views(pilot, app, "3")
        rec = app.snapshot.record  # what the views draw from
        assert rec is not None and rec.step == app.snapshot.figures.step == 1
        text = shown(app, "PositionLossPanel")
        assert repr(rec.docs[0]) in text
        for loss in rec.position_losses:
            assert f"{loss:.3f}" in text
        mean = sum(rec.position_losses) / len(rec.position_losses)
        assert f"mean {mean:.3f}" in text and f"ln V = {math.log(28):.2f}" in text
        assert "hardest next characters so far" in text


async def test_the_views_show_the_snapshots_step_not_a_newer_one() -> None:
    """The worker may have run on since the snapshot on screen: the views keep to its record."""
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await step_once(pilot)
        screen = await open_views(pilot, app, "3")
        rec = app.snapshot.record
        assert rec is not None and rec.step == app.snapshot.figures.step
        later = rec._replace(
            step=rec.step + 5,
            docs=("zzzz",),
            position_losses=(9.999,) * len(rec.position_losses),
            lr=0.5,
        )
        assert all(f"{loss:.3f}" != "9.999" for loss in rec.position_losses)
        assert f"{rec.lr:.5f}" != "0.50000"
        app.loop.last = later  # a later step
        screen.redraw()
        await pilot.pause()
        text = shown(app, "PositionLossPanel")
        assert repr(rec.docs[0]) in text and "'zzzz'" not in text
        assert f"step {rec.step:,} ·" in text and f"step {later.step:,} ·" not in text
        assert "9.999" not in text
        for loss in rec.position_losses:
            assert f"{loss:.3f}" in text
        await pilot.press("2")
        await wait_for(pilot, lambda: screen.tab == "health")
        await pilot.pause()
        text = shown(app, "HealthPanel")
        assert f"Learning rate: {rec.lr:.5f} at step {rec.step:,}" in text
        assert "0.50000" not in text and f"at step {later.step:,} " not in text


async def test_scalar_step_matches_core_and_keeps_the_app_responsive() -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_views(pilot, app)
        await pilot.press("x")
        assert screen.tab == "scalar"
        await wait_for(pilot, lambda: screen.comparison is not None, timeout=30)
        r = screen.comparison
        batch = app.current_run.dataset.encode_many(list(r.docs))
        loss, _, _, nodes = scalar_batch_loss_and_grads(
            app.snapshot.model.config, app.snapshot.model.params, batch
        )
        assert r.nodes == nodes and math.isclose(r.scalar_loss, loss)
        assert math.isclose(r.numpy_loss, r.scalar_loss, rel_tol=1e-9) and r.max_grad_diff < 1e-9
        text = shown(app, "ScalarPanel")
        assert f"{nodes:,} Value nodes" in text and "× slower" in text
        assert "This run trains on the NumPy engine" in text


async def test_scalar_step_is_refused_on_a_big_model() -> None:
    app = make_app(model={"n_embd": 64})
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_views(pilot, app, "4")
        await pilot.press("x")
        await pilot.pause()
        assert "not run" in shown(app, "ScalarPanel") and screen.comparison is None


async def test_a_second_scalar_step_waits_for_the_first_of_any_view() -> None:
    """A views screen closed and opened again may leave its scalar step running: a new one is
    refused while it runs (they would slow each other and the app), then runs once it is done."""
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_views(pilot, app)
        with scalar_compare._ONE_AT_A_TIME:  # an earlier view's step, still under way
            await pilot.press("x")
            await wait_for(pilot, lambda: "not run" in shown(app, "ScalarPanel"), timeout=30)
        assert "still running" in shown(app, "ScalarPanel") and screen.comparison is None
        await pilot.press("x")
        await wait_for(pilot, lambda: screen.comparison is not None, timeout=30)


async def test_graph_walks_backward_node_by_node() -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_views(pilot, app, "5")
        graph = example_graph()
        assert [round(g or 0, 9) for g in graph.grads_after(graph.steps)] == [
            round(g, 9) for g in _example_grads(graph)
        ]
        text = shown(app, "GraphPanel")
        assert "y = (a + b) × c" in text and "step 0/5" in text
        await pilot.press("right")
        assert screen.walk == 1 and "step 1/5" in shown(app, "GraphPanel")
        await pilot.press("end")
        text = shown(app, "GraphPanel")
        assert "done" in text and "Δy/Δa ≈ 10.0000" in text and "∂y/∂a = 10.0000" in text
        await pilot.press("left", "home", "left")
        assert screen.walk == 0
        await pilot.press("g")  # a neuron of the model
        assert screen.neuron and "one neuron of the model" in shown(app, "GraphPanel")


def _example_grads(graph) -> list[float]:
    """What each node of y = (a + b) * c should end with, by hand (a=2, b=-3, c=10)."""
    by_name = {"a": 10.0, "b": 10.0, "c": -1.0, "d": 10.0, "y": 1.0}
    return [by_name[n.name] for n in graph.nodes]


def test_model_neuron_is_the_traced_hidden_unit() -> None:
    run = make_run()
    tr = trace_text(run.model, run.dataset.tokenizer, "emma")
    g = model_neuron(run.model, tr, 0, 3)
    unit = int(np.argmax(tr.layers[0].hidden[3]))
    assert math.isclose(g.nodes[-1].value, tr.layers[0].hidden[3, unit], rel_tol=1e-9)
    _, numeric, analytic = g.nudge
    assert math.isclose(numeric, analytic, rel_tol=1e-2, abs_tol=1e-6)


async def test_views_survive_a_tiny_terminal_and_key_mashing() -> None:
    app = make_app()
    async with app.run_test(size=(62, 17)) as pilot:
        await open_views(pilot, app)
        press(app, *[k for tab in "1234512345ggg" for k in (tab, "right", "left", "end", "x")])
        await pilot.pause(0.1)
        await pilot.resize_terminal(30, 8)
        await pilot.pause()
        await pilot.resize_terminal(120, 40)
        await wait_for(pilot, lambda: isinstance(app.screen, ViewsScreen))
        await wait_for(pilot, lambda: app.screen.comparison is not None, timeout=30)
