"""Sampling, one token at a time with a KV cache: only the new token's q, k and v are computed.

`stream` yields each chosen character with the full next-token distribution (after temperature
and top-k); `sample_names` draws many names at once. Randomness comes in as a Generator.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from .layers import RMS_EPS
from .model import GPT, LAYER_PARAMS
from .tokenizer import BOS, EOS, Tokenizer, TokenizerError


def _rmsnorm(x):
    return x / np.sqrt((x * x).mean(axis=-1, keepdims=True) + RMS_EPS)


class KVDecoder:
    """Feeds tokens of B sequences one position at a time; keeps each layer's keys and values."""

    def __init__(self, model: GPT, batch: int = 1) -> None:
        cfg = model.config
        self.model, self.cfg = model, cfg
        H, D = cfg.n_head, cfg.head_dim
        shape = (cfg.n_layer, batch, H, cfg.block_size, D)  # (L, B, H, block, D)
        self.k = np.zeros(shape, dtype=model.flat.dtype)
        self.v = np.zeros(shape, dtype=model.flat.dtype)
        self.pos = 0
        self.layers = [
            [model.params[f"layer{i}.{n}"] for n in LAYER_PARAMS] for i in range(cfg.n_layer)
        ]
        self.head = model.params["wte" if cfg.tie_weights else "lm_head"]

    def feed(self, tokens: np.ndarray) -> np.ndarray:
        """Logits (B, V) of the next token after feeding `tokens` (B,) at the next position."""
        cfg, t = self.cfg, self.pos
        if t >= cfg.block_size:
            raise ValueError(f"the context is full (block_size {cfg.block_size})")
        p = self.model.params
        B, H, D = len(tokens), cfg.n_head, cfg.head_dim
        x = p["wte"][tokens] + p["wpe"][t]  # (B, C)
        if cfg.post_embed_norm:
            x = _rmsnorm(x)
        for i, (wq, wk, wv, wo, fc1, fc2) in enumerate(self.layers):
            xn = _rmsnorm(x)
            q = (xn @ wq.T).reshape(B, H, D)
            self.k[i, :, :, t] = (xn @ wk.T).reshape(B, H, D)
            self.v[i, :, :, t] = (xn @ wv.T).reshape(B, H, D)
            keys, values = self.k[i, :, :, : t + 1], self.v[i, :, :, : t + 1]  # (B, H, t+1, D)
            att = np.einsum("bhd,bhtd->bht", q, keys) / np.sqrt(D)  # (B, H, t+1)
            att = np.exp(att - att.max(axis=-1, keepdims=True))
            att /= att.sum(axis=-1, keepdims=True)
            y = np.einsum("bht,bhtd->bhd", att, values).reshape(B, H * D)  # (B, C)
            x = x + y @ wo.T
            h = _rmsnorm(x) @ fc1.T  # (B, 4C)
            r = np.maximum(h, 0.0)
            x = x + (r * r if cfg.activation == "relu2" else r) @ fc2.T
        self.pos += 1
        return x @ self.head.T  # (B, V)


def next_token_probs(logits: np.ndarray, temperature: float = 1.0, top_k: int | None = None):
    """Probabilities (..., V) from logits after temperature and top-k; BOS is never a next token."""
    z = np.array(logits, dtype=np.float64) / temperature
    z[..., BOS] = -np.inf
    if top_k is not None and top_k < z.shape[-1] - 1:
        kth = np.sort(z, axis=-1)[..., -top_k][..., None]
        z[z < kth] = -np.inf
    z -= z.max(axis=-1, keepdims=True)
    probs = np.exp(z)
    return probs / probs.sum(axis=-1, keepdims=True)


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
    dec = KVDecoder(model)
    for tok in ids:
        logits = dec.feed(np.array([tok]))
    text = prefix
    for pos in range(model.config.block_size - len(ids) + 1):
        probs = next_token_probs(logits, temperature, top_k)
        tok = int(_draw(probs, rng)[0])
        probs = probs[0]
        probs.flags.writeable = False
        done = tok == EOS or dec.pos >= model.config.block_size
        char = "" if tok == EOS else tokenizer.token_str(tok)
        text += char
        yield SampleStep(pos, tok, char, probs, text, done)
        if done:
            return
        logits = dec.feed(np.array([tok]))


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
