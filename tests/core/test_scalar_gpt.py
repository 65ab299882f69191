"""The Value GPT against the NumPy GPT: same weights, same loss and gradients to 1e-9."""

import dataclasses
import gc
import math
import string
import threading

import numpy as np
import pytest

from core.data import Dataset
from core.model import GPT, init_params, param_shapes
from core.presets import PRESETS
from core.scalar_gpt import (
    _collector_paused,
    batch_docs,
    scalar_batch_loss_and_grads,
    scalar_loss_and_grads,
)
from core.tokenizer import Tokenizer

NAMES = ["emma", "isabella", "alexandrinamaximiliana", "bo", "olivia"]  # the third is cut


def config(preset: str, **changes):
    # large random weights everywhere, so no gradient is trivially zero
    base = dataclasses.replace(
        PRESETS[preset].model, vocab_size=28, init_std=0.3, zero_init_proj=False
    )
    return dataclasses.replace(base, **changes)


CONFIGS = {
    "seed": config("seed"),
    "microgpt": config("microgpt"),
    "seed-2-layers": config("seed", n_layer=2),
    "microgpt-2-layers": config("microgpt", n_layer=2, block_size=8),
}


def model_and_data(cfg, seed=0):
    dataset = Dataset(NAMES, cfg.block_size, tokenizer=Tokenizer(string.ascii_lowercase))
    return GPT(cfg, init_params(cfg, np.random.default_rng(seed))), dataset


def assert_same(model, batch):
    cfg = model.config
    loss, losses, dflat = model.loss_and_grads(batch.idx, batch.targets, batch.mask)
    s_loss, s_dflat, s_losses, n_nodes = scalar_batch_loss_and_grads(cfg, model.params, batch)
    assert s_loss == pytest.approx(loss, rel=1e-9, abs=1e-9)
    np.testing.assert_allclose(s_losses, losses, rtol=1e-9, atol=1e-9)
    assert s_losses[~batch.mask].tolist() == [0.0] * int((~batch.mask).sum())
    np.testing.assert_allclose(s_dflat, dflat, rtol=1e-9, atol=1e-12)
    assert n_nodes > 0


@pytest.mark.parametrize("name", list(CONFIGS))
@pytest.mark.parametrize("doc", [0, 2])  # short, and cut to the block
def test_one_document_matches_numpy(name, doc):
    model, dataset = model_and_data(CONFIGS[name])
    assert_same(model, dataset.batch(np.array([doc])))


@pytest.mark.parametrize("name", list(CONFIGS))
def test_batch_of_three_lengths_matches_numpy(name):
    model, dataset = model_and_data(CONFIGS[name], seed=1)
    batch = dataset.batch(np.array([3, 0, 4]))  # 3, 5 and 6 predictions: padded, masked
    assert len(set(batch.mask.sum(axis=1).tolist())) == 3
    assert_same(model, batch)


def test_dict_api_matches_numpy_and_cut_document_loses_eos():
    cfg = CONFIGS["seed"]
    model, dataset = model_and_data(cfg)
    batch = dataset.batch(np.array([2, 0]))
    docs = batch_docs(batch)
    assert [len(d) for d in docs] == [cfg.block_size + 1, 6]
    assert docs[1] == dataset.tokenizer.encode("emma")
    assert docs[0][-1] != 1  # cut to the block: no EOS
    loss, grads, n_nodes = scalar_loss_and_grads(cfg, model.params, docs)
    ref_loss, _, dflat = model.loss_and_grads(batch.idx, batch.targets, batch.mask)
    assert loss == pytest.approx(ref_loss, rel=1e-9)
    assert list(grads) == list(param_shapes(cfg))
    for key, g in grads.items():
        assert g.dtype == np.float64
        assert g.shape == model.params[key].shape
    flat = np.concatenate([g.ravel() for g in grads.values()])
    np.testing.assert_allclose(flat, dflat, rtol=1e-9, atol=1e-12)
    assert n_nodes > 10_000


def test_loss_is_mean_over_all_positions():
    cfg = CONFIGS["microgpt"]
    model, dataset = model_and_data(cfg)
    docs = batch_docs(dataset.batch(np.array([0, 3])))  # 5 and 3 predictions
    loss_a, _, _ = scalar_loss_and_grads(cfg, model.params, docs[:1])
    loss_b, _, _ = scalar_loss_and_grads(cfg, model.params, docs[1:])
    loss, _, _ = scalar_loss_and_grads(cfg, model.params, docs)
    assert loss == pytest.approx((5 * loss_a + 3 * loss_b) / 8, rel=1e-12)


def test_initial_loss_is_about_ln_vocab():
    cfg = PRESETS["seed"].model  # the real init: small weights, projections zero
    model = GPT(cfg, init_params(cfg, np.random.default_rng(0)))
    docs = [Tokenizer(string.ascii_lowercase).encode("emma")]
    loss, grads, _ = scalar_loss_and_grads(cfg, model.params, docs)
    assert loss == pytest.approx(math.log(28), abs=0.05)
    assert np.isfinite(np.concatenate([g.ravel() for g in grads.values()])).all()


def test_document_longer_than_block_is_refused_and_gc_stays_on():
    cfg = CONFIGS["seed"]
    model, _ = model_and_data(cfg)
    assert gc.isenabled()
    with pytest.raises(ValueError, match="tokens"):
        scalar_loss_and_grads(cfg, model.params, [[0] + [2] * cfg.block_size + [1]])
    assert gc.isenabled()  # the step pauses the cyclic collector and always resumes it


def test_steps_in_several_threads_share_one_collector_pause():
    """The trainer's thread and a view's may run scalar steps at once: the collector stays paused
    until the last one ends, then is on again (or off, if it was off before the first)."""
    cfg = CONFIGS["seed"]
    model, _ = model_and_data(cfg)
    docs = [Tokenizer(string.ascii_lowercase).encode(name) for name in ("emma", "olivia")]
    first_in, release = threading.Event(), threading.Event()
    seen_in_other: list[bool] = []

    def slow_step():
        with _collector_paused:  # a step that is still running when the other ends
            first_in.set()
            release.wait(10)

    thread = threading.Thread(target=slow_step)
    thread.start()
    first_in.wait(10)
    scalar_loss_and_grads(cfg, model.params, docs)  # starts and ends inside the slow one
    seen_in_other.append(gc.isenabled())
    release.set()
    thread.join(10)
    assert seen_in_other == [False] and gc.isenabled()

    gc.disable()
    try:
        scalar_loss_and_grads(cfg, model.params, docs)
        assert not gc.isenabled()  # left as it was found
    finally:
        gc.enable()
