"""The fast path: the GPT's forward and backward fused into preallocated buffers (`workspace.py`).

The same maths as `model.gpt_forward`/`gpt_backward` (the readable reference the tests check this
against, to 1e-10), written for speed at tiny sizes, where each NumPy call costs more than its
arithmetic: one matmul for q, k and v, one-hot matmuls for the embeddings, row sums as matmuls,
every result written into a buffer made once per batch shape, and a padded batch packed so that
only the attention sees the padding. Calls name the ufunc directly and pass the output as the
last argument (both measurably cheaper). The softmaxes skip the max subtraction (the causal mask
multiplies after the exponential); a batch whose exponentials overflow or underflow reports
`ok = False`, and the caller falls back to the reference. Dropout (training only) multiplies by
masks the caller draws, in the rows' layout; without masks there is no extra work.
"""

from __future__ import annotations

import math
import threading

import numpy as np

from .config import GPTConfig
from .workspace import MAX_WORKSPACES, Diag, ParamViews, Rows, Workspace

TINY = 1e-250  # a softmax row sum below this may have lost precision to underflow: fall back

# (a, b, out) -> out; np.dot is the cheapest matmul to call on 2-D arrays, and cheaper still
# without its __array_function__ dispatch (NEP 18's `_implementation`; these are plain ndarrays)
add, sub, mul, div = np.add, np.subtract, np.multiply, np.divide
exp, log, sqrt = np.exp, np.log, np.sqrt
dot = getattr(np.dot, "_implementation", np.dot)
matmul, vecdot = np.matmul, np.vecdot


class FastGPT:
    """Fast loss and gradients for one config and one flat parameter buffer."""

    def __init__(self, cfg: GPTConfig, shapes: dict, flat: np.ndarray) -> None:
        self.cfg, self.shapes = cfg, shapes
        self.p = ParamViews(cfg, shapes, flat)
        self._local = threading.local()  # workspaces are per thread: no call shares a buffer
        self._grad_views: tuple[np.ndarray, ParamViews] | None = None

    def workspace(self, B: int, T: int, train: bool) -> Workspace:
        """The buffers for (B, T), made on first use."""
        cache = getattr(self._local, "cache", None)
        if cache is None:
            cache = self._local.cache = {}
        ws = cache.get((B, T, train))
        if ws is None:
            if len(cache) >= MAX_WORKSPACES:
                cache.clear()
            ws = cache[(B, T, train)] = Workspace(self.cfg, B, T, train)
        return ws

    def grad_buffer(self) -> np.ndarray:
        """A flat gradient buffer of this thread's own, for callers that copy the result."""
        grad = getattr(self._local, "grad", None)
        if grad is None:
            grad = self._local.grad = np.empty_like(self.p.flat)
        return grad

    def grad_views(self, grad: np.ndarray) -> ParamViews:
        """Views of a flat gradient buffer (cached for the last buffer seen)."""
        cached = self._grad_views  # one read: another thread may replace it meanwhile
        if cached is None or cached[0] is not grad:
            cached = self._grad_views = (grad, ParamViews(self.cfg, self.shapes, grad))
        return cached[1]

    # overflow and underflow are expected here and handled by the fallback: no warnings (the
    # decorator form costs half of a `with np.errstate(...)` block per call)
    @np.errstate(all="ignore")
    def forward(self, ws: Workspace, idx, targets, lengths=None, mask=None, at=None, drop=None):
        """The mean loss of a (B, T) batch and its rows (`Rows.losses`: per-position losses),
        with whether to trust it: (loss, rows, ok). Which positions are predicted: all (the
        default); the first lengths[b] of row b, packed; or those where `mask` is True. `at`
        may give the flat indices (N,) of the inputs in the one-hot and of the targets. `drop`:
        dropout masks (1 + 2 n_layer, n, C) for the rows, as `model.gpt_forward` takes them."""
        cfg, p = self.cfg, self.p
        if lengths is not None and lengths.min() < ws.T:
            r = _pack(ws, idx, targets, lengths)
        else:
            r = _unpacked(ws, idx, targets, at)
        r.drop = drop
        # x = wte[idx] + wpe[pos] as onehot @ [wte; wpe]
        dot(r.onehot, p.emb, r.emb)  # (n, C)
        if drop is not None:  # the block input xs[0] = emb (normed in place) * drop[0]
            if cfg.post_embed_norm:
                # in place, so no matmul; rstd0 is still a view of rstd0_d's diagonal, which
                # the backward's matmul reads
                _rms_forward(r.emb, r.emb, r.rstd0, r)
            mul(r.emb, drop[0], r.xs[0])
        elif cfg.post_embed_norm:
            _rms_forward(r.emb, r.xs[0], r.rstd0, r, r.rstd0_d)
        relu2 = cfg.activation == "relu2"
        for i, (lr, a) in enumerate(zip(r.layers, ws.attention, strict=True)):
            x, x_mid, x_out = r.xs[2 * i], r.xs[2 * i + 1], r.xs[2 * i + 2]
            _rms_forward(x, lr.xn1, lr.rstd1, r, lr.rstd1_d)
            dot(lr.xn1, p.wqkv_t[i], lr.qkv)  # (n, 3C)
            if r.packed:
                lr.qkv_src.take(ws.src, 0, a.qkv, "clip")  # (B*T, 3C), zero where padded
            att = a.att
            matmul(a.q_h, a.kT_h, att)  # (B, H, T, T)
            mul(att, r.scale, att)
            exp(att, att)
            mul(att, r.causal, att)  # zero above the diagonal (exp of -inf is slow)
            dot(a.att_rows, r.ones_t, a.att_sum)  # (B*H*T, 1)
            div(a.att_rows, a.att_sum, a.att_rows)  # rows sum to 1
            matmul(att, a.v_h, a.y_h)  # (B, H, T, D) written as (B*T, C)
            if r.packed:
                a.y.take(ws.packed_rows[: r.n], 0, lr.y, "clip")  # (n, C)
            dot(lr.y, p.wo_t[i], r.tmp_nc)
            if drop is not None:
                mul(r.tmp_nc, drop[1 + 2 * i], r.tmp_nc)  # dropout on the attention's output
            add(x, r.tmp_nc, x_mid)  # residual
            _rms_forward(x_mid, lr.xn2, lr.rstd2, r, lr.rstd2_d)
            dot(lr.xn2, p.fc1_t[i], lr.h)  # (n, 4C)
            if relu2:  # h becomes relu(h) in place: the backward needs no more of it
                np.maximum(lr.h, 0.0, out=lr.h)
                mul(lr.h, lr.h, lr.act)
            else:
                np.maximum(lr.h, 0.0, out=lr.act)
            dot(lr.act, p.fc2_t[i], r.tmp_nc)
            if drop is not None:
                mul(r.tmp_nc, drop[2 + 2 * i], r.tmp_nc)  # dropout on the MLP's output
            add(x_mid, r.tmp_nc, x_out)  # residual
        # cross-entropy: loss = log(sum(exp(logits))) - logit[target]
        dot(r.xs[-1], p.head_t, r.logits)  # (n, V)
        r.logits_flat.take(r.tgt_at, None, r.logit_t, "clip")  # (n,)
        exp(r.logits, r.logits)  # the logits buffer now holds exp(logits)
        dot(r.logits, r.ones_v, r.sum_v)  # (n, 1)
        log(r.sum_v_flat, r.losses)
        sub(r.losses, r.logit_t, r.losses)  # (n,)
        if mask is not None and lengths is None:
            np.copyto(r.mask_f, mask.reshape(-1))
            mul(r.losses, r.mask_f, r.losses)  # zero where not predicted
            mul(r.mask_f, 1.0 / r.mask_f.sum(), r.wm)
            r.wm_used, r.wm_used_col = r.wm, r.wm_col
        elif not r.packed:
            r.wm_used, r.wm_used_col = ws.wm_full, ws.wm_full_col
        loss = float(dot(r.losses, r.wm_used))
        return loss, r, math.isfinite(loss) and r.sums.min() > TINY

    def backward(self, ws: Workspace, r: Rows, grad: np.ndarray) -> None:
        """Write the gradient of the forward's mean loss (its `r`) into the flat buffer `grad`."""
        cfg, p, g, drop = self.cfg, self.p, self.grad_views(grad), r.drop
        # fused softmax + cross-entropy: dlogits = (softmax - onehot(target)) * mask / n
        if r.tmp_n1_d is None:
            div(r.wm_used_col, r.sum_v, r.tmp_n1)
            mul(r.logits, r.tmp_n1, r.dlogits)
        else:
            div(r.wm_used, r.sum_v_flat, r.tmp_n1_d.diagonal)
            dot(r.tmp_n1_d.matrix, r.logits, r.dlogits)
        at_target = r.dlogits_flat.take(r.tgt_at)
        sub(at_target, r.wm_used, at_target)
        r.dlogits_flat.put(r.tgt_at, at_target)
        # logits = x @ head^T
        dot(r.dlogits.T, r.xs[-1], ws.head_grad if cfg.tie_weights else g.head)
        dx, dh, dxn, dy, dqkv = r.dx, r.dh, r.dxn, r.dy, r.dqkv
        dot(r.dlogits, p.head, dx)  # (n, C)
        relu2 = cfg.activation == "relu2"
        for i in reversed(range(cfg.n_layer)):
            lr, a = r.layers[i], ws.attention[i]
            # x_out = x_mid + drop * (act @ fc2^T): dx flows on, and (times drop) into the MLP
            d_out = dx if drop is None else mul(dx, drop[2 + 2 * i], r.tmp_nc)
            dot(d_out.T, lr.act, g.fc2[i])
            dot(d_out, p.fc2[i], dh)  # (n, 4C)
            if relu2:
                mul(dh, lr.h, dh)  # h holds r = relu(h)
                add(dh, dh, dh)  # d(r^2)/dh = 2r
            else:
                np.greater(lr.h, 0.0, out=r.relu_grad, casting="unsafe")  # 1 where h > 0
                mul(dh, r.relu_grad, dh)
            dot(dh.T, lr.xn2, g.fc1[i])
            dot(dh, p.fc1[i], dxn)
            _rms_backward(dxn, lr.xn2, lr.rstd2, lr.rstd2_d, dx, r)  # dx += d(rmsnorm)
            # x_mid = x + drop * (y @ wo^T): the same split for the attention
            d_out = dx if drop is None else mul(dx, drop[1 + 2 * i], r.tmp_nc)
            dot(d_out.T, lr.y, g.wo[i])
            dot(d_out, p.wo[i], dy)
            if r.packed:
                r.dy_src.take(ws.src, 0, ws.dy, "clip")  # (B*T, C), zero where padded
            datt = ws.datt
            matmul(ws.dy_h, a.vT_h, datt)  # (B, H, T, T)
            matmul(a.attT, ws.dy_h, ws.dv_h)
            # softmax: datt = p * (dp - sum(dp * p)); the masked entries have p = 0
            vecdot(ws.datt_rows, a.att_rows, ws.datt_sum_flat)
            sub(ws.datt_rows, ws.datt_sum, ws.datt_rows)
            mul(datt, a.att, datt)
            mul(datt, r.scale, datt)
            matmul(datt, a.k_h, ws.dq_h)
            matmul(ws.dattT, a.q_h, ws.dk_h)
            if r.packed:
                ws.dqkv.take(ws.packed_rows[: r.n], 0, dqkv, "clip")  # (n, 3C)
            dot(dqkv.T, lr.xn1, g.wqkv[i])
            # xn1 feeds q, k and v: one matmul adds the three gradients
            dot(dqkv, p.wqkv[i], dxn)
            _rms_backward(dxn, lr.xn1, lr.rstd1, lr.rstd1_d, dx, r)
        if drop is not None:
            mul(dx, drop[0], dx)  # x0 = drop[0] * emb
        if cfg.post_embed_norm:  # y is in emb when dropout followed the norm
            y0 = r.xs[0] if drop is None else r.emb
            _rms_backward(dx, y0, r.rstd0, r.rstd0_d, r.tmp_nc2, r, accumulate=False)
            dx = r.tmp_nc2
        dot(r.onehot.T, dx, g.emb)  # dwte and dwpe
        if cfg.tie_weights:
            add(g.wte, ws.head_grad, g.wte)  # wte is also the head: the gradients add


def _unpacked(ws: Workspace, idx, targets, at) -> Rows:
    """Every position a row: set the tokens' ones in the one-hot, and the targets' indices."""
    r = ws.full
    _clear_hot(ws)
    if not ws.static_set:  # the positions' ones, row i at position i % T, stay
        r.onehot_flat.put(ws.static_at, 1.0)
        ws.static_set = True
    if at is None:
        at = (add(r.row_start, idx.reshape(-1), ws.tok_buf), None)
        r.tgt_at = add(r.row_start_v, targets.reshape(-1), ws.tgt_buf)
    else:
        r.tgt_at = at[1]
    r.onehot_flat.put(at[0], 1.0)
    ws.hot_at = [at[0]]
    return r


def _pack(ws: Workspace, idx, targets, lengths) -> Rows:
    """Pack the first lengths[b] positions of each row b into the first n rows."""
    V = ws.V
    valid = (ws.positions < lengths[:, None]).reshape(-1)  # (B*T,)
    rows_at = np.flatnonzero(valid)  # padded position of each packed row
    n = len(rows_at)
    r = ws.rows(n)
    ws.packed_rows[:n] = rows_at
    ws.src.fill(ws.N)  # padding takes the zero row N
    ws.src.put(rows_at, ws.count[:n])
    _clear_hot(ws)
    if ws.static_set:
        ws.full.onehot_flat.put(ws.static_at, 0.0)
        ws.static_set = False
    tok_at = add(r.row_start, idx.reshape(-1).take(rows_at), ws.tok_buf[:n])
    pos_at = add(r.row_start, ws.pos_of_row.take(rows_at), ws.pos_buf[:n])
    add(pos_at, V, pos_at)
    r.tgt_at = add(r.row_start_v, targets.reshape(-1).take(rows_at), ws.tgt_buf[:n])
    r.onehot_flat.put(tok_at, 1.0)
    r.onehot_flat.put(pos_at, 1.0)
    ws.hot_at = [tok_at, pos_at]
    r.wm.fill(1.0 / n)
    r.wm_used, r.wm_used_col = r.wm, r.wm_col
    return r


def _clear_hot(ws: Workspace) -> None:
    """Zero the one-hot entries the last call set (besides the static positions)."""
    flat = ws.full.onehot_flat
    for at in ws.hot_at:
        flat.put(at, 0.0)


def _rms_forward(x, y, rstd, r: Rows, rstd_d: Diag | None = None) -> None:
    """y = x * rstd, rstd (n, 1) = 1 / sqrt(mean(x^2) + eps) = sqrt(C) / sqrt(sum(x^2) + C eps).
    With `rstd_d`, whose diagonal rstd is, y = its matrix @ x (y must not be x)."""
    vecdot(x, x, r.tmp_n)
    add(r.tmp_n, r.c_eps, r.tmp_n)
    sqrt(r.tmp_n, r.tmp_n)
    if rstd_d is None:
        div(r.sqrt_c, r.tmp_n1_of_n, rstd)
        mul(x, rstd, y)
    else:
        div(r.sqrt_c, r.tmp_n, rstd_d.diagonal)
        dot(rstd_d.matrix, x, y)


def _rms_backward(dy, y, rstd, rstd_d, dx, r: Rows, accumulate: bool = True) -> None:
    """dx += rstd * (dy - y * mean(dy * y))  (dx = ... when not accumulating); each row
    scaling by a diagonal matrix when the forward had one (`rstd_d`)."""
    vecdot(dy, y, r.tmp_n)
    if rstd_d is None:
        mul(r.tmp_n, r.inv_c, r.tmp_n)
        mul(y, r.tmp_n1_of_n, r.tmp_nc)
    else:
        mul(r.tmp_n, r.inv_c, r.c_d.diagonal)
        dot(r.c_d.matrix, y, r.tmp_nc)
    sub(dy, r.tmp_nc, r.tmp_nc)
    if not accumulate:
        if rstd_d is None:
            mul(r.tmp_nc, rstd, dx)
        else:
            dot(rstd_d.matrix, r.tmp_nc, dx)
    elif rstd_d is None:
        mul(r.tmp_nc, rstd, r.tmp_nc)
        add(dx, r.tmp_nc, dx)
    else:
        dot(rstd_d.matrix, r.tmp_nc, r.tmp_nc2)  # tmp_nc2 is free until the last call
        add(dx, r.tmp_nc2, dx)
