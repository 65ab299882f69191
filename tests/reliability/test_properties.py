"""Property-based tests (hypothesis) of the loader, tokenizer, sampler, attention, checkpoints."""

from __future__ import annotations

import string

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import core
from core.data import DataError, read_docs

LETTERS = string.ascii_lowercase
TOKENIZER = core.Tokenizer(LETTERS)
FAST = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# any text without line breaks and with something visible
line_text = st.text(
    st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp"), blacklist_characters="\x85"),
    min_size=1,
    max_size=30,
).filter(lambda s: s.strip())


@FAST
@given(st.text(LETTERS, max_size=40))
def test_tokenizer_round_trips_any_text_over_its_vocabulary(text) -> None:
    ids = TOKENIZER.encode(text)
    assert ids[0] == core.BOS and ids[-1] == core.EOS
    assert all(2 <= i < TOKENIZER.vocab_size for i in ids[1:-1])
    assert TOKENIZER.decode(ids) == text


@FAST
@given(st.lists(line_text, min_size=1, max_size=20), st.sampled_from(["\n", "\r\n"]))
def test_the_loader_accepts_any_non_empty_lines(tmp_path_factory, lines, newline) -> None:
    path = tmp_path_factory.mktemp("data") / "docs.txt"
    path.write_bytes(newline.join(lines).encode("utf-8"))
    assert read_docs(path) == [s.strip() for s in lines]


@FAST
@given(st.lists(st.sampled_from(["", " ", "\t", "  \t "]), max_size=10))
def test_the_loader_refuses_blank_files_with_the_documented_error(tmp_path_factory, lines) -> None:
    path = tmp_path_factory.mktemp("data") / "blank.txt"
    path.write_text("\n".join(lines))
    try:
        read_docs(path)
    except DataError as e:
        assert "no documents" in str(e) and str(path) in str(e)
    else:
        raise AssertionError("a blank file was accepted")


def _model(seed: int, block_size: int = 8, n_layer: int = 1) -> core.GPT:
    cfg = core.GPTConfig(
        vocab_size=28, block_size=block_size, n_layer=n_layer, init_std=0.5, zero_init_proj=False
    )
    return core.GPT.init(cfg, np.random.default_rng(seed))


@FAST
@given(
    st.integers(0, 2**32 - 1),
    st.floats(0.05, 5.0),
    st.one_of(st.none(), st.integers(1, 30)),
    st.text(LETTERS, max_size=4),
)
def test_the_sampler_emits_valid_tokens_and_stops_by_the_block(seed, temperature, top_k, prefix):
    model = _model(seed % 1000)
    rng = np.random.default_rng(seed)
    steps = list(
        core.stream(model, TOKENIZER, rng, prefix=prefix, temperature=temperature, top_k=top_k)
    )
    assert steps[-1].done and all(not s.done for s in steps[:-1])
    assert len(prefix) + len(steps) <= model.config.block_size + 1
    for s in steps:
        assert 1 <= s.token < 28  # never BOS
        assert abs(s.probs.sum() - 1) < 1e-9 and s.probs[core.BOS] == 0
        if top_k is not None:
            assert np.count_nonzero(s.probs) <= top_k
    assert steps[-1].text.startswith(prefix) and set(steps[-1].text) <= set(LETTERS)
    names = core.sample_names(
        model, TOKENIZER, 8, rng, prefix=prefix, temperature=temperature, top_k=top_k
    )
    assert all(n.startswith(prefix) and len(n) <= model.config.block_size for n in names)


@FAST
@given(st.integers(0, 10_000), st.text(LETTERS, min_size=0, max_size=12), st.integers(1, 2))
def test_attention_rows_sum_to_one_and_are_causal(seed, word, n_layer) -> None:
    model = _model(seed, n_layer=n_layer)
    weights = model.attention(TOKENIZER.encode(word, eos=False))
    T = min(len(word) + 1, model.config.block_size)
    assert weights.shape == (n_layer, 4, T, T)
    np.testing.assert_allclose(weights.sum(-1), 1.0, atol=1e-12)
    assert np.all(weights[..., np.triu_indices(T, 1)[0], np.triu_indices(T, 1)[1]] == 0)


@settings(max_examples=15, deadline=None)
@given(st.integers(0, 10_000), st.integers(0, 5))
def test_checkpoint_save_then_load_is_the_identity(tmp_path_factory, seed, steps) -> None:
    run = core.Run.create(
        "seed", ["emma", "olivia", "ava", "mia"] * 3, train={"num_steps": 10, "seed": seed}
    )
    for _ in range(steps):
        run.trainer.train_step()
    path = tmp_path_factory.mktemp("ckpt") / "run.npz"
    run.save(path)
    back = core.checkpoint.load(path)
    np.testing.assert_array_equal(back.model.flat, run.model.flat)
    np.testing.assert_array_equal(back.optimizer.m, run.trainer.optimizer.m)
    np.testing.assert_array_equal(back.optimizer.v, run.trainer.optimizer.v)
    assert back.optimizer.t == run.trainer.optimizer.t == steps
    assert back.step == steps
    assert back.model.config == run.model.config
    assert back.train_config == run.trainer.config
    assert back.sample_config == run.sample_config
    assert back.tokenizer == run.dataset.tokenizer
    assert back.rng_state == run.rng.bit_generator.state
