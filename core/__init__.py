"""microgpt core: a NumPy GPT with hand-written gradients, its trainer, sampler and checkpoints.

Imports numpy and the standard library only; no UI. Start with `Run.create("seed")`.
"""

from .checkpoint import Checkpoint, CheckpointError
from .config import ConfigError, GPTConfig, SampleConfig, TrainConfig
from .data import Batch, DataError, Dataset, bundled_names_path, read_docs
from .model import GPT
from .optim import Adam, lr_at
from .presets import DEFAULT_PRESET, PRESETS, Preset, get_preset
from .run import Run, load_dataset
from .sample import KVDecoder, SampleStep, next_token_probs, sample_name, sample_names, stream
from .tokenizer import BOS, EOS, Tokenizer, TokenizerError
from .train import StepRecord, Trainer

__all__ = [
    "Adam",
    "BOS",
    "Batch",
    "Checkpoint",
    "CheckpointError",
    "ConfigError",
    "DEFAULT_PRESET",
    "DataError",
    "Dataset",
    "EOS",
    "GPT",
    "GPTConfig",
    "KVDecoder",
    "PRESETS",
    "Preset",
    "Run",
    "SampleConfig",
    "SampleStep",
    "StepRecord",
    "Tokenizer",
    "TokenizerError",
    "TrainConfig",
    "Trainer",
    "bundled_names_path",
    "get_preset",
    "load_dataset",
    "lr_at",
    "next_token_probs",
    "read_docs",
    "sample_name",
    "sample_names",
    "stream",
]
