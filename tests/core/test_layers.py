"""Every forward/backward pair of layers.py against a plain oracle and central differences."""

import numpy as np
import pytest

from core.layers import (
    RMS_EPS,
    activation_backward,
    activation_forward,
    attention_backward,
    attention_forward,
    causal_mask,
    cross_entropy_backward,
    cross_entropy_forward,
    dropout_backward,
    dropout_forward,
    dropout_masks,
    embedding_backward,
    embedding_forward,
    linear_backward,
    linear_forward,
    rmsnorm_backward,
    rmsnorm_forward,
)


def away_from_zero(x, margin=0.05):
    """Keep values off a kink (relu) by more than the finite-difference step."""
    return x + margin * np.sign(x)


def test_embedding_with_repeated_tokens(gradcheck, rng):
    wte = rng.standard_normal((6, 4))
    wpe = rng.standard_normal((8, 4))
    idx = np.array([[0, 3, 3, 5, 3], [3, 0, 2, 2, 1]])  # (B, T) = (2, 5), ids repeat

    def reference(wte, wpe):
        return np.array([[wte[t] + wpe[i] for i, t in enumerate(row)] for row in idx])

    gradcheck(
        lambda wte, wpe: embedding_forward(wte, wpe, idx),
        embedding_backward,
        wte,
        wpe,
        reference=reference,
    )
    _, cache = embedding_forward(wte, wpe, idx)
    dwte, dwpe = embedding_backward(np.ones((2, 5, 4)), cache)
    assert dwte[3].tolist() == [4.0] * 4  # token 3 appears 4 times
    assert dwte[4].tolist() == [0.0] * 4  # token 4 never appears
    assert (dwpe[5:] == 0).all()  # positions past T


def test_rmsnorm(gradcheck, rng):
    x = rng.standard_normal((2, 5, 6)) * 3

    def reference(x):
        C = x.shape[-1]
        return x / np.sqrt(np.linalg.norm(x, axis=-1, keepdims=True) ** 2 / C + RMS_EPS)

    gradcheck(rmsnorm_forward, lambda dy, c: (rmsnorm_backward(dy, c),), x, reference=reference)


def test_linear(gradcheck, rng):
    x = rng.standard_normal((2, 5, 6))
    w = rng.standard_normal((4, 6))  # (out, in)
    gradcheck(
        linear_forward, linear_backward, x, w, reference=lambda x, w: np.einsum("bti,oi->bto", x, w)
    )


def attention_reference(q, k, v, n_head):
    """Causal attention one batch row, head and query position at a time."""
    B, T, C = q.shape
    D = C // n_head
    y = np.zeros_like(q)
    for b in range(B):
        for h in range(n_head):
            s = slice(h * D, (h + 1) * D)
            for t in range(T):
                scores = np.array([q[b, t, s] @ k[b, u, s] / np.sqrt(D) for u in range(t + 1)])
                w = np.exp(scores - scores.max())
                w /= w.sum()
                y[b, t, s] = sum(w[u] * v[b, u, s] for u in range(t + 1))
    return y


@pytest.mark.parametrize("n_head", [1, 2, 4])
def test_attention(gradcheck, rng, n_head):
    q, k, v = (rng.standard_normal((2, 5, 8)) for _ in range(3))
    gradcheck(
        lambda q, k, v: attention_forward(q, k, v, n_head),
        attention_backward,
        q,
        k,
        v,
        reference=lambda q, k, v: attention_reference(q, k, v, n_head),
    )


def test_attention_is_causal(rng):
    q, k, v = (rng.standard_normal((1, 6, 8)) for _ in range(3))
    y, (_, _, _, p, _) = attention_forward(q, k, v, 2)
    assert np.allclose(p.sum(axis=-1), 1.0)
    assert (p[..., causal_mask(6)] == 0).all()
    k2, v2 = k.copy(), v.copy()
    k2[0, 4] += 10.0
    v2[0, 4] -= 10.0
    y2, _ = attention_forward(q, k2, v2, 2)
    assert np.array_equal(y2[0, :4], y[0, :4])  # earlier positions cannot see position 4
    assert not np.allclose(y2[0, 4:], y[0, 4:])


def test_dropout_with_a_fixed_mask(gradcheck, rng):
    x = rng.standard_normal((2, 5, 6))
    mask = dropout_masks(rng, 0.3, x.shape, np.float64)
    scale = 1 / (1 - round(0.3 * 2**16) / 2**16)  # p is rounded to a multiple of 2^-16
    gradcheck(
        lambda x: dropout_forward(x, mask),
        lambda dout, c: (dropout_backward(dout, c),),
        x,
        reference=lambda x: np.where(mask > 0, x * scale, 0.0),
    )


@pytest.mark.parametrize("p", [0.1, 0.5, 0.9])
def test_dropout_masks_drop_p_and_keep_the_mean(p):
    """Each entry is 0 with probability p, else 1 / (1 - p): the output's expectation is x."""
    mask = dropout_masks(np.random.default_rng(0), p, (400, 1000), np.float64)
    zero, scale = np.unique(mask).tolist()
    assert zero == 0.0 and scale == pytest.approx(1 / (1 - p), rel=1e-4)
    assert (mask == 0).mean() == pytest.approx(p, abs=0.005)
    assert mask.mean() == pytest.approx(1.0, abs=0.01)


def test_dropout_masks_are_seeded_and_fill_the_buffer_given():
    a = dropout_masks(np.random.default_rng(7), 0.2, (3, 4, 5), np.float32)
    out = np.empty((3, 4, 5), np.float32)
    b = dropout_masks(np.random.default_rng(7), 0.2, (3, 4, 5), np.float32, out=out)
    assert b is out and b.dtype == np.float32 and np.array_equal(a, b)
    assert (dropout_masks(np.random.default_rng(7), 0.0, (3, 4), np.float64) == 1.0).all()


def test_causal_mask():
    assert causal_mask(3).tolist() == [[False, True, True], [False, False, True], [False] * 3]


@pytest.mark.parametrize(
    "kind, reference",
    [
        ("relu2", lambda h: np.where(h > 0, h * h, 0.0)),
        ("relu", lambda h: np.where(h > 0, h, 0.0)),
    ],
)
def test_activation(gradcheck, rng, kind, reference):
    h = away_from_zero(rng.standard_normal((3, 7, 8)))
    gradcheck(
        lambda h: activation_forward(h, kind),
        lambda da, c: (activation_backward(da, c, kind),),
        h,
        reference=reference,
    )


def cross_entropy_reference(logits, targets, mask):
    B, T, _ = logits.shape
    losses = np.zeros((B, T))
    for b in range(B):
        for t in range(T):
            if mask[b, t]:
                z = logits[b, t]
                losses[b, t] = np.log(np.exp(z).sum()) - z[targets[b, t]]
    return losses.sum() / mask.sum(), losses


def test_cross_entropy_with_a_mask(gradcheck, rng):
    logits = rng.standard_normal((3, 5, 7)) * 2
    targets = rng.integers(0, 7, size=(3, 5))
    mask = np.array([[1, 1, 1, 1, 1], [1, 1, 0, 0, 0], [1, 1, 1, 1, 0]], dtype=bool)

    def forward(logits):
        loss, _, cache = cross_entropy_forward(logits, targets, mask)
        return loss, cache

    gradcheck(
        forward,
        lambda dloss, c: (cross_entropy_backward(dloss, c),),
        logits,
        reference=lambda logits: cross_entropy_reference(logits, targets, mask)[0],
    )
    loss, losses, cache = cross_entropy_forward(logits, targets, mask)
    np.testing.assert_allclose(losses, cross_entropy_reference(logits, targets, mask)[1])
    dlogits = cross_entropy_backward(1.0, cache)
    assert (dlogits[~mask] == 0).all()
    assert (np.abs(dlogits[mask]).sum(axis=-1) > 0).all()
    # what sits at a padded position (logits or target) does not matter
    noisy, other_targets = logits.copy(), targets.copy()
    noisy[~mask] = rng.standard_normal(noisy[~mask].shape) * 100
    other_targets[~mask] = 0
    assert cross_entropy_forward(noisy, other_targets, mask)[0] == loss


def test_cross_entropy_is_stable_for_huge_logits():
    logits = np.array([[[1000.0, 0.0, -1000.0]]])
    loss, _, _ = cross_entropy_forward(logits, np.array([[1]]), np.array([[True]]))
    assert loss == pytest.approx(1000.0)
