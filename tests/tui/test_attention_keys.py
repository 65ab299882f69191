"""The attention view from the keyboard: a typed word, heads and layers."""

from __future__ import annotations

import numpy as np

from microgpt_tui.widgets import AttentionPanel
from microgpt_tui.widgets.heatmap import AttentionHeatmap

from .helpers import WIDE, make_app, step_of, text_of, wait_for


def panel(app) -> AttentionPanel:
    return app.main_screen.query_one(AttentionPanel)


async def test_word_prompt_changes_the_attention_view() -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        assert panel(app).word == app.snapshot.doc  # follows the training name
        await pilot.press("w", *"emma", "enter")
        await wait_for(pilot, lambda: panel(app).word == "emma")
        assert "'emma'" in panel(app).border_title
        shown = text_of(panel(app).query_one(AttentionHeatmap))
        assert "·emma" in shown.replace(" ", "")  # column labels, BOS shown as ·
        expected = app.snapshot.model.attention(
            app.current_run.dataset.tokenizer.encode("emma", eos=False)
        )
        assert panel(app)._weights.shape == expected.shape == (1, 4, 5, 5)
        np.testing.assert_allclose(panel(app)._weights, expected)
        await pilot.press("n")  # the word stays while training moves on
        await wait_for(pilot, lambda: step_of(app) == 1)
        assert panel(app).word == "emma"
        await pilot.press("w", "ctrl+u", "enter")  # empty: back to the training name
        await wait_for(pilot, lambda: panel(app).word == app.snapshot.doc)


async def test_word_outside_the_vocabulary_is_refused() -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        before = panel(app).word
        await pilot.press("w", *"Émma", "enter")
        await wait_for(pilot, lambda: bool(app._notifications))
        assert panel(app).word == before


async def test_head_and_layer_keys() -> None:
    app = make_app(model={"n_layer": 2})
    async with app.run_test(size=WIDE) as pilot:
        assert (panel(app).layer_index, panel(app).head_index) == (0, 0)
        await pilot.press("h")
        assert panel(app).head_index == 1 and "head 1" in panel(app).border_title
        await pilot.press("H", "H")
        assert panel(app).head_index == 3  # wraps around
        await pilot.press("l")
        assert panel(app).layer_index == 1 and "layer 1" in panel(app).border_title
        await pilot.press("l")
        assert panel(app).layer_index == 0


async def test_click_focuses_the_next_head() -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.click(AttentionPanel)
        assert panel(app).head_index == 1


async def test_no_color_draws_the_glyph_ramp(monkeypatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("w", *"emma", "enter")
        await wait_for(pilot, lambda: panel(app).word == "emma")
        shown = text_of(panel(app).query_one(AttentionHeatmap))
        assert set(shown) & set("░▒▓") and "░░▒▒▓▓██ 1" in shown
