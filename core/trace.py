"""One forward and backward pass of one sequence with every intermediate kept, for inspection.

The app's inspector shows these values position by position: embeddings, RMSNorm, q/k/v, the
attention scores and weights, the MLP, the logits and the loss, and the gradient reaching each.
It uses the same layer pairs as the model, so what is shown is what the model computes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .layers import (
    activation_backward,
    activation_forward,
    attention_backward,
    attention_forward,
    cross_entropy_backward,
    cross_entropy_forward,
    linear_backward,
    linear_forward,
    rmsnorm_backward,
    rmsnorm_forward,
)
from .model import GPT, LAYER_PARAMS


@dataclass(frozen=True)
class LayerTrace:
    """One transformer layer's values for a sequence of T positions (H heads of size D)."""

    x_in: np.ndarray  # (T, C) residual stream entering the layer
    rms_in: np.ndarray  # (T,) root mean square before the attention's RMSNorm
    q: np.ndarray  # (H, T, D)
    k: np.ndarray  # (H, T, D)
    v: np.ndarray  # (H, T, D)
    scores: np.ndarray  # (H, T, T) q.k / sqrt(D); -inf above the diagonal
    weights: np.ndarray  # (H, T, T) softmax of the scores
    head_out: np.ndarray  # (H, T, D) weights @ v
    attn_out: np.ndarray  # (T, C) attn_wo @ concatenated heads
    x_mid: np.ndarray  # (T, C) x_in + attn_out
    rms_mid: np.ndarray  # (T,) root mean square before the MLP's RMSNorm
    hidden: np.ndarray  # (T, 4C) activation of mlp_fc1's output
    mlp_out: np.ndarray  # (T, C)
    x_out: np.ndarray  # (T, C) x_mid + mlp_out
    grad_norms: dict[str, np.ndarray]  # name -> (T,) (or (H, T)) norm of d loss / d value

    @property
    def active_units(self) -> np.ndarray:
        """(T,) how many hidden units the activation lets through at each position."""
        return (self.hidden > 0).sum(axis=-1)


@dataclass(frozen=True)
class Trace:
    """A whole pass over BOS + a text (cut to the block): inputs, every layer, the outputs."""

    tokens: np.ndarray  # (T,) input ids
    targets: np.ndarray  # (T,) the true next ids
    tok_emb: np.ndarray  # (T, C) wte[token]
    pos_emb: np.ndarray  # (T, C) wpe[position]
    emb: np.ndarray  # (T, C) their sum (after RMSNorm when the preset norms it)
    layers: tuple[LayerTrace, ...]
    logits: np.ndarray  # (T, V)
    probs: np.ndarray  # (T, V)
    losses: np.ndarray  # (T,) -ln p(target)
    loss: float  # their mean
    grad_norms: dict[str, np.ndarray]  # "emb", "logits" -> (T,)


def _rms(x: np.ndarray) -> np.ndarray:
    return np.sqrt((x * x).mean(axis=-1))


def _norms(d: np.ndarray) -> np.ndarray:
    return np.sqrt((d * d).sum(axis=-1))


def trace(model: GPT, tokens: np.ndarray, targets: np.ndarray) -> Trace:
    """Forward and backward of one sequence (tokens, targets of shape (T,)), all values kept."""
    p, cfg = model.params, model.config
    T, H = len(tokens), cfg.n_head
    idx, tgt = np.asarray(tokens)[None], np.asarray(targets)[None]  # (1, T)
    tok_emb, pos_emb = p["wte"][idx[0]], p["wpe"][:T]
    x = (tok_emb + pos_emb)[None]  # (1, T, C)
    norm0 = None
    if cfg.post_embed_norm:
        x, norm0 = rmsnorm_forward(x)
    emb = x
    kept, caches = [], []
    for i in range(cfg.n_layer):
        w = [p[f"layer{i}.{n}"] for n in LAYER_PARAMS]
        x_in = x
        xn, n1 = rmsnorm_forward(x)
        q, q_c = linear_forward(xn, w[0])
        k, k_c = linear_forward(xn, w[1])
        v, v_c = linear_forward(xn, w[2])
        y, att_c = attention_forward(q, k, v, H)
        a_out, o_c = linear_forward(y, w[3])
        x_mid = x + a_out
        xn2, n2 = rmsnorm_forward(x_mid)
        h, f1_c = linear_forward(xn2, w[4])
        act, act_c = activation_forward(h, cfg.activation)
        m_out, f2_c = linear_forward(act, w[5])
        x = x_mid + m_out
        qh, kh, vh, weights, scale = att_c
        scores = (qh @ kh.transpose(0, 1, 3, 2)) * scale  # (1, H, T, T)
        scores[..., np.triu(np.ones((T, T), dtype=bool), 1)] = -np.inf
        kept.append(
            dict(
                x_in=x_in[0],
                rms_in=_rms(x_in[0]),
                q=qh[0],
                k=kh[0],
                v=vh[0],
                scores=scores[0],
                weights=weights[0],
                head_out=(weights @ vh)[0],
                attn_out=a_out[0],
                x_mid=x_mid[0],
                rms_mid=_rms(x_mid[0]),
                hidden=act[0],
                mlp_out=m_out[0],
                x_out=x[0],
            )
        )
        caches.append((n1, q_c, k_c, v_c, att_c, o_c, n2, f1_c, act_c, f2_c))
    head = p["wte"] if cfg.tie_weights else p["lm_head"]
    logits, head_c = linear_forward(x, head)
    loss, losses, ce_c = cross_entropy_forward(logits, tgt, np.ones_like(tgt, dtype=bool))

    # backward, mirroring gpt_backward, keeping the norm of the gradient at each value
    dlogits = cross_entropy_backward(1.0, ce_c)
    dx, _ = linear_backward(dlogits, head_c)
    grads: list[dict[str, np.ndarray]] = [{} for _ in range(cfg.n_layer)]
    for i in reversed(range(cfg.n_layer)):
        n1, q_c, k_c, v_c, att_c, o_c, n2, f1_c, act_c, f2_c = caches[i]
        g = grads[i]
        g["x_out"] = _norms(dx[0])
        g["mlp_out"] = g["x_out"]  # a residual sum passes the same gradient to both terms
        dact, _ = linear_backward(dx, f2_c)
        g["hidden"] = _norms(dact[0])
        dxn2, _ = linear_backward(activation_backward(dact, act_c, cfg.activation), f1_c)
        dx = dx + rmsnorm_backward(dxn2, n2)  # residual: both paths reach x_mid
        g["x_mid"] = g["attn_out"] = _norms(dx[0])
        dy, _ = linear_backward(dx, o_c)
        B, Tq, C = dy.shape
        g["head_out"] = _norms(dy.reshape(Tq, H, C // H).transpose(1, 0, 2))  # (H, T)
        dq, dk, dv = attention_backward(dy, att_c)
        for name, d in (("q", dq), ("k", dk), ("v", dv)):
            g[name] = _norms(d[0].reshape(Tq, H, C // H).transpose(1, 0, 2))  # (H, T)
        dxn = (
            linear_backward(dq, q_c)[0] + linear_backward(dk, k_c)[0] + linear_backward(dv, v_c)[0]
        )
        dx = dx + rmsnorm_backward(dxn, n1)
        g["x_in"] = _norms(dx[0])
    demb = dx
    kept_layers = tuple(LayerTrace(**kv, grad_norms=g) for kv, g in zip(kept, grads, strict=True))
    return Trace(
        tokens=np.asarray(tokens),
        targets=np.asarray(targets),
        tok_emb=tok_emb,
        pos_emb=pos_emb,
        emb=emb[0],
        layers=kept_layers,
        logits=logits[0],
        probs=np.exp(ce_c[0][0] - ce_c[1][0][:, None]),
        losses=losses[0],
        loss=float(loss),
        grad_norms={"emb": _norms(demb[0]), "logits": _norms(dlogits[0])},
    )


def trace_text(model: GPT, tokenizer, text: str) -> Trace:
    """The trace of BOS + `text` + EOS, cut to the block as in training."""
    ids = tokenizer.encode(text)[: model.config.block_size + 1]
    return trace(model, np.array(ids[:-1]), np.array(ids[1:]))


def embedding_pca(model: GPT) -> tuple[np.ndarray, np.ndarray]:
    """Token embeddings on their first two principal axes (V, 2), and the variance ratios (2,)."""
    wte = model.params["wte"]
    centred = wte - wte.mean(axis=0)
    _, s, vt = np.linalg.svd(centred, full_matrices=False)
    coords = centred @ vt[:2].T  # (V, 2)
    # fix each axis's sign so the picture does not flip between redraws
    coords *= np.where(coords[np.abs(coords).argmax(axis=0), [0, 1]] < 0, -1.0, 1.0)
    var = s**2
    return coords, var[:2] / var.sum()
