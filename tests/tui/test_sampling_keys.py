"""Sampling from the keyboard: names, bars, temperature, top-k and prefix reach the sampler."""

from __future__ import annotations

import pytest

import microgpt_tui.sampling as sampling
from microgpt_tui.renderables import EOS_MARK
from microgpt_tui.widgets import SamplerPanel

from .helpers import NAMES, WIDE, make_app, press, wait_for


@pytest.fixture
def received(monkeypatch) -> list[dict]:
    """The keyword arguments of every call to the sampler's stream."""
    calls: list[dict] = []
    real = sampling.stream

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return real(*args, **kwargs)

    monkeypatch.setattr(sampling, "stream", spy)
    return calls


def panel(app) -> SamplerPanel:
    return app.main_screen.query_one(SamplerPanel)


async def test_s_draws_a_name_with_its_bars(received) -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("s")
        await wait_for(pilot, lambda: len(panel(app).names) == 1)
        name, in_data = panel(app).names[0]
        assert in_data == (name in NAMES)
        rows = panel(app).rows
        assert len(rows) == len(name) + 1 or len(name) >= 7  # one row per drawn token
        assert "".join(r.chosen for r in rows).startswith(name[:1])
        if len(name) < 7:  # ended by EOS, not by the block: every label drawn, in order
            assert "".join(r.chosen for r in rows) == name + EOS_MARK
        assert all(0 < p <= 1 for r in rows for _, p in r.top)
        assert received[-1]["temperature"] == 1.0 and received[-1]["top_k"] is None


async def test_sampling_animates_one_character_at_a_time() -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        press(app, "s")
        seen = set()
        await wait_for(pilot, lambda: seen.add(len(panel(app).rows)) or bool(panel(app).names))
        assert len(seen) > 2  # the bars grew row by row


async def test_S_draws_ten_names() -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("S")
        await wait_for(pilot, lambda: len(panel(app).names) == 10)
        for name, in_data in panel(app).names:
            assert in_data == (name in NAMES)


async def test_temperature_keys_change_label_and_sampler(received) -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("right_square_bracket")
        assert "T 1.1" in panel(app).border_title
        await pilot.press("left_square_bracket", "left_square_bracket", "left_square_bracket")
        assert "T 0.8" in panel(app).border_title
        await pilot.press("s")
        await wait_for(pilot, lambda: len(panel(app).names) == 1)
        assert received[-1]["temperature"] == pytest.approx(0.8)
        press(app, *["left_square_bracket"] * 20)
        await wait_for(pilot, lambda: "T 0.1" in panel(app).border_title)  # clamped, never 0
        await pilot.press("left_square_bracket")
        assert "T 0.1" in panel(app).border_title


async def test_top_k_keys_change_label_and_sampler(received) -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        assert "top-k off" in panel(app).border_title
        await pilot.press("minus")
        assert "top-k 20" in panel(app).border_title
        press(app, *["minus"] * 10)
        await wait_for(pilot, lambda: "top-k 1 " in panel(app).border_title + " ")
        await pilot.press("s")
        await wait_for(pilot, lambda: len(panel(app).names) == 1)
        assert received[-1]["top_k"] == 1
        assert all(len(r.top) == 1 and r.top[0][0] == r.chosen for r in panel(app).rows)
        await pilot.press("equals_sign")
        assert "top-k 2" in panel(app).border_title
        press(app, *["equals_sign"] * 10)
        await wait_for(pilot, lambda: "top-k off" in panel(app).border_title)


async def test_prefix_prompt_starts_the_names(received) -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("p")
        await pilot.press(*"jo", "enter")
        assert "prefix 'jo'" in panel(app).border_title
        await pilot.press("s")
        await wait_for(pilot, lambda: len(panel(app).names) == 1)
        assert panel(app).names[0][0].startswith("jo")
        assert received[-1]["prefix"] == "jo"
        await pilot.press("p", "ctrl+u", "enter")  # empty: no prefix
        assert "prefix" not in panel(app).border_title


async def test_bad_prefix_is_refused_with_a_notice() -> None:
    app = make_app()
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("p", *"J0", "enter")
        await wait_for(pilot, lambda: bool(app._notifications))
        assert "prefix" not in panel(app).border_title
        await pilot.press("s")
        await wait_for(pilot, lambda: len(panel(app).names) == 1)
