"""Sampling: the KV cache against the full forward, the next-token distribution, the streaming
and batched samplers."""

import itertools
import string

import numpy as np
import pytest

from core.config import GPTConfig
from core.model import GPT
from core.sample import (
    KVDecoder,
    StreamDecoder,
    next_token_probs,
    sample_name,
    sample_names,
    stream,
)
from core.tokenizer import BOS, EOS, TokenizerError

KV_SHAPES = {
    "seed": ("seed", {}),
    "microgpt": ("microgpt", {}),
    "seed-post-embed-norm": ("seed", {"post_embed_norm": True}),
    "seed-relu": ("seed", {"activation": "relu"}),
    "seed-untied": ("seed", {"tie_weights": False}),
    "microgpt-2-layers": ("microgpt", {"n_layer": 2}),
    "seed-3-layers-2-heads": ("seed", {"n_layer": 3, "n_head": 2}),
}


@pytest.mark.parametrize("shape", KV_SHAPES)
def test_kv_cache_logits_equal_the_full_forward(shape, random_model, letters):
    preset, changes = KV_SHAPES[shape]
    model = random_model(preset, **changes)
    block = model.config.block_size
    for name in ("emma", "bo", "christopher", "maximilianoxyz"):
        ids = np.array(letters.encode(name, eos=False)[:block])
        full = model.logits(ids[None])[0]  # (T, V)
        dec = KVDecoder(model)
        cached = np.stack([dec.feed(ids[t : t + 1])[0] for t in range(len(ids))])
        np.testing.assert_allclose(cached, full, rtol=0, atol=1e-10)


def test_kv_cache_batched_rows_are_independent(random_model, letters):
    model = random_model("microgpt", n_layer=2)
    seqs = np.array([letters.encode(n, eos=False)[:6] for n in ("olivia", "amelia", "xavier")])
    dec = KVDecoder(model, batch=3)
    cached = np.stack([dec.feed(seqs[:, t]) for t in range(6)], axis=1)  # (B, T, V)
    np.testing.assert_allclose(cached, model.logits(seqs), rtol=0, atol=1e-10)


@pytest.mark.parametrize("shape", KV_SHAPES)
def test_stream_decoder_equals_the_full_forward_and_the_batched_decoder(
    shape, random_model, letters
):
    preset, changes = KV_SHAPES[shape]
    model = random_model(preset, **changes)
    block = model.config.block_size
    for name in ("emma", "maximilianoxyz"):
        ids = letters.encode(name, eos=False)[:block]
        full = model.logits(np.array([ids]))[0]  # (T, V)
        one, batched = StreamDecoder(model), KVDecoder(model, batch=2)
        for t, tok in enumerate(ids):
            logits = one.feed(tok)
            assert logits.shape == (28,)
            np.testing.assert_allclose(logits, full[t], rtol=0, atol=1e-10)
            np.testing.assert_allclose(logits, batched.feed(np.array([tok, tok]))[1], atol=1e-10)


def test_stream_decoder_keeps_the_model_dtype(random_model, letters):
    model = random_model("microgpt", n_layer=2, dtype="float32")
    ids = letters.encode("olivia", eos=False)
    dec = StreamDecoder(model)
    cached = np.stack([dec.feed(tok) for tok in ids])
    assert cached.dtype == np.float32
    np.testing.assert_allclose(cached, model.logits(np.array([ids]))[0], rtol=0, atol=1e-4)


def test_kv_cache_refuses_a_full_context(random_model):
    model = random_model("seed")
    dec, one = KVDecoder(model), StreamDecoder(model)
    for _ in range(8):
        dec.feed(np.array([2]))
        one.feed(2)
    with pytest.raises(ValueError, match="block_size"):
        dec.feed(np.array([2]))
    with pytest.raises(ValueError, match="block_size"):
        one.feed(2)


def entropy(p):
    p = p[p > 0]
    return -(p * np.log(p)).sum()


def test_next_token_probs(rng):
    logits = rng.standard_normal((3, 28)) * 2
    probs = next_token_probs(logits)
    np.testing.assert_allclose(probs.sum(axis=-1), 1.0, rtol=1e-12)
    assert (probs[:, BOS] == 0).all()
    # a softmax over every token but BOS
    z = np.exp(logits[0, 1:])
    np.testing.assert_allclose(probs[0, 1:], z / z.sum(), rtol=1e-12)


def test_temperature_sharpens_and_flattens(rng):
    logits = rng.standard_normal(28) * 2
    temps = [0.05, 0.5, 1.0, 2.0, 50.0]
    ents = [entropy(next_token_probs(logits, t)) for t in temps]
    assert all(a < b for a, b in itertools.pairwise(ents))
    assert ents[-1] == pytest.approx(np.log(27), abs=0.01)  # nearly uniform over 27 tokens
    cold = next_token_probs(logits, 0.01)
    assert cold.argmax() == logits[1:].argmax() + 1 and cold.max() > 0.99


@pytest.mark.parametrize(("temperature", "top_k"), [(1.0, None), (0.3, None), (0.7, 5)])
def test_one_row_has_the_same_probabilities_as_a_batch(rng, temperature, top_k):
    logits = rng.standard_normal((4, 28)) * 3
    rows = next_token_probs(logits, temperature, top_k)  # what sample_names draws from
    for row, expected in zip(logits, rows, strict=True):
        np.testing.assert_array_equal(next_token_probs(row, temperature, top_k), expected)


@pytest.mark.parametrize("k", [1, 2, 5, 26, 27, 100])
def test_top_k_keeps_exactly_k_tokens(rng, k):
    logits = rng.standard_normal(28)
    probs = next_token_probs(logits, 0.7, top_k=k)
    kept = np.flatnonzero(probs)
    assert len(kept) == min(k, 27)
    # the k most likely tokens other than BOS, renormalised
    best = np.argsort(logits[1:])[::-1][: len(kept)] + 1
    assert set(kept) == set(best)
    z = np.exp(logits[kept] / 0.7)
    np.testing.assert_allclose(probs[kept], z / z.sum(), rtol=1e-12)


def constant_model(eos_logit: float) -> GPT:
    """An untied model whose logits at every position are 0, except EOS's `eos_logit`."""
    cfg = GPTConfig(vocab_size=28, block_size=8, tie_weights=False, init_std=0.0)
    model = GPT.init(cfg, np.random.default_rng(0))
    model.params["wpe"][:] = 1.0  # x = wpe[pos]: the same vector everywhere, |x|^2 = 16
    model.params["lm_head"][EOS] = eos_logit / 16
    return model


def test_stream_yields_read_only_distributions_and_respects_the_prefix(random_model, letters):
    model = random_model("microgpt")
    steps = list(stream(model, letters, np.random.default_rng(0), prefix="ma"))
    assert steps and steps[-1].done and not any(s.done for s in steps[:-1])
    assert [s.position for s in steps] == list(range(len(steps)))
    for i, s in enumerate(steps):
        assert s.probs.shape == (28,)
        assert s.probs[s.token] > 0
        with pytest.raises(ValueError):
            s.probs[0] = 1.0
        # each distribution is the full forward's, over the prefix and the tokens so far
        ids = letters.encode(s.text[: 2 + i], eos=False)
        expected = next_token_probs(model.logits(np.array([ids]))[0, -1])
        np.testing.assert_allclose(s.probs, expected, rtol=0, atol=1e-10)
        assert s.text.startswith("ma")
        assert s.char == ("" if s.token == EOS else letters.token_str(s.token))
    assert steps[-1].text == "ma" + "".join(s.char for s in steps)


@pytest.mark.parametrize(("temperature", "top_k"), [(1.0, None), (0.5, None), (2.0, 4), (0.7, 1)])
def test_streamed_distributions_are_the_softmax_of_the_full_forward(
    random_model, letters, temperature, top_k
):
    model = random_model("microgpt", n_layer=2)
    rng = np.random.default_rng(5)
    ids = letters.encode("a", eos=False)
    for s in stream(model, letters, rng, prefix="a", temperature=temperature, top_k=top_k):
        z = model.logits(np.array([ids]))[0, -1] / temperature
        z[BOS] = -np.inf
        if top_k is not None:
            z[np.argsort(z)[:-top_k]] = -np.inf  # keep the k largest
        expected = np.exp(z - z.max())
        np.testing.assert_allclose(s.probs, expected / expected.sum(), rtol=0, atol=1e-10)
        assert s.probs.sum() == pytest.approx(1.0, abs=1e-12)
        ids.append(s.token)


def test_stream_stops_at_eos(letters):
    steps = list(stream(constant_model(50.0), letters, np.random.default_rng(0)))
    assert len(steps) == 1
    assert (steps[0].token, steps[0].char, steps[0].text, steps[0].done) == (EOS, "", "", True)


def test_stream_stops_at_the_block_size(letters):
    model = constant_model(-50.0)  # EOS is never drawn
    steps = list(stream(model, letters, np.random.default_rng(0)))
    assert len(steps) == 8 and len(steps[-1].text) == 8
    assert all(s.token != EOS for s in steps)
    steps = list(stream(model, letters, np.random.default_rng(0), prefix="abc"))
    assert len(steps) == 5 and len(steps[-1].text) == 8
    # a prefix that fills the block leaves room for one token
    steps = list(stream(model, letters, np.random.default_rng(0), prefix="abcdefg"))
    assert len(steps) == 1 and steps[0].done


def test_stream_is_deterministic_with_a_seed(random_model, letters):
    model = random_model("seed")

    def draw(seed):
        return [(s.token, s.text) for s in stream(model, letters, np.random.default_rng(seed))]

    assert draw(1) == draw(1)
    assert len({tuple(draw(s)) for s in range(10)}) > 1
    assert sample_name(model, letters, np.random.default_rng(1)) == draw(1)[-1][1]


def test_greedy_stream_follows_the_argmax(random_model, letters):
    model = random_model("microgpt")
    steps = list(stream(model, letters, np.random.default_rng(0), top_k=1))
    ids = [BOS]
    for s in steps:
        logits = model.logits(np.array([ids]))[0, -1]
        assert s.token == logits[1:].argmax() + 1
        ids.append(s.token)


@pytest.mark.parametrize("preset", ["seed", "microgpt"])
def test_sample_names(random_model, letters, preset):
    model = random_model(preset)
    names = sample_names(model, letters, 50, np.random.default_rng(3))
    assert len(names) == 50
    assert all(set(n) <= set(string.ascii_lowercase) for n in names)
    assert all(len(n) <= model.config.block_size for n in names)
    assert len(set(names)) > 10
    assert sample_names(model, letters, 50, np.random.default_rng(3)) == names
    assert sample_names(model, letters, 50, np.random.default_rng(4)) != names
    assert sample_names(model, letters, 0, np.random.default_rng(3)) == []
    with_prefix = sample_names(model, letters, 20, np.random.default_rng(3), prefix="jo")
    assert all(n.startswith("jo") and len(n) <= model.config.block_size for n in with_prefix)


def test_batched_greedy_names_equal_the_streamed_one(random_model, letters):
    model = random_model("microgpt", n_layer=2)
    streamed = sample_name(model, letters, np.random.default_rng(0), prefix="k", top_k=1)
    batched = sample_names(model, letters, 4, np.random.default_rng(9), prefix="k", top_k=1)
    assert batched == [streamed] * 4


def test_batched_names_stop_at_the_block_size_or_eos(letters):
    never = sample_names(constant_model(-50.0), letters, 5, np.random.default_rng(0))
    assert [len(n) for n in never] == [8] * 5
    always = sample_names(constant_model(50.0), letters, 5, np.random.default_rng(0), prefix="z")
    assert always == ["z"] * 5


def test_batched_names_follow_the_model_distribution(letters):
    # EOS has logit ln 26: half the mass, so a name's length is geometric with p = 1/2
    model = constant_model(float(np.log(26)))
    names = sample_names(model, letters, 4000, np.random.default_rng(0))
    empty = np.mean([n == "" for n in names])
    assert empty == pytest.approx(0.5, abs=0.03)
    mean_len = np.mean([len(n) for n in names])
    expected = sum(k * 0.5 ** (k + 1) for k in range(8)) + 8 * 0.5**8
    assert mean_len == pytest.approx(expected, abs=0.05)


@pytest.mark.parametrize("prefix", ["abcdefgh", "abc1", "Émile"])
def test_bad_prefixes_raise_tokenizer_error(random_model, letters, prefix):
    model = random_model("seed")
    with pytest.raises(TokenizerError):
        next(stream(model, letters, np.random.default_rng(0), prefix=prefix))
    with pytest.raises(TokenizerError):
        sample_names(model, letters, 3, np.random.default_rng(0), prefix=prefix)


def test_model_is_not_changed_by_sampling(random_model, letters):
    model = random_model("seed")
    flat = model.flat.copy()
    sample_names(model, letters, 10, np.random.default_rng(0))
    list(stream(model, letters, np.random.default_rng(0)))
    assert np.array_equal(model.flat, flat)
