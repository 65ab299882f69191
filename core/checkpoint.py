"""Checkpoints: one `.npz` (never a pickle) with the parameters under their names, Adam's state,
the step, the configs and the vocabulary as JSON. Written atomically: a temporary file, then rename.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .config import ConfigError, GPTConfig, SampleConfig, TrainConfig
from .model import GPT
from .optim import Adam
from .tokenizer import Tokenizer

FORMAT = "microgpt-tui-checkpoint"
VERSION = 2  # 2: Adam's state as its decayed sums (exact on resume); 1: as moments m and v
READS = (1, 2)


class CheckpointError(ValueError):
    """A checkpoint that cannot be loaded; the message names the problem and the path."""


@dataclass
class Checkpoint:
    """Everything needed to sample from a model or to continue its training exactly."""

    model: GPT
    tokenizer: Tokenizer
    train_config: TrainConfig
    optimizer: Adam
    step: int
    sample_config: SampleConfig
    rng_state: dict | None = None  # bit generator state of the sampling Generator
    meta: dict | None = None  # free-form: preset name, dataset name, ...


def save(path: str | os.PathLike, ckpt: Checkpoint) -> Path:
    """Write `ckpt` to `path` atomically (a crash mid-write leaves any old file intact)."""
    path = Path(path)
    header = {
        "format": FORMAT,
        "version": VERSION,
        "model_config": ckpt.model.config.to_dict(),
        "train_config": ckpt.train_config.to_dict(),
        "sample_config": ckpt.sample_config.to_dict(),
        "tokenizer": ckpt.tokenizer.to_json(),
        "step": ckpt.step,
        "adam_t": ckpt.optimizer.t,
        "rng_state": ckpt.rng_state,
        "meta": ckpt.meta or {},
    }
    arrays = {f"param/{name}": w for name, w in ckpt.model.params.items()}
    arrays["adam/sums"] = ckpt.optimizer.sums
    arrays["header"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    except OSError as e:
        raise CheckpointError(f"cannot write checkpoint ({e.strerror or e}): {path}") from None
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise CheckpointError(f"cannot write checkpoint ({e.strerror or e}): {path}") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def load(path: str | os.PathLike) -> Checkpoint:
    """Read a checkpoint; any problem is a CheckpointError and nothing is half-loaded."""
    path = Path(path)
    if not path.exists():
        raise CheckpointError(f"checkpoint not found: {path}")
    if path.is_dir():
        raise CheckpointError(f"checkpoint is a directory, not a file: {path}")
    if not zipfile.is_zipfile(path):
        raise CheckpointError(
            f"not a checkpoint: not an .npz archive (truncated, or another format): {path}"
        )
    try:
        with np.load(path, allow_pickle=False) as z:
            arrays = {k: z[k] for k in z.files}
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, KeyError) as e:
        raise CheckpointError(f"not a readable checkpoint ({_short(e)}): {path}") from None
    try:
        header = json.loads(arrays.pop("header").tobytes().decode())
    except KeyError:
        raise CheckpointError(f"not a microgpt-tui checkpoint (no header): {path}") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise CheckpointError(f"checkpoint header is corrupt: {path}") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise CheckpointError(f"not a microgpt-tui checkpoint: {path}")
    version = header.get("version")
    if type(version) is not int or version not in READS:  # JSON's true == 1 and 2.0 == 2
        raise CheckpointError(
            f"checkpoint version {version!r} is not supported "
            f"(this build reads versions {', '.join(map(str, READS))}): {path}"
        )
    try:
        cfg = GPTConfig.from_dict(header["model_config"])
        train = TrainConfig.from_dict(header["train_config"])
        sample = SampleConfig.from_dict(header["sample_config"])
        tokenizer = Tokenizer.from_json(header["tokenizer"])
        step, adam_t = int(header["step"]), int(header["adam_t"])
    except (KeyError, TypeError, ValueError, ConfigError) as e:
        raise CheckpointError(f"checkpoint header is invalid ({_short(e)}): {path}") from None
    if tokenizer.vocab_size != cfg.vocab_size:
        raise CheckpointError(
            f"checkpoint vocabulary ({tokenizer.vocab_size}) does not match its model "
            f"({cfg.vocab_size}): {path}"
        )
    model = GPT.init(cfg, np.random.default_rng(0))
    for name, w in model.params.items():
        stored = arrays.get(f"param/{name}")
        if stored is None or stored.shape != w.shape:
            got = "missing" if stored is None else f"shape {stored.shape}"
            raise CheckpointError(f"parameter {name} is {got}, expected {w.shape}: {path}")
        w[...] = stored
    opt = Adam(model.num_params, train.beta1, train.beta2, train.eps, cfg.dtype)
    if version == 1:  # moments m and v, converted to sums (to within rounding)
        opt.set_moments(*(_state(arrays, key, opt.sums[0].shape, path) for key in ("m", "v")))
    else:
        opt.sums[...] = _state(arrays, "sums", opt.sums.shape, path)
    opt.t = adam_t
    if not (np.isfinite(model.flat).all() and np.isfinite(opt.sums).all()):
        raise CheckpointError(f"checkpoint holds non-finite numbers: {path}")
    return Checkpoint(
        model,
        tokenizer,
        train,
        opt,
        step,
        sample,
        header.get("rng_state"),
        header.get("meta") or {},
    )


def _state(arrays: dict, key: str, shape: tuple, path: Path) -> np.ndarray:
    """The optimizer array adam/`key`, checked for its shape."""
    stored = arrays.get(f"adam/{key}")
    if stored is None or stored.shape != shape:
        raise CheckpointError(f"optimizer state adam/{key} is missing or the wrong size: {path}")
    return stored


def _short(e: BaseException) -> str:
    return str(e).splitlines()[0][:120] if str(e) else type(e).__name__
