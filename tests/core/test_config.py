"""Config validation: every impossible value is refused where it is made, naming the field."""

import dataclasses
import math

import pytest

from core.config import ConfigError, GPTConfig, SampleConfig, TrainConfig
from core.presets import DEFAULT_PRESET, PRESETS, get_preset


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"n_embd": 15}, "n_embd"),
        ({"n_embd": 16, "n_head": 3}, "n_head"),
        ({"n_embd": 0}, "n_embd"),
        ({"n_head": 0}, "n_head"),
        ({"n_layer": 0}, "n_layer"),
        ({"n_layer": -1}, "n_layer"),
        ({"vocab_size": 2}, "vocab_size"),
        ({"block_size": 1}, "block_size"),
        ({"block_size": 0}, "block_size"),
        ({"n_layer": 1.5}, "n_layer"),
        ({"n_layer": True}, "n_layer"),
        ({"activation": "gelu"}, "activation"),
        ({"dtype": "float16"}, "dtype"),
        ({"init_std": -0.1}, "init_std"),
        ({"init_std": math.nan}, "init_std"),
        ({"dropout": -0.1}, "dropout"),
        ({"dropout": 1.0}, "dropout"),
        ({"dropout": math.nan}, "dropout"),
        ({"dropout": math.inf}, "dropout"),
        ({"dropout": "0.1"}, "dropout"),
        ({"dropout": True}, "dropout"),
    ],
)
def test_gpt_config_refuses(changes, field):
    with pytest.raises(ConfigError, match=field):
        GPTConfig(**changes)


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"num_steps": 0}, "num_steps"),
        ({"batch_size": 0}, "batch_size"),
        ({"lr": 0.0}, "lr"),
        ({"lr": -1.0}, "lr"),
        ({"lr": math.nan}, "lr"),
        ({"lr": math.inf}, "lr"),
        ({"beta1": 1.0}, "beta1"),
        ({"beta2": -0.1}, "beta2"),
        ({"eps": 0.0}, "eps"),
        ({"warmup_steps": 1000}, "warmup_steps"),
        ({"warmup_steps": -1}, "warmup_steps"),
        ({"eval_every": -1}, "eval_every"),
        ({"seed": -1}, "seed"),
        ({"seed": 1.0}, "seed"),
        ({"engine": "torch"}, "engine"),
    ],
)
def test_train_config_refuses(changes, field):
    with pytest.raises(ConfigError, match=field):
        TrainConfig(**changes)


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"temperature": 0.0}, "temperature"),
        ({"temperature": -1.0}, "temperature"),
        ({"temperature": math.nan}, "temperature"),
        ({"top_k": 0}, "top_k"),
        ({"num_samples": -1}, "num_samples"),
    ],
)
def test_sample_config_refuses(changes, field):
    with pytest.raises(ConfigError, match=field):
        SampleConfig(**changes)


def test_messages_name_the_value():
    with pytest.raises(ConfigError, match="-0.5"):
        TrainConfig(lr=-0.5)
    with pytest.raises(ConfigError, match="'gelu'"):
        GPTConfig(activation="gelu")
    with pytest.raises(ConfigError, match=r"dropout must be in \[0, 1\), got 1.5"):
        GPTConfig(dropout=1.5)
    assert GPTConfig().dropout == 0.0 and GPTConfig(dropout=0.99).dropout == 0.99


def test_configs_are_frozen_and_replace_validates():
    cfg = GPTConfig()
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.n_embd = 32
    with pytest.raises(ConfigError, match="n_embd"):
        dataclasses.replace(cfg, n_embd=18)
    assert dataclasses.replace(cfg, n_embd=32, n_head=8).head_dim == 4


@pytest.mark.parametrize("cls", [GPTConfig, TrainConfig, SampleConfig])
def test_dict_round_trip_and_unknown_fields(cls):
    cfg = cls()
    assert cls.from_dict(cfg.to_dict()) == cfg
    with pytest.raises(ConfigError, match="colour"):
        cls.from_dict({**cfg.to_dict(), "colour": "red"})


def test_presets():
    assert DEFAULT_PRESET == "seed"
    assert set(PRESETS) == {"seed", "microgpt", "makemore"}
    for name, preset in PRESETS.items():
        assert get_preset(name) is preset and preset.name == name
    seed, micro = PRESETS["seed"], PRESETS["microgpt"]
    assert (seed.model.block_size, seed.model.tie_weights, seed.model.activation) == (
        8,
        True,
        "relu2",
    )
    assert (seed.train.beta1, seed.train.beta2, seed.sample.temperature) == (0.9, 0.95, 1.0)
    assert (micro.model.block_size, micro.model.tie_weights, micro.model.activation) == (
        16,
        False,
        "relu",
    )
    assert micro.model.post_embed_norm and not seed.model.post_embed_norm
    assert (micro.train.beta1, micro.train.beta2, micro.sample.temperature) == (0.85, 0.99, 0.5)
    # makemore: tuned on the bundled names (bench/QUALITY.md); the only preset with dropout
    mm = PRESETS["makemore"].train
    assert (mm.batch_size, mm.lr, mm.warmup_steps, mm.num_steps) == (32, 1.5e-3, 500, 28000)
    assert (mm.weight_decay, PRESETS["makemore"].model.dropout) == (0.1, 0.1)
    assert seed.model.dropout == micro.model.dropout == 0.0


def test_unknown_preset_lists_the_known_ones():
    with pytest.raises(ConfigError, match="'tiny'.*seed, microgpt, makemore"):
        get_preset("tiny")
