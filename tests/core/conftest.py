"""Shared fixtures for the core tests: a small a-z dataset (vocab 28), random models, gradcheck."""

from __future__ import annotations

import dataclasses
import string

import numpy as np
import pytest

from core.data import Dataset
from core.model import GPT
from core.presets import PRESETS
from core.tokenizer import Tokenizer

# 30 distinct names of 2 to 11 letters using all of a-z; some are cut to a block of 8
NAMES = [
    "emma", "olivia", "ava", "isabella", "sophia", "mia", "charlotte", "amelia", "harper", "evelyn",
    "liam", "noah", "william", "james", "oliver", "benjamin", "elijah", "lucas", "mason", "logan",
    "jo", "ed", "christopher", "maximiliano", "zoe", "quinn", "kyle", "xavier", "yusuf", "bo",
]  # fmt: skip


@pytest.fixture
def letters() -> Tokenizer:
    """The a-z tokenizer: vocab 28, the same ids as the bundled names' tokenizer."""
    return Tokenizer(string.ascii_lowercase)


@pytest.fixture
def names() -> list[str]:
    return list(NAMES)


@pytest.fixture
def make_dataset(letters):
    """Dataset(docs, block_size) over the a-z tokenizer; NAMES by default."""

    def make(docs=None, block_size: int = 8, *, seed: int = 0) -> Dataset:
        return Dataset(NAMES if docs is None else docs, block_size, seed=seed, tokenizer=letters)

    return make


@pytest.fixture
def random_model():
    """random_model(preset, seed=0, **changes): the preset's shape (vocab 28) with large random
    weights everywhere, so that no gradient is trivially zero."""

    def make(preset: str = "seed", seed: int = 0, **changes) -> GPT:
        cfg = dataclasses.replace(
            PRESETS[preset].model, vocab_size=28, init_std=0.3, zero_init_proj=False
        )
        cfg = dataclasses.replace(cfg, **changes)
        return GPT.init(cfg, np.random.default_rng(seed))

    return make


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(1234)


def check_gradients(
    forward, backward, inputs, rng, *, reference=None, coords=None, h=1e-6, tol=1e-6
):
    """Check an op's forward against `reference` (a plain oracle) and its backward against
    central differences of (out * dout).sum() for a random dout.

    forward(*inputs) -> (out, cache); backward(dout, cache) -> one gradient per input. Every
    coordinate is perturbed, or `coords` random ones per input. The error is the largest
    difference relative to the largest gradient entry, which must not be zero.
    """
    out, cache = forward(*inputs)
    if reference is not None:
        np.testing.assert_allclose(out, reference(*inputs), rtol=1e-12, atol=1e-12)
    dout = rng.standard_normal(np.shape(out))
    grads = backward(dout, cache)
    assert len(grads) == len(inputs)
    for i, (x, g) in enumerate(zip(inputs, grads, strict=True)):
        assert g.shape == x.shape, f"input {i}: gradient shape {g.shape} != {x.shape}"
        n = x.size if coords is None else min(coords, x.size)
        picked = np.arange(x.size) if coords is None else rng.choice(x.size, n, replace=False)
        flat = x.reshape(-1)  # a view: perturbing it perturbs the input
        numeric = np.empty(n)
        for j, c in enumerate(picked):
            old = flat[c]
            flat[c] = old + h
            up = (forward(*inputs)[0] * dout).sum()
            flat[c] = old - h
            down = (forward(*inputs)[0] * dout).sum()
            flat[c] = old
            numeric[j] = (up - down) / (2 * h)
        analytic = g.reshape(-1)[picked]
        scale = max(np.abs(analytic).max(), np.abs(numeric).max())
        assert scale > 0, f"input {i}: the gradient is zero, the check proves nothing"
        err = np.abs(analytic - numeric).max() / scale
        assert err < tol, f"input {i}: relative error {err:.2e}"


@pytest.fixture
def gradcheck(rng):
    """check_gradients with the shared rng."""

    def check(forward, backward, *inputs, **kw):
        check_gradients(forward, backward, list(inputs), rng, **kw)

    return check
