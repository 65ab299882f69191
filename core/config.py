"""Typed, validated configuration: one frozen dataclass per concern (model, training, sampling).

Every field is checked in `__post_init__`, so an impossible config fails where it is made, with a
message naming the field and the value. Changes go through `dataclasses.replace`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields

ACTIVATIONS = ("relu2", "relu")
ENGINES = ("numpy", "scalar")
DTYPES = ("float64", "float32")


class ConfigError(ValueError):
    """An impossible configuration value; the message names the field and the value."""


def _positive_int(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ConfigError(f"{name} must be a positive integer, got {value!r}")


def _positive_float(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ConfigError(f"{name} must be a finite number, got {value!r}")
    if value <= 0:
        raise ConfigError(f"{name} must be > 0, got {value!r}")


def _nonnegative_float(name: str, value: object) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not (math.isfinite(value) and value >= 0)
    ):
        raise ConfigError(f"{name} must be a finite number >= 0, got {value!r}")


def _fraction(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value < 1:
        raise ConfigError(f"{name} must be in [0, 1), got {value!r}")


def _choice(name: str, value: object, choices: tuple[str, ...]) -> None:
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, got {value!r}")


class _Jsonable:
    """to_dict / from_dict for the flat dataclasses below (checkpoints store them as JSON)."""

    def to_dict(self) -> dict:
        return asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls, data: dict):
        names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        unknown = sorted(set(data) - names)
        if unknown:
            raise ConfigError(f"unknown {cls.__name__} field(s): {', '.join(unknown)}")
        return cls(**data)


@dataclass(frozen=True)
class GPTConfig(_Jsonable):
    """The model's shape and initialisation (DESIGN.md, 'The model')."""

    vocab_size: int = 28
    block_size: int = 8
    n_layer: int = 1
    n_head: int = 4
    n_embd: int = 16
    tie_weights: bool = True  # logits = x @ wte^T; no lm_head
    activation: str = "relu2"  # relu^2 (the document) or relu (microgpt.py)
    post_embed_norm: bool = False  # rmsnorm right after wte + wpe
    init_std: float = 0.02
    zero_init_proj: bool = True  # attn_wo and mlp_fc2 start at zero
    dtype: str = "float64"
    dropout: float = 0.0  # inverted dropout in training steps only (embedding, block outputs)

    def __post_init__(self) -> None:
        for name in ("vocab_size", "n_layer", "n_head", "n_embd"):
            _positive_int(name, getattr(self, name))
        _positive_int("block_size", self.block_size)
        if self.vocab_size < 3:
            raise ConfigError(
                f"vocab_size must be at least 3 (BOS, EOS, a character), got {self.vocab_size}"
            )
        if self.block_size < 2:
            raise ConfigError(f"block_size must be at least 2, got {self.block_size}")
        if self.n_embd % self.n_head:
            raise ConfigError(f"n_embd ({self.n_embd}) must be divisible by n_head ({self.n_head})")
        _choice("activation", self.activation, ACTIVATIONS)
        _choice("dtype", self.dtype, DTYPES)
        _nonnegative_float("init_std", self.init_std)
        _fraction("dropout", self.dropout)

    @property
    def head_dim(self) -> int:
        return self.n_embd // self.n_head


@dataclass(frozen=True)
class TrainConfig(_Jsonable):
    """How to train: steps, batch, Adam and its schedule, evaluation."""

    num_steps: int = 1000
    batch_size: int = 1
    lr: float = 0.01
    beta1: float = 0.9
    beta2: float = 0.95
    eps: float = 1e-8
    warmup_steps: int = 0  # linear warm-up, then linear decay to 0 (the document's schedule)
    eval_every: int = (
        100  # validation loss every k steps (and at the last step); 0 = only at the end
    )
    seed: int = 42
    engine: str = "numpy"
    weight_decay: float = 0.0  # decoupled (AdamW) decay; 0 is the document's plain Adam

    def __post_init__(self) -> None:
        _positive_int("num_steps", self.num_steps)
        _positive_int("batch_size", self.batch_size)
        _positive_float("lr", self.lr)
        _fraction("beta1", self.beta1)
        _fraction("beta2", self.beta2)
        _positive_float("eps", self.eps)
        if (
            isinstance(self.warmup_steps, bool)
            or not isinstance(self.warmup_steps, int)
            or not (0 <= self.warmup_steps < self.num_steps)
        ):
            raise ConfigError(
                f"warmup_steps must be an integer in [0, num_steps), got {self.warmup_steps!r}"
            )
        if (
            isinstance(self.eval_every, bool)
            or not isinstance(self.eval_every, int)
            or (self.eval_every < 0)
        ):
            raise ConfigError(f"eval_every must be an integer >= 0, got {self.eval_every!r}")
        if isinstance(self.seed, bool) or not isinstance(self.seed, int) or self.seed < 0:
            raise ConfigError(f"seed must be an integer >= 0, got {self.seed!r}")
        _choice("engine", self.engine, ENGINES)
        _nonnegative_float("weight_decay", self.weight_decay)


@dataclass(frozen=True)
class SampleConfig(_Jsonable):
    """How to sample: temperature, top-k (None = off) and how many names."""

    temperature: float = 1.0
    top_k: int | None = None
    num_samples: int = 5

    def __post_init__(self) -> None:
        _positive_float("temperature", self.temperature)
        if self.top_k is not None:
            _positive_int("top_k", self.top_k)
        if (
            isinstance(self.num_samples, bool)
            or not isinstance(self.num_samples, int)
            or (self.num_samples < 0)
        ):
            raise ConfigError(f"num_samples must be an integer >= 0, got {self.num_samples!r}")
