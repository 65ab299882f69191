"""The inspector (i): one forward pass, position by position and layer by layer, with the
numbers core.trace computes for the same snapshot."""

from __future__ import annotations

import numpy as np

from core.trace import trace_text
from microgpt_tui.renderables.strip import fit
from microgpt_tui.screens.inspector import InspectorScreen

from .helpers import WIDE, make_app, press, step_of, text_of, wait_for


def inspector(app) -> InspectorScreen:
    assert isinstance(app.screen, InspectorScreen)
    return app.screen


def shown(app, section: str) -> str:
    return text_of(app.screen.query_one(f"#sec-{section}"))


async def open_inspector(pilot, app) -> InspectorScreen:
    await pilot.press("i")
    await wait_for(pilot, lambda: isinstance(app.screen, InspectorScreen) and app.screen.is_mounted)
    return inspector(app)


async def test_opens_on_the_training_name_and_closes() -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_inspector(pilot, app)
        assert screen.text == app.snapshot.doc and screen.word is None
        title = text_of(screen.query_one("#inspect-title"))
        assert "position 0 of" in title and "the name trained at this step" in title
        await pilot.press("escape")
        await wait_for(pilot, lambda: app.screen is app.main_screen)
        await open_inspector(pilot, app)
        await pilot.press("i")  # i toggles it too
        await wait_for(pilot, lambda: app.screen is app.main_screen)


async def test_shows_the_values_core_trace_computes() -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("n", "n", "n")
        await wait_for(pilot, lambda: step_of(app) == 3)
        screen = await open_inspector(pilot, app)
        await pilot.press("w", *"emma", "enter")
        await wait_for(pilot, lambda: screen.text == "emma")
        await pilot.press("right", "right")  # position 2: 'm' predicts 'm'
        await pilot.pause()
        tr = trace_text(app.snapshot.model, app.current_run.dataset.tokenizer, "emma")
        assert screen.position == 2
        title = text_of(screen.query_one("#inspect-title"))
        assert "token 'm' (id 14) predicts 'm'" in title and "[0, 6, 14, 14, 2]" in title
        embedding = shown(app, "embedding")
        assert " ".join(fit(x) for x in tr.tok_emb[2][:8]) in embedding
        assert " ".join(fit(x) for x in tr.emb[2][:8]) in embedding
        assert f"{tr.grad_norms['emb'][2]:.2g}" in embedding
        L = tr.layers[0]
        attention = shown(app, "attention")
        assert " ".join(fit(x) for x in L.q[0, 2]) in attention
        assert " ".join(fit(x) for x in L.weights[1, 2, :3]) in attention
        ms = float((L.x_in[2] ** 2).mean())
        after = np.sqrt(ms / (ms + 1e-5))  # x / sqrt(ms + eps) has this root mean square
        assert f"rms {np.sqrt(ms):.3f} → {after:.3f}" in attention
        mlp = shown(app, "mlp")
        assert f"{int(L.active_units[2])} of 64 units let through" in mlp
        output = shown(app, "output")
        assert f"p = {tr.probs[2, 14]:.4f}" in output
        assert f"loss = −ln p = {tr.losses[2]:.4f}" in output
        assert f"mean loss {tr.loss:.4f}" in output


async def test_positions_and_layers_wrap_around() -> None:
    app = make_app(model={"n_layer": 2})
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_inspector(pilot, app)
        await pilot.press("w", *"ava", "enter")
        await wait_for(pilot, lambda: screen.text == "ava")
        T = screen.view.T
        assert T == 4  # BOS a v a
        await pilot.press("left")
        assert screen.position == T - 1
        await pilot.press("right")
        assert screen.position == 0
        await pilot.press("down")
        assert screen.layer_index == 1
        assert "Layer 1 · attention" in screen.query_one("#sec-attention").border_title
        assert "x in" in shown(app, "attention")  # a layer above the first shows its input
        await pilot.press("down")
        assert screen.layer_index == 0


async def test_a_word_outside_the_vocabulary_is_refused() -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_inspector(pilot, app)
        before = screen.text
        await pilot.press("w", *"Émma", "enter")
        await wait_for(pilot, lambda: bool(app._notifications))
        assert screen.text == before and screen.word is None


async def test_a_single_step_while_paused_shows_the_new_weights() -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        screen = await open_inspector(pilot, app)
        assert screen.step == 0
        await pilot.press("n")  # the app's step key works over the inspector
        await wait_for(pilot, lambda: screen.step == 1)
        assert screen.text == app.snapshot.doc


async def test_focus_from_the_concept_map_marks_the_section() -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        app.action_inspect("output")
        await wait_for(pilot, lambda: isinstance(app.screen, InspectorScreen))
        await wait_for(pilot, lambda: app.screen.is_mounted)
        assert app.screen.query_one("#sec-output").has_class("-focus")


async def test_tiny_terminal_and_key_mashing_do_not_crash() -> None:
    app = make_app(model={"n_layer": 2})
    async with app.run_test(size=(62, 17)) as pilot:
        await open_inspector(pilot, app)
        press(app, *["right"] * 9, *["down", "up", "left", "pagedown", "pageup", "u"] * 3)
        await pilot.pause(0.1)
        await pilot.resize_terminal(40, 10)  # below the minimum: the notice covers it
        await pilot.pause()
        await pilot.resize_terminal(120, 40)
        await wait_for(pilot, lambda: isinstance(app.screen, InspectorScreen))
