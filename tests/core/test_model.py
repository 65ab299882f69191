"""The NumPy GPT: parameter counts and names, the whole-model gradient, batching, attention."""

import dataclasses
import math

import numpy as np
import pytest

from core.layers import cross_entropy_backward, cross_entropy_forward
from core.model import GPT, drop_rows, gpt_backward, gpt_forward, padded_drop, param_shapes, views
from core.optim import Adam
from core.presets import PRESETS

from .helpers import masks_for


def expected_count(V, C, block, L, tied):
    # wte + wpe + per layer (q, k, v, o: 4 C^2; fc1, fc2: 8 C^2) + lm_head when untied
    return V * C + block * C + L * (4 * C * C + 8 * C * C) + (0 if tied else V * C)


@pytest.mark.parametrize(
    "preset, count",
    [
        ("seed", expected_count(28, 16, 8, 1, tied=True)),
        ("microgpt", expected_count(28, 16, 16, 1, tied=False)),
        ("makemore", expected_count(28, 64, 16, 4, tied=False)),
    ],
)
def test_parameter_counts(preset, count):
    cfg = dataclasses.replace(PRESETS[preset].model, vocab_size=28)
    model = GPT.init(cfg, np.random.default_rng(0))
    assert model.num_params == count
    assert sum(n for _, _, n in model.param_table()) == count


def test_the_documents_counts():
    assert expected_count(28, 16, 8, 1, tied=True) == 3_648
    assert expected_count(28, 16, 16, 1, tied=False) == 4_224
    assert 200_000 < expected_count(28, 64, 16, 4, tied=False) < 202_000


def test_param_table_names_and_shapes(random_model):
    V, C = 28, 16
    layer = [
        ("attn_wq", (C, C)),
        ("attn_wk", (C, C)),
        ("attn_wv", (C, C)),
        ("attn_wo", (C, C)),
        ("mlp_fc1", (4 * C, C)),
        ("mlp_fc2", (C, 4 * C)),
    ]
    expected = [("wte", (V, C)), ("wpe", (16, C)), ("lm_head", (V, C))]
    expected += [(f"layer{i}.{n}", s) for i in range(2) for n, s in layer]
    table = random_model("microgpt", n_layer=2).param_table()
    assert [(n, s) for n, s, _ in table] == expected
    assert all(count == s[0] * s[1] for _, s, count in table)
    tied = [n for n, _, _ in random_model("seed").param_table()]
    assert "lm_head" not in tied and tied[:2] == ["wte", "wpe"]


def test_params_are_views_of_the_flat_buffer(random_model):
    model = random_model("seed")
    model.params["layer0.attn_wk"][2, 3] = 123.0
    assert (model.flat == 123.0).sum() == 1
    model.flat[:] = 0.0
    assert not model.params["wte"].any()


def test_initialisation_follows_the_config():
    cfg = dataclasses.replace(PRESETS["seed"].model, vocab_size=28, n_layer=2)
    model = GPT.init(cfg, np.random.default_rng(0))
    for name, w in model.params.items():
        if name.endswith(("attn_wo", "mlp_fc2")):
            assert not w.any(), name
        else:
            assert w.std() == pytest.approx(0.02, rel=0.25), name
    big = GPT.init(dataclasses.replace(cfg, zero_init_proj=False), np.random.default_rng(0))
    assert big.params["layer1.mlp_fc2"].std() == pytest.approx(0.02, rel=0.25)


def test_initial_loss_is_about_ln_vocab(make_dataset):
    ds = make_dataset()
    cfg = dataclasses.replace(PRESETS["seed"].model, vocab_size=ds.vocab_size)
    model = GPT.init(cfg, np.random.default_rng(0))
    b = ds.batch(np.arange(len(ds)))
    loss, _ = model.loss(b.idx, b.targets, b.mask)
    assert loss == pytest.approx(math.log(28), abs=0.01)


SHAPES = {
    "seed": {},
    "microgpt": {},
    "makemore": {"block_size": 8},
}


def three_docs(model, make_dataset):
    """A batch of three documents of different lengths (the longest cut to a block of 8)."""
    b = make_dataset(block_size=model.config.block_size).encode_many(["emma", "bo", "christopher"])
    assert len(set(b.mask.sum(axis=1).tolist())) == 3
    return b


@pytest.mark.parametrize("dropout", [False, True])
@pytest.mark.parametrize("preset", SHAPES)
def test_whole_model_gradient_of_the_reference_pair(
    preset, dropout, random_model, make_dataset, gradcheck, rng
):
    """Central differences through gpt_forward / gpt_backward, with a fixed set of dropout masks
    or none."""
    model = random_model(preset, n_layer=2, **SHAPES[preset])
    cfg, b = model.config, three_docs(model, make_dataset)
    drop = masks_for(model, b, rng, p=0.3) if dropout else None

    def forward(flat):
        logits, cache = gpt_forward(views(flat, model.shapes), cfg, b.idx, drop)
        loss, _, ce_cache = cross_entropy_forward(logits, b.targets, b.mask)
        return loss, (cache, ce_cache)

    def backward(dloss, caches):
        cache, ce_cache = caches
        dflat = np.zeros_like(model.flat)
        dlogits = cross_entropy_backward(dloss, ce_cache)
        gpt_backward(dlogits, cache, cfg, views(dflat, model.shapes))
        return (dflat,)

    # every coordinate of the document's model (without dropout); 1,000 random ones otherwise
    every = preset == "seed" and drop is None
    gradcheck(forward, backward, model.flat, coords=None if every else 1000)


@pytest.mark.parametrize("preset", SHAPES)
def test_dropout_masks_change_the_training_loss_only(preset, random_model, make_dataset, rng):
    """Masks passed to loss_and_grads apply (fast path and reference agree); all-ones masks
    change nothing, bit for bit; and the config's dropout alone never reaches an evaluation."""
    model = random_model(preset, n_layer=2, **SHAPES[preset])
    b = three_docs(model, make_dataset)
    drop = masks_for(model, b, rng, p=0.3)
    loss, losses, grad = model.loss_and_grads(b.idx, b.targets, b.mask, drop)
    ref_loss, ref_losses, ref_grad = model.reference_loss_and_grads(b.idx, b.targets, b.mask, drop)
    plain = model.loss_and_grads(b.idx, b.targets, b.mask)
    assert loss == pytest.approx(ref_loss, rel=1e-12) and loss != plain[0]
    np.testing.assert_allclose(losses, ref_losses, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(grad, ref_grad, rtol=1e-9, atol=1e-12 * np.abs(ref_grad).max())
    with pytest.raises(ValueError, match="dropout masks of shape"):
        model.loss_and_grads(b.idx, b.targets, b.mask, drop[1:])
    ones = np.ones_like(drop)
    for got, want in zip(model.loss_and_grads(b.idx, b.targets, b.mask, ones), plain, strict=True):
        assert np.array_equal(got, want)
    # a model whose config asks for dropout evaluates exactly like one that does not
    dropped = GPT(dataclasses.replace(model.config, dropout=0.5), model.flat.copy())
    assert dropped.loss(b.idx, b.targets, b.mask)[0] == model.loss(b.idx, b.targets, b.mask)[0]
    assert np.array_equal(dropped.logits(b.idx), model.logits(b.idx))
    assert np.array_equal(dropped.attention(b.idx[0]), model.attention(b.idx[0]))
    assert np.array_equal(dropped.loss_and_grads(b.idx, b.targets, b.mask)[2], plain[2])


def test_drop_rows_packs_and_padded_drop_unpacks(rng):
    drop = rng.standard_normal((3, 2, 4, 5))
    mask = np.array([[True, True, True, False], [True, True, False, False]])
    rows = drop_rows(drop, mask)
    assert rows.shape == (3, 5, 5)
    assert np.array_equal(rows[:, 3], drop[:, 1, 0])  # row b=1, t=0 comes after b=0's three
    back = padded_drop(rows, mask)
    assert np.array_equal(back[:, mask], drop[:, mask]) and not back[:, ~mask].any()
    assert drop_rows(drop, None).shape == (3, 8, 5)


@pytest.mark.parametrize("preset", SHAPES)
def test_whole_model_gradient(preset, random_model, make_dataset, gradcheck, rng):
    """GPT.loss / loss_and_grads (whatever path they take) against finite differences and
    against the reference pair."""
    model = random_model(preset, n_layer=2, **SHAPES[preset])
    b = three_docs(model, make_dataset)

    def forward(flat):  # `flat` is model.flat, perturbed in place
        return model.loss(b.idx, b.targets, b.mask)[0], None

    def backward(dloss, _):
        return (dloss * model.loss_and_grads(b.idx, b.targets, b.mask)[2],)

    gradcheck(forward, backward, model.flat, coords=500)
    loss, losses, dflat = model.loss_and_grads(b.idx, b.targets, b.mask)
    ref_loss, ref_losses, ref_dflat = model.reference_loss_and_grads(b.idx, b.targets, b.mask)
    assert loss == pytest.approx(ref_loss, rel=1e-12)
    np.testing.assert_allclose(losses, ref_losses, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(dflat, ref_dflat, rtol=1e-9, atol=1e-12 * np.abs(ref_dflat).max())
    # a random direction through every parameter at once
    u = rng.standard_normal(model.num_params)
    h = 1e-6
    up = GPT(model.config, model.flat + h * u).loss(b.idx, b.targets, b.mask)[0]
    down = GPT(model.config, model.flat - h * u).loss(b.idx, b.targets, b.mask)[0]
    assert (up - down) / (2 * h) == pytest.approx(dflat @ u, rel=1e-6)


@pytest.mark.parametrize("preset", ["seed", "microgpt"])
def test_batch_loss_is_the_token_weighted_mean_of_document_losses(
    preset, random_model, make_dataset
):
    model = random_model(preset)
    ds = make_dataset(block_size=model.config.block_size)
    docs = ["emma", "bo", "christopher", "zoe"]
    b = ds.encode_many(docs)
    loss, losses = model.loss(b.idx, b.targets, b.mask)
    singles = [ds.encode_many([d]) for d in docs]
    single = [model.loss(s.idx, s.targets, s.mask) for s in singles]
    counts = [s.mask.sum() for s in singles]
    weighted = sum(n * s for n, (s, _) in zip(counts, single, strict=True)) / sum(counts)
    assert loss == pytest.approx(weighted, rel=1e-12)
    # padding changes nothing about a document's own losses
    for i, (s_loss, s_losses) in enumerate(single):
        n = counts[i]
        np.testing.assert_allclose(losses[i, :n], s_losses[0, :n], rtol=1e-12)
        assert losses[i, :n].mean() == pytest.approx(s_loss, rel=1e-12)
        assert not losses[i, n:].any()


def test_padding_does_not_change_logits_or_gradients(random_model, make_dataset):
    model = random_model("microgpt")
    ds = make_dataset(block_size=16)
    alone = ds.encode_many(["bo"])
    padded = ds.encode_many(["bo", "maximiliano"])
    np.testing.assert_allclose(
        model.logits(padded.idx)[0, :3], model.logits(alone.idx)[0], rtol=1e-12, atol=1e-12
    )
    # the gradient of a 2-doc batch is the token-weighted sum of the two documents' gradients
    other = ds.encode_many(["maximiliano"])
    _, _, g_pad = model.loss_and_grads(padded.idx, padded.targets, padded.mask)
    _, _, g_a = model.loss_and_grads(alone.idx, alone.targets, alone.mask)
    _, _, g_b = model.loss_and_grads(other.idx, other.targets, other.mask)
    na, nb = alone.mask.sum(), other.mask.sum()
    np.testing.assert_allclose(g_pad, (na * g_a + nb * g_b) / (na + nb), rtol=1e-10, atol=1e-13)


def test_attention_weights(random_model, letters):
    model = random_model("seed", n_layer=2)
    idx = letters.encode("olivia", eos=False)
    att = model.attention(idx)
    T = len(idx)
    assert att.shape == (2, 4, T, T)
    np.testing.assert_allclose(att.sum(axis=-1), 1.0, rtol=1e-12)
    assert (att[..., np.triu_indices(T, k=1)[0], np.triu_indices(T, k=1)[1]] == 0).all()
    assert (att[..., np.tril_indices(T)[0], np.tril_indices(T)[1]] > 0).all()
    assert (att[:, :, 0, 0] == 1).all()
    # cut to the block
    assert model.attention(letters.encode("maximiliano", eos=False)).shape == (2, 4, 8, 8)


def test_a_tiny_model_overfits_one_batch(make_dataset):
    ds = make_dataset()
    cfg = dataclasses.replace(PRESETS["seed"].model, vocab_size=ds.vocab_size)
    model = GPT.init(cfg, np.random.default_rng(0))
    b = ds.encode_many(["emma", "bo", "zoe"])
    # after BOS the three first letters are equally likely whatever the model: ln 3 each time;
    # every other prediction can be learnt exactly
    floor = 3 * math.log(3) / b.mask.sum()
    adam = Adam(model.num_params, 0.9, 0.95, 1e-8)
    for _ in range(300):
        _, _, grad = model.loss_and_grads(b.idx, b.targets, b.mask)
        adam.step(model.flat, grad, 0.01)
    loss, losses = model.loss(b.idx, b.targets, b.mask)
    assert floor <= loss < floor + 0.1
    assert losses[:, 1:].max() < 0.1


def test_wrong_buffer_size_is_refused():
    cfg = dataclasses.replace(PRESETS["seed"].model, vocab_size=28)
    n = sum(a * b for a, b in param_shapes(cfg).values())
    with pytest.raises(ValueError, match=str(n)):
        GPT(cfg, np.zeros(n + 1))


def test_copy_is_independent(random_model):
    model = random_model("seed")
    snapshot = model.copy()
    model.flat += 1.0
    assert not np.array_equal(snapshot.flat, model.flat)
    assert snapshot.params["wte"].base is not None  # still views of its own buffer
    snapshot.params["wte"][0, 0] = -7.0
    assert snapshot.flat[0] == -7.0
