"""The GPT's layers as pure forward/backward pairs.

`<layer>_forward(...) -> (out, cache)` and `<layer>_backward(dout, cache) -> grads`; the cache
holds only what the backward needs and nothing is stored between calls. Shapes use B T C H V.
"""

from __future__ import annotations

import numpy as np

RMS_EPS = 1e-5


def embedding_forward(wte, wpe, idx):
    """x = wte[idx] + wpe[pos]."""
    T = idx.shape[1]
    x = wte[idx] + wpe[:T]  # (B, T, C)
    return x, (idx, wte.shape, wpe.shape)


def embedding_backward(dx, cache):
    idx, wte_shape, wpe_shape = cache
    T = idx.shape[1]
    dwte = np.zeros(wte_shape, dtype=dx.dtype)
    np.add.at(dwte, idx.reshape(-1), dx.reshape(-1, dx.shape[-1]))  # rows may repeat
    dwpe = np.zeros(wpe_shape, dtype=dx.dtype)
    dwpe[:T] = dx.sum(axis=0)
    return dwte, dwpe


def rmsnorm_forward(x):
    """y = x / sqrt(mean(x^2) + eps) over the last axis; no gain."""
    rstd = 1.0 / np.sqrt((x * x).mean(axis=-1, keepdims=True) + RMS_EPS)  # (..., 1)
    y = x * rstd
    return y, (y, rstd)


def rmsnorm_backward(dy, cache):
    # y = x * rstd  =>  dx = rstd * (dy - y * mean(dy * y))
    y, rstd = cache
    return rstd * (dy - y * (dy * y).mean(axis=-1, keepdims=True))


def linear_forward(x, w):
    """out = x @ w^T with w of shape (out, in), no bias."""
    return x @ w.T, (x, w)


def linear_backward(dout, cache):
    x, w = cache
    dx = dout @ w  # (..., in)
    dw = dout.reshape(-1, dout.shape[-1]).T @ x.reshape(-1, x.shape[-1])  # (out, in)
    return dx, dw


def dropout_forward(x, mask):
    """Inverted dropout with a given mask: 0 where dropped, 1 / (1 - p) where kept."""
    return x * mask, mask


def dropout_backward(dout, cache):
    # out = x * mask  =>  dx = dout * mask
    return dout * cache


DROPOUT_LEVELS = 1 << 16  # p is rounded to a multiple of 2^-16: one uint16 draw per entry


def dropout_masks(rng: np.random.Generator, p: float, shape, dtype, out=None) -> np.ndarray:
    """Masks for `dropout_forward`: each entry 0 with probability p, else 1 / (1 - p), so the
    expected output is the input (p rounded to a multiple of 2^-16; uint16 draws are the
    cheapest). Writes into `out` (`shape`, `dtype`) when given."""
    t = min(round(p * DROPOUT_LEVELS), DROPOUT_LEVELS - 1)
    keep = rng.integers(0, DROPOUT_LEVELS, shape, dtype=np.uint16) >= np.uint16(t)
    scale = np.array(DROPOUT_LEVELS / (DROPOUT_LEVELS - t), dtype)  # 1 / (1 - p)
    return np.multiply(keep, scale, out=out, dtype=dtype)


def causal_mask(T: int) -> np.ndarray:
    """(T, T) bool, True above the diagonal (the future a position may not see)."""
    return np.triu(np.ones((T, T), dtype=bool), k=1)


def attention_forward(q, k, v, n_head):
    """Causal multi-head attention of (B, T, C) q, k, v; returns (B, T, C) and the weights."""
    B, T, C = q.shape
    D = C // n_head
    qh = q.reshape(B, T, n_head, D).transpose(0, 2, 1, 3)  # (B, H, T, D)
    kh = k.reshape(B, T, n_head, D).transpose(0, 2, 1, 3)  # (B, H, T, D)
    vh = v.reshape(B, T, n_head, D).transpose(0, 2, 1, 3)  # (B, H, T, D)
    scale = 1.0 / np.sqrt(D)
    att = (qh @ kh.transpose(0, 1, 3, 2)) * scale  # (B, H, T, T)
    att[..., causal_mask(T)] = -np.inf
    att -= att.max(axis=-1, keepdims=True)
    p = np.exp(att)
    p /= p.sum(axis=-1, keepdims=True)  # (B, H, T, T), rows sum to 1
    yh = p @ vh  # (B, H, T, D)
    y = yh.transpose(0, 2, 1, 3).reshape(B, T, C)  # (B, T, C)
    return y, (qh, kh, vh, p, scale)


def attention_backward(dy, cache):
    qh, kh, vh, p, scale = cache
    B, H, T, D = qh.shape
    dyh = dy.reshape(B, T, H, D).transpose(0, 2, 1, 3)  # (B, H, T, D)
    # yh = p @ vh
    dp = dyh @ vh.transpose(0, 1, 3, 2)  # (B, H, T, T)
    dvh = p.transpose(0, 1, 3, 2) @ dyh  # (B, H, T, D)
    # p = softmax(att): datt = p * (dp - sum(dp * p)); masked entries have p = 0
    datt = p * (dp - (dp * p).sum(axis=-1, keepdims=True))
    datt *= scale
    # att = qh @ kh^T * scale
    dqh = datt @ kh  # (B, H, T, D)
    dkh = datt.transpose(0, 1, 3, 2) @ qh  # (B, H, T, D)

    def merge(t):
        return t.transpose(0, 2, 1, 3).reshape(B, T, H * D)  # (B, T, C)

    return merge(dqh), merge(dkh), merge(dvh)


def activation_forward(h, kind):
    """relu^2 (the document's) or relu (microgpt.py's)."""
    r = np.maximum(h, 0.0)
    if kind == "relu2":
        return r * r, r
    return r, h > 0


def activation_backward(da, cache, kind):
    if kind == "relu2":
        return da * (2.0 * cache)  # d(r^2)/dh = 2 r
    return da * cache


def cross_entropy_forward(logits, targets, mask):
    """Mean cross-entropy over the masked positions; also returns the per-position losses."""
    B, T, V = logits.shape
    z = logits - logits.max(axis=-1, keepdims=True)
    logsumexp = np.log(np.exp(z).sum(axis=-1))  # (B, T)
    logp_target = np.take_along_axis(z, targets[..., None], axis=-1)[..., 0] - logsumexp
    losses = -logp_target * mask  # (B, T), zero where padded
    n = mask.sum()
    loss = losses.sum() / n
    return loss, losses, (z, logsumexp, targets, mask, n)


def cross_entropy_backward(dloss, cache):
    # fused softmax + cross-entropy: dlogits = (softmax - onehot) * mask / n
    z, logsumexp, targets, mask, n = cache
    probs = np.exp(z - logsumexp[..., None])  # (B, T, V)
    np.put_along_axis(
        probs, targets[..., None], np.take_along_axis(probs, targets[..., None], -1) - 1.0, -1
    )
    return probs * (mask[..., None] * (dloss / n))
