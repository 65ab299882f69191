"""The fast path (core/fast.py) against the reference gpt_forward / gpt_backward: losses,
per-position losses and gradients to 1e-10 in float64, and Adam trajectories."""

import dataclasses
import os
import threading
import warnings

import numpy as np
import pytest

from core import threads, workspace
from core.config import TrainConfig
from core.model import GPT
from core.optim import Adam
from core.presets import PRESETS
from core.train import Trainer

from .helpers import masks_for

SHAPES = {
    "seed": ("seed", {}),
    "microgpt": ("microgpt", {}),
    "makemore": ("makemore", {}),
    "seed-2-layers": ("seed", {"n_layer": 2}),
    "microgpt-2-layers-relu2": ("microgpt", {"n_layer": 2, "activation": "relu2"}),
    "seed-untied-post-norm": ("seed", {"tie_weights": False, "post_embed_norm": True}),
}


def close(fast, ref, tol=1e-10):
    """Relative to the reference's largest entry (the gradients span many magnitudes)."""
    fast, ref = np.asarray(fast), np.asarray(ref)
    assert fast.shape == ref.shape
    scale = max(np.abs(ref).max(), 1e-300)
    assert np.abs(fast - ref).max() / scale < tol


def batch(ds, docs):
    return ds.encode_many(docs)


DOCS = {
    1: ["emma"],
    2: ["bo", "maximiliano"],  # padding
    5: ["olivia", "jo", "christopher", "zoe", "al"],
    8: ["liam", "noah", "william", "james", "oliver", "benjamin", "elijah", "lucas"],
}


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("B", sorted(DOCS))
def test_loss_and_gradients_match_the_reference(shape, B, random_model, make_dataset):
    preset, changes = SHAPES[shape]
    model = random_model(preset, **changes)
    b = batch(make_dataset(block_size=model.config.block_size), DOCS[B])
    loss, losses, grad = model.loss_and_grads(b.idx, b.targets, b.mask)
    ref_loss, ref_losses, ref_grad = model.reference_loss_and_grads(b.idx, b.targets, b.mask)
    assert loss == pytest.approx(ref_loss, rel=1e-10)
    close(losses, ref_losses)
    close(grad, ref_grad)
    assert not losses[~b.mask].any()  # zero where padded
    # the forward alone gives the same loss, bit for bit (the trainer's record relies on it)
    assert model.loss(b.idx, b.targets, b.mask)[0] == loss


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("B", sorted(DOCS))
def test_dropout_matches_the_reference_with_the_same_masks(shape, B, random_model, make_dataset):
    """Packed, unpacked and one-document batches: the fast path drops what the reference
    drops (the masks of padded positions are unused)."""
    preset, changes = SHAPES[shape]
    model = random_model(preset, **changes)
    b = batch(make_dataset(block_size=model.config.block_size), DOCS[B])
    drop = masks_for(model, b)
    loss, losses, grad = model.loss_and_grads(b.idx, b.targets, b.mask, drop)
    ref_loss, ref_losses, ref_grad = model.reference_loss_and_grads(b.idx, b.targets, b.mask, drop)
    assert loss == pytest.approx(ref_loss, rel=1e-10)
    close(losses, ref_losses)
    close(grad, ref_grad)
    assert loss != model.loss(b.idx, b.targets, b.mask)[0]


def test_a_mask_with_holes_is_honoured(random_model, make_dataset):
    """A mask that is not a prefix cannot be packed: every position still feeds the attention."""
    model = random_model("microgpt", n_layer=2)
    b = batch(make_dataset(block_size=16), DOCS[5])
    mask = b.mask.copy()
    mask[:, 1] = False  # position 1 is seen by the later positions but not scored
    for drop in (None, masks_for(model, b)):
        loss, losses, grad = model.loss_and_grads(b.idx, b.targets, mask, drop)
        ref_loss, ref_losses, ref_grad = model.reference_loss_and_grads(
            b.idx, b.targets, mask, drop
        )
        assert loss == pytest.approx(ref_loss, rel=1e-10)
        close(losses, ref_losses)
        close(grad, ref_grad)


def test_shapes_and_modes_interleave(random_model, make_dataset):
    """Buffers are reused per batch shape: packed, unpacked and masked calls on the same shapes
    in any order give the reference's answer each time."""
    model = random_model("seed")
    ds = make_dataset(block_size=8)
    calls = [DOCS[2], ["emma", "liam"], DOCS[1], DOCS[2], DOCS[5], ["noah", "jo"], DOCS[1]]
    for docs in calls * 2:
        b = batch(ds, docs)
        loss, losses, grad = model.loss_and_grads(b.idx, b.targets, b.mask)
        ref = model.reference_loss_and_grads(b.idx, b.targets, b.mask)
        assert loss == pytest.approx(ref[0], rel=1e-10)
        close(grad, ref[2])


@pytest.mark.parametrize("dropout", [False, True])
def test_diagonal_row_scaling_gives_the_same_bits(dropout, random_model, make_dataset, monkeypatch):
    """Few rows: RMSNorm scales them by a diagonal matmul, not a broadcast column; the loss,
    per-position losses and gradient are identical to the last bit either way."""
    model = random_model("microgpt", n_layer=2)
    b = batch(make_dataset(block_size=16), ["christopher"])
    drop = masks_for(model, b) if dropout else None

    def no_reference(*args):  # the fast path must answer, not the fallback
        raise AssertionError("the reference ran")

    monkeypatch.setattr(GPT, "reference_loss_and_grads", no_reference)
    results, used = [], []
    for rows in (workspace.DIAG_ROWS, 0):  # 0: every workspace broadcasts
        monkeypatch.setattr(workspace, "DIAG_ROWS", rows)
        fresh = GPT(model.config, model.flat.copy())  # new workspaces, made under `rows`
        results.append(fresh.loss_and_grads(b.idx, b.targets, b.mask, drop))
        (shape,) = fresh.fast._local.cache  # the one workspace the call used
        assert shape == (*b.idx.shape, True)
        full = fresh.fast._local.cache[shape].full
        used.append([d is not None for d in (full.layers[0].rstd1_d, full.tmp_n1_d)])
    (loss, losses, grad), (loss0, losses0, grad0) = results
    assert used == [[True, True], [False, False]]
    assert loss == loss0
    assert np.array_equal(losses, losses0) and np.array_equal(grad, grad0)


def test_adam_steps_follow_the_reference(make_dataset):
    """Five Adam steps on the fast gradients land where the reference's land."""
    cfg = dataclasses.replace(PRESETS["microgpt"].model, vocab_size=28, n_layer=2)
    ds = make_dataset(block_size=16)
    fast = GPT.init(cfg, np.random.default_rng(3))
    ref = fast.copy()
    opts = [Adam(fast.num_params, 0.85, 0.99, 1e-8) for _ in range(2)]
    for step in range(5):
        b = batch(ds, [DOCS[8][step], DOCS[5][step]])
        g_fast = fast.loss_and_grads(b.idx, b.targets, b.mask)[2]
        g_ref = ref.reference_loss_and_grads(b.idx, b.targets, b.mask)[2]
        opts[0].step(fast.flat, g_fast, 0.01)
        opts[1].step(ref.flat, g_ref, 0.01)
    close(fast.flat, ref.flat)
    close(opts[0].m, opts[1].m)


@pytest.mark.parametrize("dropout", [0.0, 0.2])
def test_the_trainer_fast_path_equals_the_general_path(dropout, make_dataset, monkeypatch):
    """The trainer's own batch preparation (index tables, packing, dropout masks as rows)
    changes nothing."""
    cfg = dataclasses.replace(PRESETS["seed"].model, vocab_size=28, dropout=dropout)
    runs = []
    for fast in (True, False):
        if not fast:  # the trainer's fast path declines: the general path runs
            monkeypatch.setattr(Trainer, "_fast_loss_and_grads", lambda self, ids, drop=None: None)
        records = []
        for batch_size in (1, 3):
            model = GPT.init(cfg, np.random.default_rng(0))
            config = TrainConfig(num_steps=12, batch_size=batch_size, eval_every=0)
            records += list(Trainer(model, make_dataset(), config).steps())
            records.append(model.flat)
        runs.append(records)
    for a, b in zip(*runs, strict=True):
        if isinstance(a, np.ndarray):
            close(a, b)
            continue
        assert a.docs == b.docs and a.tokens == b.tokens
        assert a.loss == pytest.approx(b.loss, rel=1e-10)
        assert a.position_losses == pytest.approx(b.position_losses, rel=1e-10)
        assert a.grad_norm == pytest.approx(b.grad_norm, rel=1e-10)


def test_overflow_falls_back_to_the_reference_without_warnings(random_model, make_dataset):
    """Huge weights overflow the unshifted exponentials: the result is the reference's."""
    model = random_model("microgpt")
    model.params["lm_head"][...] *= 1e4
    b = batch(make_dataset(block_size=16), DOCS[2])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # the fast attempt must not warn on its way out
        loss, losses, grad = model.loss_and_grads(b.idx, b.targets, b.mask)
    ref = model.reference_loss_and_grads(b.idx, b.targets, b.mask)
    assert np.isfinite(loss) and loss == ref[0]
    np.testing.assert_array_equal(grad, ref[2])


@pytest.mark.parametrize("dropout", [False, True])
def test_float32_is_close(dropout, random_model, make_dataset):
    model = random_model("microgpt")
    single = GPT(dataclasses.replace(model.config, dtype="float32"), model.flat.astype("float32"))
    b = batch(make_dataset(block_size=16), DOCS[5])
    drop = masks_for(single, b) if dropout else None
    loss, _, grad = single.loss_and_grads(b.idx, b.targets, b.mask, drop)
    ref_loss, _, ref_grad = model.reference_loss_and_grads(b.idx, b.targets, b.mask, drop)
    assert grad.dtype == np.float32
    assert loss == pytest.approx(ref_loss, rel=1e-5)
    close(grad, ref_grad, tol=1e-4)


def test_threads_have_their_own_buffers(random_model, make_dataset):
    model = random_model("microgpt")
    b = batch(make_dataset(block_size=16), DOCS[8])
    expected = model.loss_and_grads(b.idx, b.targets, b.mask)[2]
    results = []

    def work():
        for _ in range(20):
            results.append(model.loss_and_grads(b.idx, b.targets, b.mask)[2])

    workers = [threading.Thread(target=work) for _ in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert len(results) == 60
    for g in results:
        np.testing.assert_array_equal(g, expected)


def test_thread_recommendation_and_limit():
    small, wide = PRESETS["microgpt"].model, PRESETS["makemore"].model
    assert threads.recommended(small, 1) == 1 and threads.recommended(small, 512) == 1
    assert threads.recommended(wide, 32) == 1  # even makemore: see core/threads.py
    huge = dataclasses.replace(wide, n_embd=256)
    assert threads.recommended(huge, 64) == min(2, os.cpu_count() or 1)
    before = threads.current()
    with threads.limit(1) as ok:
        if ok:
            assert threads.current() == 1
    assert threads.current() == before
    with pytest.raises(ValueError):
        threads.use(0)


def test_adam_weight_decay_is_decoupled():
    """AdamW: the weights shrink by lr * weight_decay before the Adam update."""
    w = np.array([0.5, -2.0, 0.0])
    g = np.array([0.1, -0.3, 0.2])
    adam = Adam(3, 0.9, 0.99, 1e-8)
    lr, wd = 0.01, 0.1
    expected = w * (1 - lr * wd) - lr * g / (np.abs(g) + 1e-8)  # the bias-corrected first step
    adam.step(w, g, lr, weight_decay=wd)
    np.testing.assert_allclose(w, expected, rtol=1e-12)
