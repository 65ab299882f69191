"""The inspector's trace shows what the model computes, and its gradients reach the inputs."""

from __future__ import annotations

import string

import numpy as np
import pytest

import core
from core.trace import embedding_pca, trace_text

TOK = core.Tokenizer(string.ascii_lowercase)


def _model(**kw) -> core.GPT:
    base = dict(vocab_size=28, block_size=8, init_std=0.4, zero_init_proj=False, n_layer=2)
    return core.GPT.init(core.GPTConfig(**(base | kw)), np.random.default_rng(3))


@pytest.mark.parametrize(
    "kw",
    [{}, {"tie_weights": False, "activation": "relu"}, {"post_embed_norm": True, "n_layer": 1}],
)
@pytest.mark.parametrize("word", ["emma", "bartholomew", "a"])
def test_trace_matches_the_model(kw, word) -> None:
    model = _model(**kw)
    tr = trace_text(model, TOK, word)
    ids = TOK.encode(word)[: model.config.block_size + 1]
    T = len(ids) - 1
    np.testing.assert_array_equal(tr.tokens, ids[:-1])
    np.testing.assert_array_equal(tr.targets, ids[1:])
    np.testing.assert_allclose(tr.logits, model.logits(np.array([ids[:-1]]))[0], atol=1e-12)
    loss, losses = model.loss(np.array([ids[:-1]]), np.array([ids[1:]]), np.ones((1, T), bool))
    assert tr.loss == pytest.approx(loss, rel=1e-12)
    np.testing.assert_allclose(tr.losses, losses[0], atol=1e-12)
    np.testing.assert_allclose(tr.losses, -np.log(tr.probs[np.arange(T), tr.targets]))
    att = model.attention(np.array(ids[:-1]))
    for layer, weights in zip(tr.layers, att, strict=True):
        np.testing.assert_allclose(layer.weights, weights, atol=1e-12)
        assert layer.scores.shape == weights.shape
        assert np.all(
            np.isneginf(layer.scores[:, np.triu_indices(T, 1)[0], np.triu_indices(T, 1)[1]])
        )
        np.testing.assert_allclose(layer.x_mid, layer.x_in + layer.attn_out)
        np.testing.assert_allclose(layer.x_out, layer.x_mid + layer.mlp_out)
        assert layer.active_units.shape == (T,)
        assert np.all(layer.active_units <= 4 * model.config.n_embd)
    if not kw.get("post_embed_norm"):
        np.testing.assert_allclose(tr.emb, tr.tok_emb + tr.pos_emb)


def test_the_gradient_reaching_the_embeddings_is_the_models() -> None:
    """d loss / d (wte[tok] + wpe[pos]) is exactly d loss / d wpe[pos] for an untied model."""
    model = _model(tie_weights=False)
    tr = trace_text(model, TOK, "sophia")
    T = len(tr.tokens)
    _, _, dflat = model.loss_and_grads(
        tr.tokens[None], tr.targets[None], np.ones((1, T), dtype=bool)
    )
    dwpe = core.model.views(dflat, model.shapes)["wpe"][:T]
    np.testing.assert_allclose(tr.grad_norms["emb"], np.linalg.norm(dwpe, axis=1), rtol=1e-10)
    assert tr.layers[0].grad_norms["q"].shape == (model.config.n_head, T)


def test_embedding_pca_agrees_with_an_eigendecomposition() -> None:
    model = _model()
    coords, ratio = embedding_pca(model)
    wte = model.params["wte"]
    centred = wte - wte.mean(axis=0)
    evals, evecs = np.linalg.eigh(centred.T @ centred)
    top = evecs[:, ::-1][:, :2]
    np.testing.assert_allclose(np.abs(coords), np.abs(centred @ top), atol=1e-10)
    np.testing.assert_allclose(ratio, evals[::-1][:2] / evals.sum(), rtol=1e-10)
    assert ratio[0] >= ratio[1]
