"""The NumPy GPT of DESIGN.md: parameters in one flat buffer, a batched forward and its backward.

`gpt_forward` and `gpt_backward` are the model's forward/backward pair, built from the layer pairs
in `layers.py` and called in mirrored order. `GPT` holds the config and the parameters.
"""

from __future__ import annotations

import numpy as np

from .config import GPTConfig
from .fast import FastGPT
from .layers import (
    activation_backward,
    activation_forward,
    attention_backward,
    attention_forward,
    cross_entropy_backward,
    cross_entropy_forward,
    dropout_backward,
    dropout_forward,
    embedding_backward,
    embedding_forward,
    linear_backward,
    linear_forward,
    rmsnorm_backward,
    rmsnorm_forward,
)

LAYER_PARAMS = ("attn_wq", "attn_wk", "attn_wv", "attn_wo", "mlp_fc1", "mlp_fc2")


def param_shapes(cfg: GPTConfig) -> dict[str, tuple[int, int]]:
    """Every parameter's name and (out, in) shape, in the order of the flat buffer."""
    C, V = cfg.n_embd, cfg.vocab_size
    shapes = {"wte": (V, C), "wpe": (cfg.block_size, C)}
    if not cfg.tie_weights:
        shapes["lm_head"] = (V, C)
    for i in range(cfg.n_layer):
        for name in ("attn_wq", "attn_wk", "attn_wv", "attn_wo"):
            shapes[f"layer{i}.{name}"] = (C, C)
        shapes[f"layer{i}.mlp_fc1"] = (4 * C, C)
        shapes[f"layer{i}.mlp_fc2"] = (C, 4 * C)
    return shapes


def views(flat: np.ndarray, shapes: dict[str, tuple[int, int]]) -> dict[str, np.ndarray]:
    """Named views into one flat buffer (writing a view writes the buffer)."""
    out, offset = {}, 0
    for name, shape in shapes.items():
        n = shape[0] * shape[1]
        out[name] = flat[offset : offset + n].reshape(shape)
        offset += n
    return out


def init_params(cfg: GPTConfig, rng: np.random.Generator) -> np.ndarray:
    """A flat buffer of Gaussian(0, init_std) weights; attn_wo and mlp_fc2 zero if configured."""
    shapes = param_shapes(cfg)
    total = sum(a * b for a, b in shapes.values())
    flat = np.zeros(total, dtype=cfg.dtype)
    for name, w in views(flat, shapes).items():
        if cfg.zero_init_proj and name.endswith(("attn_wo", "mlp_fc2")):
            continue
        w[...] = rng.normal(0.0, cfg.init_std, size=w.shape)
    return flat


def gpt_forward(p: dict[str, np.ndarray], cfg: GPTConfig, idx: np.ndarray, drop=None):
    """Logits (B, T, V) for token ids (B, T), and the cache for `gpt_backward`.

    `drop`, only in training: dropout masks (1 + 2 n_layer, B, T, C) from `layers.dropout_masks`
    for the embedding (drop[0]) and each layer's attention (drop[1 + 2i]) and MLP (drop[2 + 2i])
    outputs, where nanoGPT applies them. None (evaluation, sampling) applies none."""
    x, emb_cache = embedding_forward(p["wte"], p["wpe"], idx)  # (B, T, C)
    norm0 = None
    if cfg.post_embed_norm:
        x, norm0 = rmsnorm_forward(x)
    x, drop0 = _dropout_forward(x, drop, 0)
    layers = []
    for i in range(cfg.n_layer):
        w = [p[f"layer{i}.{n}"] for n in LAYER_PARAMS]
        xn, n1 = rmsnorm_forward(x)
        q, q_c = linear_forward(xn, w[0])  # (B, T, C)
        k, k_c = linear_forward(xn, w[1])
        v, v_c = linear_forward(xn, w[2])
        y, att_c = attention_forward(q, k, v, cfg.n_head)  # (B, T, C)
        a_out, o_c = linear_forward(y, w[3])
        a_out, d1 = _dropout_forward(a_out, drop, 1 + 2 * i)
        x = x + a_out  # residual
        xn2, n2 = rmsnorm_forward(x)
        h, f1_c = linear_forward(xn2, w[4])  # (B, T, 4C)
        act, act_c = activation_forward(h, cfg.activation)
        m_out, f2_c = linear_forward(act, w[5])  # (B, T, C)
        m_out, d2 = _dropout_forward(m_out, drop, 2 + 2 * i)
        x = x + m_out  # residual
        layers.append((n1, q_c, k_c, v_c, att_c, o_c, d1, n2, f1_c, act_c, f2_c, d2))
    head = p["wte"] if cfg.tie_weights else p["lm_head"]
    logits, head_c = linear_forward(x, head)  # (B, T, V)
    return logits, (emb_cache, norm0, drop0, layers, head_c)


def gpt_backward(dlogits: np.ndarray, cache, cfg: GPTConfig, grads: dict[str, np.ndarray]):
    """Accumulate the gradient of every parameter into `grads` (zeroed views of one buffer)."""
    emb_cache, norm0, drop0, layers, head_c = cache
    # logits = x @ head^T
    dx, dhead = linear_backward(dlogits, head_c)
    grads["wte" if cfg.tie_weights else "lm_head"] += dhead
    for i in reversed(range(cfg.n_layer)):
        n1, q_c, k_c, v_c, att_c, o_c, d1, n2, f1_c, act_c, f2_c, d2 = layers[i]
        g = [grads[f"layer{i}.{n}"] for n in LAYER_PARAMS]
        # x = x + m_out: the residual passes dx through, and dx also flows into the MLP (through
        # its dropout mask, if any)
        dm_out = _dropout_backward(dx, d2)
        dact, dw = linear_backward(dm_out, f2_c)
        g[5] += dw
        dh = activation_backward(dact, act_c, cfg.activation)
        dxn2, dw = linear_backward(dh, f1_c)
        g[4] += dw
        dx = dx + rmsnorm_backward(dxn2, n2)
        # x = x + a_out: same split for the attention branch
        da_out = _dropout_backward(dx, d1)
        dy, dw = linear_backward(da_out, o_c)
        g[3] += dw
        dq, dk, dv = attention_backward(dy, att_c)
        dxn, dwq = linear_backward(dq, q_c)
        g[0] += dwq
        dxn_k, dwk = linear_backward(dk, k_c)
        g[1] += dwk
        dxn_v, dwv = linear_backward(dv, v_c)
        g[2] += dwv
        # xn feeds q, k and v: its three gradients add
        dx = dx + rmsnorm_backward(dxn + dxn_k + dxn_v, n1)
    dx = _dropout_backward(dx, drop0)
    if cfg.post_embed_norm:
        dx = rmsnorm_backward(dx, norm0)
    dwte, dwpe = embedding_backward(dx, emb_cache)
    # with tied weights wte is both the embedding and the head: the two gradients add
    grads["wte"] += dwte
    grads["wpe"] += dwpe


def _dropout_forward(x, drop, j):
    """dropout_forward with mask drop[j]; the identity (cache None) without masks."""
    return (x, None) if drop is None else dropout_forward(x, drop[j])


def _dropout_backward(dout, cache):
    return dout if cache is None else dropout_backward(dout, cache)


class GPT:
    """A GPT's config and parameters (a flat buffer with named views), with loss and gradients."""

    def __init__(self, config: GPTConfig, flat: np.ndarray) -> None:
        self.config = config
        self.shapes = param_shapes(config)
        expected = sum(a * b for a, b in self.shapes.values())
        if flat.shape != (expected,):
            raise ValueError(f"expected {expected} parameters, got array of shape {flat.shape}")
        self.flat = np.ascontiguousarray(flat, dtype=config.dtype)
        self.params = views(self.flat, self.shapes)
        self._fast: FastGPT | None = None

    @classmethod
    def init(cls, config: GPTConfig, rng: np.random.Generator) -> GPT:
        """A freshly initialised model."""
        return cls(config, init_params(config, rng))

    @property
    def num_params(self) -> int:
        return self.flat.size

    def param_table(self) -> list[tuple[str, tuple[int, int], int]]:
        """(name, shape, count) for every tensor, in buffer order."""
        return [(n, s, s[0] * s[1]) for n, s in self.shapes.items()]

    def copy(self) -> GPT:
        """An independent copy (a snapshot the trainer will not change)."""
        return GPT(self.config, self.flat.copy())

    def logits(self, idx: np.ndarray) -> np.ndarray:
        """Next-token logits (B, T, V) for token ids (B, T)."""
        return gpt_forward(self.params, self.config, np.asarray(idx))[0]

    def loss(self, idx, targets, mask) -> tuple[float, np.ndarray]:
        """Mean loss over the masked positions and the per-position losses (B, T); no gradient."""
        idx, targets, mask = np.asarray(idx), np.asarray(targets), np.asarray(mask)
        if self._fits(idx, targets, mask):
            ws = self.fast.workspace(*idx.shape, train=False)
            lengths = _prefix_lengths(mask)
            loss, rows, ok = self.fast.forward(ws, idx, targets, lengths, mask)
            if ok:
                return loss, rows.position_losses(ws)
        return self.reference_loss(idx, targets, mask)

    def loss_and_grads(
        self, idx, targets, mask, drop: np.ndarray | None = None
    ) -> tuple[float, np.ndarray, np.ndarray]:
        """Loss, per-position losses (B, T) and the flat gradient of the mean loss; with dropout
        masks `drop` (1 + 2 n_layer, B, T, C) when given (see `gpt_forward`)."""
        idx, targets, mask = np.asarray(idx), np.asarray(targets), np.asarray(mask)
        cfg = self.config
        if drop is not None and drop.shape != (1 + 2 * cfg.n_layer, *idx.shape, cfg.n_embd):
            raise ValueError(f"dropout masks of shape {drop.shape} do not fit inputs {idx.shape}")
        if self._fits(idx, targets, mask):
            ws = self.fast.workspace(*idx.shape, train=True)
            lengths = _prefix_lengths(mask)
            rows = None if drop is None else drop_rows(drop, mask if lengths is not None else None)
            loss, r, ok = self.fast.forward(ws, idx, targets, lengths, mask, drop=rows)
            if ok:
                grad = self.fast.grad_buffer()
                self.fast.backward(ws, r, grad)
                return loss, r.position_losses(ws), grad.copy()
        return self.reference_loss_and_grads(idx, targets, mask, drop)

    def reference_loss(self, idx, targets, mask) -> tuple[float, np.ndarray]:
        """`loss` by the readable layer-by-layer reference (`gpt_forward`)."""
        logits, _ = gpt_forward(self.params, self.config, idx)
        loss, losses, _ = cross_entropy_forward(logits, targets, mask)
        return float(loss), losses

    def reference_loss_and_grads(
        self, idx, targets, mask, drop: np.ndarray | None = None
    ) -> tuple[float, np.ndarray, np.ndarray]:
        """`loss_and_grads` by the reference pair `gpt_forward` / `gpt_backward`."""
        logits, cache = gpt_forward(self.params, self.config, idx, drop)
        loss, losses, ce_cache = cross_entropy_forward(logits, targets, mask)
        dflat = np.zeros_like(self.flat)
        gpt_backward(
            cross_entropy_backward(1.0, ce_cache), cache, self.config, views(dflat, self.shapes)
        )
        return float(loss), losses, dflat

    @property
    def fast(self) -> FastGPT:
        """The fast path over this model's buffer (`core/fast.py`), made on first use."""
        if self._fast is None:
            self._fast = FastGPT(self.config, self.shapes, self.flat)
        return self._fast

    def _fits(self, idx: np.ndarray, targets: np.ndarray, mask: np.ndarray) -> bool:
        """Whether the fast path takes this input: (B, T) token ids within the block."""
        return (
            idx.ndim == 2
            and 0 < idx.shape[1] <= self.config.block_size
            and idx.shape[0] > 0
            and idx.shape == targets.shape == mask.shape
            and mask.dtype == bool
        )

    def attention(self, idx: np.ndarray) -> np.ndarray:
        """Attention weights (n_layer, n_head, T, T) for one sequence of token ids (T,)."""
        idx = np.asarray(idx)[None, : self.config.block_size]
        _, (_, _, _, layers, _) = gpt_forward(self.params, self.config, idx)
        return np.stack([layer[4][3][0] for layer in layers])  # att cache holds p (B, H, T, T)


def drop_rows(drop: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    """Dropout masks (K, B, T, C) as the fast path's rows (K, n, C): the positions where
    `mask` (B, T) is True, in order (a packed batch), or all B*T when `mask` is None."""
    K, B, T, C = drop.shape
    if mask is None or mask.all():
        return drop.reshape(K, B * T, C)
    return drop[:, mask]  # (K, n, C)


def padded_drop(rows: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """The inverse of `drop_rows`: rows (K, n, C) back to (K, B, T, C), zero where not in mask."""
    K, _, C = rows.shape
    out = np.zeros((K, *mask.shape, C), rows.dtype)
    out[:, mask] = rows
    return out


def _prefix_lengths(mask: np.ndarray) -> np.ndarray | None:
    """(B,) counts when every row of the mask (B, T) is True then False (padding at the end,
    which the fast path can pack away), else None."""
    lengths = mask.sum(axis=1)
    prefix = np.arange(mask.shape[1]) < lengths[:, None]
    return lengths if np.array_equal(prefix, mask) else None
