"""Sampling, one token at a time with a KV cache: only the new token's q, k and v are computed.

`stream` yields each chosen character with the full next-token distribution (after temperature
and top-k), through `StreamDecoder`; `sample_names` draws many names at once through `KVDecoder`.
Randomness comes in as a Generator.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from .layers import RMS_EPS
from .model import GPT
from .tokenizer import BOS, EOS, Tokenizer, TokenizerError


class KVDecoder:
    """Feeds tokens of B sequences one position at a time; keeps each layer's keys and values.

    Feature-major: every activation is (features, B), so the many-sequence case runs long
    vector loops over B (not many tiny matmuls); `StreamDecoder` is the one-sequence path.
    Buffers are made once and each call's output passed as its last argument.
    """

    def __init__(self, model: GPT, batch: int = 1) -> None:
        cfg = model.config
        self.model, self.cfg = model, cfg
        B, H, D, C = batch, cfg.n_head, cfg.head_dim, cfg.n_embd
        L, blk = cfg.n_layer, cfg.block_size
        dt = model.flat.dtype
        self.p = model.fast.p  # views of the parameters, made once per model
        self.k = np.zeros((L, blk, H, D, B), dt)  # (L, block, H, D, B)
        self.v = np.zeros((L, blk, H, D, B), dt)
        self.pos = 0
        self.x, self.xn, self.tmp, self.sq = (np.empty((C, B), dt) for _ in range(4))
        self.rstd = np.empty(B, dt)
        self.qkv = np.empty((3 * C, B), dt)
        self.q, self.k_new, self.v_new = self.qkv.reshape(3, H, D, B)
        self.prod = np.empty((blk, H, D, B), dt)  # q * k or p * v before the sum
        self.att = np.empty((blk, H, B), dt)  # (key position, H, B)
        self.att_max, self.att_sum = np.empty((H, B), dt), np.empty((H, B), dt)
        self.y = np.empty((H, D, B), dt)
        self.h, self.act = np.empty((4 * C, B), dt), np.empty((4 * C, B), dt)
        self.wte_t, self.wpe = self.p.wte.T, self.p.emb[cfg.vocab_size :, :, None]  # (C, V)
        self.ones_c = np.full(C, 1.0 / C, dt)
        self.scale, self.eps = np.array(1.0 / np.sqrt(D), dt), np.array(RMS_EPS, dt)

    def _rmsnorm(self, x: np.ndarray, out: np.ndarray) -> None:
        """out = x / sqrt(mean(x^2) + eps) over the features (axis 0)."""
        np.multiply(x, x, self.sq)
        np.dot(self.ones_c, self.sq, self.rstd)  # mean(x^2), (B,)
        np.add(self.rstd, self.eps, self.rstd)
        np.sqrt(self.rstd, self.rstd)
        np.divide(x, self.rstd, out)

    def feed(self, tokens: np.ndarray) -> np.ndarray:
        """Logits (B, V) of the next token after feeding `tokens` (B,) at the next position."""
        cfg, t, p = self.cfg, self.pos, self.p
        if t >= cfg.block_size:
            raise ValueError(f"the context is full (block_size {cfg.block_size})")
        x, xn, tmp, att, prod = self.x, self.xn, self.tmp, self.att[: t + 1], self.prod[: t + 1]
        np.add(self.wte_t.take(np.asarray(tokens), 1), self.wpe[t], x)  # wte[tok] + wpe[t]
        if cfg.post_embed_norm:
            self._rmsnorm(x, x)
        for i in range(cfg.n_layer):
            self._rmsnorm(x, xn)
            np.dot(p.wqkv[i], xn, self.qkv)  # (3C, B)
            self.k[i, t], self.v[i, t] = self.k_new, self.v_new  # (H, D, B)
            np.multiply(self.k[i, : t + 1], self.q, prod)  # (t+1, H, D, B)
            np.add.reduce(prod, axis=2, out=att)  # scores q . k, (t+1, H, B)
            np.multiply(att, self.scale, att)
            np.maximum.reduce(att, axis=0, out=self.att_max)
            np.subtract(att, self.att_max, att)
            np.exp(att, att)
            np.add.reduce(att, axis=0, out=self.att_sum)
            np.divide(att, self.att_sum, att)  # softmax over the positions so far
            np.multiply(self.v[i, : t + 1], att[:, :, None], prod)
            np.add.reduce(prod, axis=0, out=self.y)  # (H, D, B): the heads, merged
            np.dot(p.wo[i], self.y.reshape(-1, x.shape[1]), tmp)
            np.add(x, tmp, x)
            self._rmsnorm(x, xn)
            np.dot(p.fc1[i], xn, self.h)  # (4C, B)
            np.maximum(self.h, 0.0, out=self.act)
            if cfg.activation == "relu2":
                np.multiply(self.act, self.act, self.act)
            np.dot(p.fc2[i], self.act, tmp)
            np.add(x, tmp, x)
        self.pos += 1
        return np.dot(p.head, x).T  # (B, V)


class StreamDecoder:
    """`KVDecoder` for one sequence, the path `stream` takes: 1-D vectors and fewer NumPy calls.

    A cached row is q | k | v | 1, so the qkv matmul writes straight into the cache. Every head's
    score is one matmul of k * q with a (C, H) head indicator; one matmul of the exponentiated
    scores with v | 1 gives each head's weighted sum over all the features (head h keeps its own
    D) and, in the last column, its softmax denominator. `a.dot(b, out)` skips `np.dot`'s
    dispatch, which is measurable at these sizes.
    """

    def __init__(self, model: GPT) -> None:
        cfg = model.config
        self.cfg, self.p = cfg, model.fast.p
        H, D, C, L, blk = cfg.n_head, cfg.head_dim, cfg.n_embd, cfg.n_layer, cfg.block_size
        dt = model.flat.dtype
        self.cache = np.empty((L, blk, 3 * C + 1), dt)  # (L, block, q | k | v | 1)
        self.cache[:, :, -1] = 1.0
        self.pos = 0
        self.x, self.xn, self.tmp, self.y = (np.empty(C, dt) for _ in range(4))
        self.qk, self.att = np.empty((blk, C), dt), np.empty((blk, H), dt)
        self.att_max = np.empty(H, dt)
        self.heads = _head_indicator(C, H, dt)  # (C, H), 1/sqrt(D) where feature c is in head h
        self.att_v = np.empty((H, C + 1), dt)  # att^T @ (v | 1)
        self.att_v_own = np.einsum("hhd->hd", self.att_v[:, :C].reshape(H, H, D))  # (H, D) view
        self.att_sum, self.y_heads = self.att_v[:, C:], self.y.reshape(H, D)  # (H, 1), (H, D)
        self.h, self.act = np.empty(4 * C, dt), np.empty(4 * C, dt)
        self.wpe = self.p.emb[cfg.vocab_size :]  # (block, C)

    def _rmsnorm(self, x: np.ndarray, out: np.ndarray) -> None:
        """out = x / sqrt(mean(x^2) + eps)."""
        np.multiply(x, 1.0 / math.sqrt(x.dot(x) / len(x) + RMS_EPS), out)

    def feed(self, token: int) -> np.ndarray:
        """Logits (V,) of the next token after feeding `token` at the next position."""
        cfg, t, p, C = self.cfg, self.pos, self.p, self.cfg.n_embd
        if t >= cfg.block_size:
            raise ValueError(f"the context is full (block_size {cfg.block_size})")
        x, xn, tmp, qk, att = self.x, self.xn, self.tmp, self.qk[: t + 1], self.att[: t + 1]
        np.add(p.wte[token], self.wpe[t], x)
        if cfg.post_embed_norm:
            self._rmsnorm(x, x)
        for i in range(cfg.n_layer):
            rows = self.cache[i, : t + 1]  # (t+1, 3C+1)
            self._rmsnorm(x, xn)
            p.wqkv[i].dot(xn, rows[t, : 3 * C])  # q | k | v
            if t == 0:  # one position: its weight is exactly 1, y = v
                p.wo[i].dot(rows[0, 2 * C : 3 * C], tmp)
            else:
                np.multiply(rows[:, C : 2 * C], rows[t, :C], qk)  # k * the new q, (t+1, C)
                qk.dot(self.heads, att)  # scaled scores, (t+1, H)
                np.maximum.reduce(att, axis=0, out=self.att_max)
                np.subtract(att, self.att_max, att)
                np.exp(att, att)
                att.T.dot(rows[:, 2 * C :], self.att_v)  # (H, C+1)
                np.divide(self.att_v_own, self.att_sum, self.y_heads)  # softmax-weighted v
                p.wo[i].dot(self.y, tmp)
            np.add(x, tmp, x)
            self._rmsnorm(x, xn)
            p.fc1[i].dot(xn, self.h)  # (4C,)
            np.maximum(self.h, 0.0, out=self.act)
            if cfg.activation == "relu2":
                np.multiply(self.act, self.act, self.act)
            p.fc2[i].dot(self.act, tmp)
            np.add(x, tmp, x)
        self.pos += 1
        return p.head.dot(x)  # (V,)


@functools.cache
def _head_indicator(C: int, H: int, dtype: np.dtype) -> np.ndarray:
    """(C, H): 1/sqrt(head_dim) where feature c belongs to head h, else 0; read-only, shared."""
    D = C // H
    m = np.repeat(np.eye(H, dtype=dtype) / math.sqrt(D), D, axis=0)
    m.flags.writeable = False
    return m


def next_token_probs(logits: np.ndarray, temperature: float = 1.0, top_k: int | None = None):
    """Probabilities (..., V) from logits after temperature and top-k; BOS is never a next token."""
    z = np.divide(logits, temperature, dtype=np.float64)  # a new array
    z[..., BOS] = -np.inf
    if top_k is not None and top_k < z.shape[-1] - 1:
        kth = np.sort(z, axis=-1)[..., -top_k][..., None]
        z[z < kth] = -np.inf
    keep = z.ndim > 1  # one row (`stream`): a scalar max and sum, cheaper
    np.subtract(z, np.maximum.reduce(z, axis=-1, keepdims=keep), z)
    np.exp(z, z)
    return np.divide(z, np.add.reduce(z, axis=-1, keepdims=keep), z)


def _draw_one(probs: np.ndarray, rng: np.random.Generator) -> int:
    """`_draw` for one distribution (V,): the same index for the same random number."""
    cdf = np.add.accumulate(probs)
    return min(int(cdf.searchsorted(rng.random() * cdf[-1], "right")), len(probs) - 1)


def _draw(probs: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One index per row of `probs` (B, V), by inverse CDF."""
    cdf = np.cumsum(probs, axis=-1)
    u = rng.random(probs.shape[0]) * cdf[:, -1]
    return np.minimum((cdf <= u[:, None]).sum(axis=-1), probs.shape[-1] - 1)


@dataclass(frozen=True)
class SampleStep:
    """One generated token: its id and character, the distribution it was drawn from."""

    position: int  # index of the token in the generated text (after the prefix)
    token: int
    char: str  # "" for EOS
    probs: np.ndarray  # (V,) read-only: the distribution after temperature and top-k
    text: str  # prefix + characters so far
    done: bool  # EOS drawn or the block is full


def _prefix_ids(tokenizer: Tokenizer, prefix: str, block_size: int) -> list[int]:
    ids = tokenizer.encode(prefix, eos=False)
    if len(ids) > block_size:
        raise TokenizerError(
            f"prefix {prefix!r} is {len(prefix)} characters; the block holds {block_size - 1}"
        )
    return ids


def stream(
    model: GPT,
    tokenizer: Tokenizer,
    rng: np.random.Generator,
    *,
    prefix: str = "",
    temperature: float = 1.0,
    top_k: int | None = None,
) -> Iterator[SampleStep]:
    """Generate one name, yielding every drawn token with its probability vector."""
    ids = _prefix_ids(tokenizer, prefix, model.config.block_size)
    dec = StreamDecoder(model)
    for tok in ids:
        logits = dec.feed(tok)
    text = prefix
    block = model.config.block_size
    for pos in range(block - len(ids) + 1):
        probs = next_token_probs(logits, temperature, top_k)  # (V,)
        tok = _draw_one(probs, rng)
        probs.flags.writeable = False
        done = tok == EOS or dec.pos >= block
        char = "" if tok == EOS else tokenizer.token_str(tok)
        text += char
        yield SampleStep(pos, tok, char, probs, text, done)
        if done:
            return
        logits = dec.feed(tok)


def sample_name(model: GPT, tokenizer: Tokenizer, rng: np.random.Generator, **kw) -> str:
    """One name (streamed, the probabilities dropped)."""
    text = kw.get("prefix", "")
    for step in stream(model, tokenizer, rng, **kw):
        text = step.text
    return text


def sample_names(
    model: GPT,
    tokenizer: Tokenizer,
    n: int,
    rng: np.random.Generator,
    *,
    prefix: str = "",
    temperature: float = 1.0,
    top_k: int | None = None,
) -> list[str]:
    """`n` names drawn at once, all sequences advancing together through the KV cache."""
    if n <= 0:
        return []
    block = model.config.block_size
    ids = _prefix_ids(tokenizer, prefix, block)
    dec = KVDecoder(model, batch=n)
    for tok in ids:
        logits = dec.feed(np.full(n, tok))
    out = np.full((n, block), EOS, dtype=np.int64)
    alive = np.ones(n, dtype=bool)
    for j in range(block - len(ids) + 1):
        tok = _draw(next_token_probs(logits, temperature, top_k), rng)
        tok[~alive] = EOS
        out[:, j] = tok
        alive &= tok != EOS
        if not alive.any() or dec.pos >= block:
            break
        logits = dec.feed(tok)
    names = []
    for row in out:
        stop = np.flatnonzero(row == EOS)
        names.append(prefix + tokenizer.decode(row[: stop[0] if len(stop) else len(row)]))
    return names
