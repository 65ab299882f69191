"""Sampling helpers: the settings ladders, probability rows and one name step by step."""

from __future__ import annotations

import numpy as np
import pytest

from core import TokenizerError
from microgpt_tui.renderables import EOS_MARK
from microgpt_tui.sampling import NameSampler, SamplerSettings

from .helpers import make_run


def test_temperature_moves_by_a_tenth_within_range() -> None:
    s = SamplerSettings(1.0)
    assert s.with_temperature(1).temperature == pytest.approx(1.1)
    assert s.with_temperature(-1).temperature == pytest.approx(0.9)
    low = SamplerSettings(0.1).with_temperature(-1)
    assert low.temperature == pytest.approx(0.1)
    assert SamplerSettings(3.0).with_temperature(1).temperature == pytest.approx(3.0)


def test_top_k_ladder() -> None:
    s = SamplerSettings()
    seen = []
    for _ in range(8):
        s = s.with_top_k(-1, vocab_size=28)
        seen.append(s.top_k)
    assert seen == [20, 10, 5, 3, 2, 1, 1, 1]
    for _ in range(6):
        s = s.with_top_k(1, vocab_size=28)
    assert s.top_k is None
    assert SamplerSettings(top_k=7).with_top_k(-1, 28).top_k == 5  # off-ladder values join it
    assert SamplerSettings().with_top_k(-1, vocab_size=5).top_k == 3  # below V - 1 only


def test_name_sampler_rows_follow_the_stream() -> None:
    run = make_run()
    s = NameSampler(run.model, run.dataset.tokenizer, np.random.default_rng(0), SamplerSettings())
    assert len(s.rows) == 1  # the first character is drawn at once
    name = s.finish()
    assert s.done and s.text == name
    assert s.rows[0].context == ""
    for row in s.rows:
        probs = [p for _, p in row.top]
        assert probs == sorted(probs, reverse=True) and len(probs) <= 5
    if len(name) < 8:
        assert s.rows[-1].chosen == EOS_MARK


def test_name_sampler_prefix_and_bad_prefix() -> None:
    run = make_run()
    tok, rng = run.dataset.tokenizer, np.random.default_rng(0)
    s = NameSampler(run.model, tok, rng, SamplerSettings(prefix="jo"))
    assert s.finish().startswith("jo") and s.rows[0].context == "jo"
    with pytest.raises(TokenizerError):
        NameSampler(run.model, tok, rng, SamplerSettings(prefix="J"))


def test_top_k_one_is_greedy() -> None:
    run = make_run()
    s = NameSampler(
        run.model, run.dataset.tokenizer, np.random.default_rng(0), SamplerSettings(top_k=1)
    )
    s.finish()
    assert all(len(r.top) == 1 and r.top[0][1] == 1.0 for r in s.rows)
