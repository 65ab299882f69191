"""The GPT of DESIGN.md in scalar `Value`s, as the document and microgpt.py write it: one document
and one position at a time, with a KV cache. The teaching form, and an oracle for the NumPy GPT
(same loss and gradients on the same weights, several hundred times slower)."""

from __future__ import annotations

import gc
import threading
from contextlib import ContextDecorator

import numpy as np

from .config import GPTConfig
from .data import Batch
from .layers import RMS_EPS
from .model import LAYER_PARAMS, param_shapes, views
from .value import Value

Vector = list[Value]
Matrix = list[list[Value]]  # (out, in), rows of Values


def dot(w: Vector, x: Vector) -> Value:
    """sum_i w[i] * x[i]."""
    out = w[0] * x[0]
    for wi, xi in zip(w[1:], x[1:], strict=True):
        out = out + wi * xi
    return out


def linear(x: Vector, w: Matrix) -> Vector:
    """w @ x for w of shape (out, in), no bias."""
    return [dot(row, x) for row in w]


def softmax(logits: Vector) -> Vector:
    """exp(z - max) / sum; the max is a constant, so it changes nothing but the overflow."""
    m = max(z.data for z in logits)
    exps = [(z - m).exp() for z in logits]
    total = exps[0]
    for e in exps[1:]:
        total = total + e
    return [e / total for e in exps]


def rmsnorm(x: Vector) -> Vector:
    """x / sqrt(mean(x^2) + eps); no gain."""
    ms = dot(x, x) / len(x)
    scale = (ms + RMS_EPS) ** -0.5
    return [xi * scale for xi in x]


def activation(h: Vector, kind: str) -> Vector:
    """relu^2 (the document's) or relu (microgpt.py's)."""
    if kind == "relu2":
        return [hi.relu() ** 2 for hi in h]
    return [hi.relu() for hi in h]


def gpt_step(
    cfg: GPTConfig, p: dict[str, Matrix], token: int, pos: int, keys: list, values: list
) -> Vector:
    """Logits (V,) at position `pos`; appends this position's k and v to the per-layer caches."""
    D = cfg.head_dim
    x = [t + q for t, q in zip(p["wte"][token], p["wpe"][pos], strict=True)]  # (C,)
    if cfg.post_embed_norm:
        x = rmsnorm(x)
    for i in range(cfg.n_layer):
        wq, wk, wv, wo, fc1, fc2 = (p[f"layer{i}.{n}"] for n in LAYER_PARAMS)
        xn = rmsnorm(x)
        q, k, v = linear(xn, wq), linear(xn, wk), linear(xn, wv)  # (C,) each
        keys[i].append(k)
        values[i].append(v)
        heads: Vector = []
        for h in range(cfg.n_head):
            s = slice(h * D, (h + 1) * D)
            q_h = q[s]  # (D,)
            # scores against every position so far (the cache holds only the past: causal)
            scores = [dot(q_h, k_t[s]) / D**0.5 for k_t in keys[i]]  # (t,)
            att = softmax(scores)
            v_h = [v_t[s] for v_t in values[i]]  # (t, D)
            heads.extend(dot(att, [v_t[j] for v_t in v_h]) for j in range(D))  # (D,)
        x = [a + b for a, b in zip(x, linear(heads, wo), strict=True)]  # residual
        hidden = activation(linear(rmsnorm(x), fc1), cfg.activation)  # (4C,)
        x = [a + b for a, b in zip(x, linear(hidden, fc2), strict=True)]  # residual
    return linear(x, p["wte"] if cfg.tie_weights else p["lm_head"])  # (V,)


class _CollectorPause(ContextDecorator):
    """Pause Python's cyclic GC while a scalar step runs: a step allocates ~10^5 acyclic Values
    (reference counting frees them) and the collector would rescan them over and over, about
    doubling the step's time. The collector is process-wide and steps may run in several threads
    at once (the trainer's and a view's), so the first step in pauses it and the last one out
    restores it as it was."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._running = 0  # scalar steps under way, in any thread
        self._was_enabled = False

    def __enter__(self) -> None:
        with self._lock:
            if self._running == 0:
                self._was_enabled = gc.isenabled()
                gc.disable()
            self._running += 1

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            self._running -= 1
            if self._running == 0 and self._was_enabled:
                gc.enable()


_collector_paused = _CollectorPause()


@_collector_paused
def _forward_backward(
    cfg: GPTConfig, params: dict[str, np.ndarray], docs: list[list[int]]
) -> tuple[float, list[list[float]], dict[str, np.ndarray], int]:
    """Loss, per-position losses of each doc, gradients and node count; one backward."""
    p = {name: [[Value(w) for w in row] for row in params[name].tolist()] for name in params}
    losses: list[Value] = []
    per_doc: list[list[Value]] = []
    for doc in docs:
        if len(doc) < 2 or len(doc) > cfg.block_size + 1:
            raise ValueError(f"a document must have 2..{cfg.block_size + 1} tokens, got {len(doc)}")
        keys: list[list[Vector]] = [[] for _ in range(cfg.n_layer)]
        values: list[list[Vector]] = [[] for _ in range(cfg.n_layer)]
        doc_losses = []
        for pos in range(len(doc) - 1):
            probs = softmax(gpt_step(cfg, p, doc[pos], pos, keys, values))
            doc_losses.append(-probs[doc[pos + 1]].log())
        per_doc.append(doc_losses)
        losses.extend(doc_losses)
    total = losses[0]
    for loss_t in losses[1:]:
        total = total + loss_t
    loss = total / len(losses)  # the mean over every predicted position
    n_nodes = loss.backward()  # ONE backward of the mean (not one per position)
    grads = {
        name: np.array([[w.grad for w in row] for row in p[name]], dtype=np.float64)
        for name in params
    }
    per_position = [[loss_t.data for loss_t in doc_losses] for doc_losses in per_doc]
    return loss.data, per_position, grads, n_nodes


def scalar_loss_and_grads(
    cfg: GPTConfig, params: dict[str, np.ndarray], docs: list[list[int]]
) -> tuple[float, dict[str, np.ndarray], int]:
    """Mean loss over all predicted positions of `docs`, its gradients and the graph's node count.

    Each doc is BOS, characters, EOS, cut to block_size + 1 tokens; positions 0..len-2 predict.
    """
    loss, _, grads, n_nodes = _forward_backward(cfg, params, docs)
    return loss, grads, n_nodes


def batch_docs(batch: Batch) -> list[list[int]]:
    """The token lists of a padded batch: each row's inputs plus its last target."""
    docs = []
    for idx, targets, mask in zip(batch.idx, batch.targets, batch.mask, strict=True):
        n = int(mask.sum())  # the mask is a prefix: positions 0..n-1 predict
        docs.append([int(t) for t in idx[:n]] + [int(targets[n - 1])])
    return docs


def scalar_batch_loss_and_grads(
    cfg: GPTConfig, params: dict[str, np.ndarray], batch: Batch
) -> tuple[float, np.ndarray, np.ndarray, int]:
    """What `GPT.loss_and_grads` returns, computed with Values, plus the node count.

    Returns (loss, flat gradient in `param_shapes` order, per-position losses (B, T), nodes).
    """
    loss, per_position, grads, n_nodes = _forward_backward(cfg, params, batch_docs(batch))
    shapes = param_shapes(cfg)
    dflat = np.zeros(sum(a * b for a, b in shapes.values()), dtype=np.float64)
    for name, view in views(dflat, shapes).items():
        view[...] = grads[name]
    losses = np.zeros(batch.mask.shape, dtype=np.float64)  # (B, T), zero where padded
    for b, row in enumerate(per_position):
        losses[b, : len(row)] = row
    return loss, dflat, losses, n_nodes
