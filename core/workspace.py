"""Preallocated buffers for the fast path (`fast.py`): every array and view one batch shape needs.

At the model's sizes a NumPy call costs more in overhead than in arithmetic, so the fast path
never allocates and never reshapes while it runs: each buffer, and each transposed view of it
the attention needs, is made once per batch shape (B, T) here. Everything but the attention works
on rows, one per position; a padded batch packs its real positions into the first n rows
(`Rows`), so padding costs only in the attention, which keeps the (B, T) layout.
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import NamedTuple

import numpy as np

from .config import GPTConfig
from .layers import RMS_EPS

MAX_WORKSPACES = 32  # shapes kept per thread (B = 1 training alone uses one per length)
# Up to this many (unpacked) rows, RMSNorm and the cross-entropy backward scale rows by a matmul
# with a diagonal matrix rather than by broadcasting a column: at a handful of rows the matmul is
# the cheaper call, with the same products (the off-diagonal zeros add exactly nothing)
DIAG_ROWS = 32


class ParamViews:
    """The views of a flat buffer (parameters or gradients) the fast path reads or writes."""

    def __init__(self, cfg: GPTConfig, shapes: dict, flat: np.ndarray) -> None:
        C, V, blk, L = cfg.n_embd, cfg.vocab_size, cfg.block_size, cfg.n_layer
        offsets, at = {}, 0
        for name, (a, b) in shapes.items():  # model.param_shapes: the buffer's order
            offsets[name] = at
            at += a * b

        def block(name: str, rows: int, cols: int) -> np.ndarray:
            start = offsets[name]
            return flat[start : start + rows * cols].reshape(rows, cols)

        self.flat = flat
        self.emb = block("wte", V + blk, C)  # wte then wpe: one table for the one-hot matmul
        self.wte = block("wte", V, C)
        self.head = self.wte if cfg.tie_weights else block("lm_head", V, C)
        # q, k and v are adjacent in the buffer: one (3C, C) matrix, one matmul
        self.wqkv = [block(f"layer{i}.attn_wq", 3 * C, C) for i in range(L)]
        self.wo = [block(f"layer{i}.attn_wo", C, C) for i in range(L)]
        self.fc1 = [block(f"layer{i}.mlp_fc1", 4 * C, C) for i in range(L)]
        self.fc2 = [block(f"layer{i}.mlp_fc2", C, 4 * C) for i in range(L)]
        # transposed views, for the forward's x @ w^T
        self.head_t = self.head.T
        self.wqkv_t, self.wo_t = [w.T for w in self.wqkv], [w.T for w in self.wo]
        self.fc1_t, self.fc2_t = [w.T for w in self.fc1], [w.T for w in self.fc2]


def _heads(a: np.ndarray, B: int, T: int, H: int) -> np.ndarray:
    """(B*T, H*D) -> (B, H, T, D), a view."""
    return a.reshape(B, T, H, -1).transpose(0, 2, 1, 3)


class Attention:
    """One block's attention buffers in the padded (B, H, T, T) layout, with their views."""

    def __init__(self, B: int, T: int, C: int, H: int, dt) -> None:
        N = B * T
        self.qkv = np.zeros((N, 3 * C), dt)  # q | k | v of every padded position
        q, k, v = (self.qkv[:, s * C : (s + 1) * C] for s in range(3))
        self.q_h, self.k_h, self.v_h = (_heads(a, B, T, H) for a in (q, k, v))  # (B, H, T, D)
        self.kT_h, self.vT_h = self.k_h.swapaxes(2, 3), self.v_h.swapaxes(2, 3)  # (B, H, D, T)
        self.att = np.empty((B, H, T, T), dt)  # scores, then probabilities in place
        self.att_rows = self.att.reshape(-1, T)  # one row per softmax
        self.attT = self.att.swapaxes(2, 3)
        self.att_sum: np.ndarray  # (B*H*T, 1): a view of Workspace.sums, set by the Workspace
        self.y = np.empty((N, C), dt)  # heads merged
        self.y_h = _heads(self.y, B, T, H)  # (B, H, T, D), written by the matmul


class Rows:
    """Views of the first n rows of every per-position buffer (n = B*T when nothing is packed)."""

    def __init__(self, ws: Workspace, n: int, packed: bool) -> None:
        self.n, self.packed = n, packed
        for name, buf in ws.row_buffers.items():
            setattr(self, name, buf[:n])
        self.xs = [x[:n] for x in ws.xs]
        self.layers = []
        for bufs, att in zip(ws.layer_rows, ws.attention, strict=True):
            layer = SimpleNamespace(**{k: v[:n] for k, v in bufs.items()})
            layer.qkv_src = bufs["qkv"]  # all N + 1 rows: row N stays zero, the padding's
            if not packed:  # the attention works in place on the rows
                layer.qkv, layer.y = att.qkv, att.y
            self.layers.append(layer)
        if ws.train:
            self.dy_src = ws.row_buffers["dy"]  # row N stays zero
            if not packed:
                self.dqkv, self.dy = ws.dqkv, ws.dy
        self.onehot_flat = self.onehot.reshape(-1)
        self.logits_flat = self.logits.reshape(-1)
        if ws.train:
            self.dlogits_flat = self.dlogits.reshape(-1)
        for name in ("c_eps", "sqrt_c", "inv_c", "scale", "causal", "ones_t", "ones_v"):
            setattr(self, name, getattr(ws, name))
        self.row_start, self.row_start_v = ws.row_start[:n], ws.row_start_v[:n]
        self.tgt_at = ws.tgt_buf[:n]  # where the targets are in the flat logits (set per call)
        self.tmp_n1_of_n = self.tmp_n[:, None]  # the same memory as a column
        self.wm_col = self.wm[:, None]
        self.sum_v = ws.sums[ws.n_att_sums : ws.n_att_sums + n]  # (n, 1)
        self.sum_v_flat = self.sum_v.reshape(-1)
        self.sums = ws.sums[: ws.n_att_sums + n]  # every row sum in use
        self.wm_used, self.wm_used_col = self.wm, self.wm_col
        self.drop = None  # the forward's dropout masks (K, n, C), for the backward
        # each RMSNorm's rstd, the backward's mean(dy * y) and the cross-entropy's row scales,
        # as the diagonal of a zero (n, n) matrix (`_diag`) when there are few rows and nothing
        # is packed; else None
        diag = not packed and n <= DIAG_ROWS
        self.rstd0, self.rstd0_d = _diag(self.rstd0, diag)
        for layer in self.layers:
            layer.rstd1, layer.rstd1_d = _diag(layer.rstd1, diag)
            layer.rstd2, layer.rstd2_d = _diag(layer.rstd2, diag)
        _, self.c_d = _diag(self.tmp_n1_of_n, diag)
        self.tmp_n1, self.tmp_n1_d = _diag(self.tmp_n1, diag)  # the softmax's row scales

    def position_losses(self, ws: Workspace) -> np.ndarray:
        """A copy of the losses as (B, T), zero where not predicted."""
        if not self.packed:
            return self.losses.reshape(ws.B, ws.T).copy()
        out = np.zeros(ws.N, self.losses.dtype)
        out.put(ws.packed_rows[: self.n], self.losses)
        return out.reshape(ws.B, ws.T)


class Diag(NamedTuple):
    """A zero (n, n) matrix and a view of its diagonal (n,), written in place."""

    matrix: np.ndarray
    diagonal: np.ndarray


def _diag(col: np.ndarray, diag: bool) -> tuple[np.ndarray, Diag | None]:
    """(col, None), or a zero (n, n) matrix's diagonal as a column (n, 1) and the Diag. The
    diagonal is written through its 1-D view (as fast as a contiguous write; the column's
    strides are not)."""
    if not diag:
        return col, None
    n = len(col)
    matrix = np.zeros((n, n), col.dtype)
    diagonal = matrix.reshape(-1)[:: n + 1]
    return diagonal.reshape(n, 1), Diag(matrix, diagonal)


class Workspace:
    """All buffers of one batch shape (B, T); `train` keeps every layer's activations."""

    def __init__(self, cfg: GPTConfig, B: int, T: int, train: bool) -> None:
        dt = np.dtype(cfg.dtype)
        C, V, H, blk, L = cfg.n_embd, cfg.vocab_size, cfg.n_head, cfg.block_size, cfg.n_layer
        N = B * T
        self.B, self.T, self.N, self.train, self.V = B, T, N, train, V
        rows = {}

        def row_buffer(name: str, cols: int | None) -> None:
            rows[name] = np.zeros((N + 1,) if cols is None else (N + 1, cols), dt)

        # one-hot rows over [tokens | positions]: x = onehot @ [wte; wpe], and the transpose
        # gives both embedding gradients in one matmul (no np.add.at)
        row_buffer("onehot", V + blk)
        self.static_at = np.arange(N) * (V + blk) + V + np.arange(N) % T  # unpacked positions
        self.static_set = False
        self.hot_at: list[np.ndarray] = []  # the ones set now (besides the static positions)
        self.row_start = np.arange(N) * (V + blk)  # flat index of each row's first entry
        self.row_start_v = np.arange(N) * V  # the same for (N, V) logits
        self.tok_buf, self.pos_buf = np.empty(N, np.int64), np.empty(N, np.int64)
        self.tgt_buf = np.empty(N, np.int64)
        self.src = np.empty(N, np.int64)  # packed row of each padded position (N: a zero row)
        self.packed_rows = np.empty(N, np.int64)  # padded position of each packed row
        self.positions = np.arange(T)
        self.pos_of_row = np.arange(N) % T
        self.count = np.arange(N)
        for name in ("logit_t", "losses", "wm", "mask_f", "tmp_n"):
            row_buffer(name, None)
        for name, cols in (("emb", C), ("rstd0", 1), ("logits", V), ("tmp_n1", 1), ("tmp_nc", C)):
            row_buffer(name, cols)
        row_buffer("tmp_nc2", C)
        # the residual stream after each sub-block: xs[0] is the (normed) embedding
        extra = [np.zeros((N + 1, C), dt) for _ in range(2 * L + cfg.post_embed_norm)]
        self.xs = [rows["emb"]] + extra if not cfg.post_embed_norm else extra
        # every softmax's row sums in one buffer, so one min() checks them all for underflow
        BHT = B * H * T
        self.n_att_sums = L * BHT
        self.sums = np.empty((L * BHT + N, 1), dt)
        layer_cols = dict(xn1=C, rstd1=1, qkv=3 * C, y=C, xn2=C, rstd2=1, h=4 * C)
        layer_cols["act"] = 4 * C
        n_sets = L if train else 1  # without a backward the layers can share buffers
        sets = [{k: np.zeros((N + 1, c), dt) for k, c in layer_cols.items()} for _ in range(n_sets)]
        self.layer_rows = [sets[i % n_sets] for i in range(L)]
        shared = [Attention(B, T, C, H, dt) for _ in range(n_sets)]
        self.attention = []
        for i in range(L):
            att = shared[i % n_sets] if train else _with_sum(shared[0])
            att.att_sum = self.sums[i * BHT : (i + 1) * BHT]
            self.attention.append(att)
        # the causal mask multiplies exp(scores); full size, as broadcasting costs more
        causal = np.tril(np.ones((T, T), dt))
        self.causal = np.ascontiguousarray(np.broadcast_to(causal, (B, H, T, T)))
        self.ones_t = np.ones((T, 1), dt)  # row sums as a matmul: the fastest at these sizes
        self.ones_v = np.ones((V, 1), dt)
        # scalars as 0-d arrays: NumPy converts a Python float on every call
        self.c_eps = np.array(C * RMS_EPS, dt)
        self.sqrt_c = np.array(np.sqrt(C), dt)
        self.inv_c = np.array(1.0 / C, dt)
        self.scale = np.array(1.0 / np.sqrt(C // H), dt)
        if train:  # backward temporaries, shared by the layers
            for name, cols in (("dlogits", V), ("dx", C), ("dxn", C), ("dh", 4 * C)):
                row_buffer(name, cols)
            row_buffer("relu_grad", 4 * C)
            row_buffer("dy", C)  # packed; row N stays zero (the padding's gradient)
            row_buffer("dqkv", 3 * C)
            self.dy = np.empty((N, C), dt)  # padded
            self.dy_h = _heads(self.dy, B, T, H)
            self.dqkv = np.empty((N, 3 * C), dt)
            dq, dk, dv = (self.dqkv[:, s * C : (s + 1) * C] for s in range(3))
            self.dq_h, self.dk_h, self.dv_h = (_heads(a, B, T, H) for a in (dq, dk, dv))
            self.datt = np.empty((B, H, T, T), dt)
            self.datt_rows = self.datt.reshape(-1, T)
            self.dattT = self.datt.swapaxes(2, 3)
            self.datt_sum = np.empty((BHT, 1), dt)
            self.datt_sum_flat = self.datt_sum.reshape(-1)
            self.head_grad = np.empty((V, C), dt)  # tied weights: the head's share of dwte
        self.row_buffers = rows
        self.full = Rows(self, N, packed=False)
        self.wm_full = np.full(N, 1.0 / N, dt)  # mask / count with every position predicted
        self.wm_full_col = self.wm_full[:, None]
        self._rows: dict[int, Rows] = {}

    def rows(self, n: int) -> Rows:
        """Views of the first n rows, for a batch packed into n positions."""
        r = self._rows.get(n)
        if r is None:
            if len(self._rows) >= 4 * self.T:
                self._rows.clear()
            r = self._rows[n] = Rows(self, n, packed=True)
        return r


def _with_sum(att: Attention) -> Attention:
    """A shallow copy of `att` (shared buffers) that can take its own att_sum."""
    other = object.__new__(Attention)
    other.__dict__.update(att.__dict__)
    return other
