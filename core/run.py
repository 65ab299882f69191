"""A training run in one object: dataset, model, trainer, sampling settings and a seeded RNG.

This is what the CLI, the app and scripts share, so the same seed gives the same run everywhere.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from . import checkpoint as ckpt_io
from .config import ConfigError, SampleConfig
from .data import DataError, Dataset, bundled_names_path, read_docs
from .model import GPT, views
from .presets import DEFAULT_PRESET, get_preset
from .sample import SampleStep, sample_names, stream
from .tokenizer import TokenizerError
from .train import Trainer

BUNDLED = "names"  # the data source label of the bundled names


def load_dataset(
    data: str | os.PathLike | Sequence[str] | None, block_size: int, *, seed: int, tokenizer=None
) -> Dataset:
    """The bundled names (None), a text file (a path) or a list of documents, as a Dataset."""
    if data is None or data == BUNDLED:
        docs_source, name, docs = str(bundled_names_path()), BUNDLED, None
    elif isinstance(data, (str, os.PathLike)):
        docs_source, name, docs = str(data), Path(data).stem, None
    else:
        docs_source, name, docs = None, "custom", list(data)
    if docs is None:
        docs = read_docs(docs_source)
    try:
        return Dataset(
            docs, block_size, seed=seed, tokenizer=tokenizer, name=name, source=docs_source
        )
    except TokenizerError as e:
        where = f": {docs_source}" if docs_source else ""
        raise DataError(f"dataset does not fit the checkpoint's vocabulary ({e}){where}") from None


@dataclass
class Run:
    """Everything one training run needs; `trainer.steps()` drives it."""

    preset: str
    dataset: Dataset
    model: GPT
    trainer: Trainer
    sample_config: SampleConfig
    rng: np.random.Generator  # sampling randomness (initialisation drew from it first)
    data: str | None = None  # where the documents came from (a path, "names" or None)

    @classmethod
    def create(
        cls,
        preset: str = DEFAULT_PRESET,
        data: str | os.PathLike | Sequence[str] | None = None,
        *,
        model: dict | None = None,
        train: dict | None = None,
        sample: dict | None = None,
    ) -> Run:
        """A fresh run of `preset` on `data`, with field overrides for each config."""
        p = get_preset(preset)
        train_cfg = _replace(p.train, train)
        sample_cfg = _replace(p.sample, sample)
        model_cfg = _replace(p.model, {k: v for k, v in (model or {}).items() if k != "vocab_size"})
        dataset = load_dataset(data, model_cfg.block_size, seed=train_cfg.seed)
        model_cfg = replace(model_cfg, vocab_size=dataset.vocab_size)
        rng = np.random.default_rng(train_cfg.seed)
        gpt = GPT.init(model_cfg, rng)
        label = _data_label(data)
        return cls(preset, dataset, gpt, Trainer(gpt, dataset, train_cfg), sample_cfg, rng, label)

    @classmethod
    def load(
        cls, path: str | os.PathLike, data: str | os.PathLike | Sequence[str] | None = None
    ) -> Run:
        """A run restored from a checkpoint, on `data` or on the data it was trained on."""
        ck = ckpt_io.load(path)
        meta = ck.meta or {}
        if data is None:
            if "data" in meta and meta["data"] is None:
                raise DataError(
                    f"this checkpoint was trained on a list of documents; pass it as data=: {path}"
                )
            data = meta.get("data") or BUNDLED
        dataset = load_dataset(
            data, ck.model.config.block_size, seed=ck.train_config.seed, tokenizer=ck.tokenizer
        )
        trainer = Trainer(ck.model, dataset, ck.train_config, optimizer=ck.optimizer, step=ck.step)
        rng = np.random.default_rng(ck.train_config.seed)
        if ck.rng_state:
            rng.bit_generator.state = ck.rng_state
        return cls(
            meta.get("preset", "custom"),
            dataset,
            ck.model,
            trainer,
            ck.sample_config,
            rng,
            _data_label(data),
        )

    def restart(self) -> Run:
        """A fresh run on the same data and configs: step 0, the seed's initial weights."""
        cfg = self.trainer.config
        rng = np.random.default_rng(cfg.seed)
        gpt = GPT.init(self.model.config, rng)
        trainer = Trainer(gpt, self.dataset, cfg)
        return Run(self.preset, self.dataset, gpt, trainer, self.sample_config, rng, self.data)

    def save(self, path: str | os.PathLike) -> Path:
        """Write a checkpoint from which training resumes exactly."""
        return ckpt_io.save(path, self.checkpoint())

    def checkpoint(self) -> ckpt_io.Checkpoint:
        """A copy of the run's state (safe to write while training goes on elsewhere)."""
        return ckpt_io.Checkpoint(
            self.model.copy(),
            self.dataset.tokenizer,
            self.trainer.config,
            self.trainer.optimizer.copy(),
            self.trainer.step,
            self.sample_config,
            self.rng.bit_generator.state,
            {"preset": self.preset, "data": self.data},
        )

    def sample(self, n: int | None = None, *, prefix: str = "", **overrides) -> list[str]:
        """`n` names (the preset's number by default), drawn at once."""
        cfg = _replace(self.sample_config, overrides)
        n = cfg.num_samples if n is None else n
        return sample_names(
            self.model,
            self.dataset.tokenizer,
            n,
            self.rng,
            prefix=prefix,
            temperature=cfg.temperature,
            top_k=cfg.top_k,
        )

    def stream(self, prefix: str = "", **overrides) -> Iterator[SampleStep]:
        """One name, token by token, with each next-token distribution."""
        cfg = _replace(self.sample_config, overrides)
        return stream(
            self.model,
            self.dataset.tokenizer,
            self.rng,
            prefix=prefix,
            temperature=cfg.temperature,
            top_k=cfg.top_k,
        )

    def attention(self, text: str) -> np.ndarray:
        """Attention weights (n_layer, n_head, T, T) over BOS + `text` (cut to the block)."""
        return self.model.attention(self.dataset.tokenizer.encode(text, eos=False))

    def loss_and_grads(self, docs: Sequence[str]) -> tuple[float, dict[str, np.ndarray]]:
        """Mean loss over every predicted position of `docs` and the gradient of each parameter."""
        b = self.dataset.encode_many(docs)
        loss, _, dflat = self.model.loss_and_grads(b.idx, b.targets, b.mask)
        return loss, views(dflat, self.model.shapes)


def _replace(cfg, overrides: dict | None):
    if not overrides:
        return cfg
    unknown = sorted(set(overrides) - set(cfg.to_dict()))
    if unknown:
        raise ConfigError(f"unknown {type(cfg).__name__} field(s): {', '.join(unknown)}")
    return replace(cfg, **overrides)


def _data_label(data) -> str | None:
    if data is None or data == BUNDLED:
        return BUNDLED
    if isinstance(data, (str, os.PathLike)):
        return str(Path(data).resolve())
    return None
