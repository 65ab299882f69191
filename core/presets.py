"""The named presets of DESIGN.md: the document's model, Karpathy's microgpt.py, makemore's size.

A preset bundles a model, a training and a sampling config; the model's vocab_size is filled in
from the dataset when the model is built. Override any field with `dataclasses.replace`.
"""

from __future__ import annotations

from dataclasses import dataclass

from .config import ConfigError, GPTConfig, SampleConfig, TrainConfig


@dataclass(frozen=True)
class Preset:
    name: str
    description: str
    model: GPTConfig
    train: TrainConfig
    sample: SampleConfig


PRESETS: dict[str, Preset] = {
    "seed": Preset(
        "seed",
        "the document's model: 1 layer, 16 wide, block 8, tied head, relu^2",
        GPTConfig(
            block_size=8,
            n_layer=1,
            n_head=4,
            n_embd=16,
            tie_weights=True,
            activation="relu2",
            post_embed_norm=False,
            init_std=0.02,
            zero_init_proj=True,
        ),
        TrainConfig(num_steps=1000, batch_size=1, lr=0.01, beta1=0.9, beta2=0.95),
        SampleConfig(temperature=1.0, num_samples=5),
    ),
    "microgpt": Preset(
        "microgpt",
        "Karpathy's final microgpt.py: block 16, own lm_head, relu, post-embedding norm",
        GPTConfig(
            block_size=16,
            n_layer=1,
            n_head=4,
            n_embd=16,
            tie_weights=False,
            activation="relu",
            post_embed_norm=True,
            init_std=0.08,
            zero_init_proj=False,
        ),
        TrainConfig(num_steps=1000, batch_size=1, lr=0.01, beta1=0.85, beta2=0.99),
        SampleConfig(temperature=0.5, num_samples=20),
    ),
    "makemore": Preset(
        "makemore",
        "makemore's transformer size: 4 layers, 64 wide, ~201k parameters, batch 32, dropout 0.1",
        GPTConfig(
            block_size=16,
            n_layer=4,
            n_head=4,
            n_embd=64,
            tie_weights=False,
            activation="relu2",
            post_embed_norm=True,
            init_std=0.02,
            zero_init_proj=False,
            dropout=0.1,
        ),
        # tuned on the bundled names (bench/QUALITY.md): without dropout it overfits past ~12
        # epochs; with dropout 0.1 and AdamW decay 0.1 it trains ~31 epochs, about 5 minutes,
        # to validation loss 1.945 on the default seed's split (1.900-1.957 over five splits;
        # makemore's own figure is 1.92)
        TrainConfig(
            num_steps=28000,
            batch_size=32,
            lr=1.5e-3,
            warmup_steps=500,
            beta1=0.9,
            beta2=0.99,
            weight_decay=0.1,
            eval_every=1000,
        ),
        SampleConfig(temperature=1.0, num_samples=20),
    ),
}

DEFAULT_PRESET = "seed"


def get_preset(name: str) -> Preset:
    """The preset called `name`, or a ConfigError listing the known ones."""
    try:
        return PRESETS[name]
    except KeyError:
        raise ConfigError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}") from None
