"""Documents in, batches out: load a dataset, split it, and pad batches of token ids with a mask.

A dataset is any UTF-8 text with one document per line (blank lines skipped, whitespace stripped),
or a list of strings. Every document is encoded once into a padded array, so a batch is indexing.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from .tokenizer import EOS, Tokenizer

MAX_FILE_BYTES = 64 * 1024 * 1024  # ~8M short documents; refuse more rather than exhaust memory
MAX_VOCAB = 2048  # more distinct characters than this is not a character-level name list


class DataError(ValueError):
    """A dataset that cannot be used; the message names the problem and the path."""


def bundled_names_path() -> Path:
    """Path of the bundled names list, in an installed wheel or in a source checkout."""
    packaged = resources.files("core").joinpath("_data/names.txt")
    if packaged.is_file():
        return Path(str(packaged))
    return Path(__file__).resolve().parent.parent / "assets" / "names.txt"


def clean_lines(lines: Iterable[str]) -> list[str]:
    """Strip each line and drop blank ones."""
    return [s for s in (line.strip() for line in lines) if s]


def read_docs(path: str | os.PathLike) -> list[str]:
    """The documents of a UTF-8 text file, one per line; DataError names what is wrong."""
    p = Path(path)
    if not p.exists():
        raise DataError(f"dataset not found: {p}")
    if p.is_dir():
        raise DataError(f"dataset is a directory, not a file: {p}")
    size = p.stat().st_size
    if size > MAX_FILE_BYTES:
        raise DataError(f"dataset is {size:,} bytes, over the {MAX_FILE_BYTES:,}-byte limit: {p}")
    raw = p.read_bytes()
    if b"\x00" in raw:
        raise DataError(f"dataset looks binary (it contains NUL bytes): {p}")
    try:
        text = raw.decode("utf-8-sig")  # a byte-order mark is dropped
    except UnicodeDecodeError as e:
        raise DataError(f"dataset is not valid UTF-8 (byte {e.start}): {p}") from None
    docs = clean_lines(text.splitlines())
    if not docs:
        raise DataError(f"dataset has no documents (empty or only blank lines): {p}")
    return docs


@dataclass(frozen=True)
class Batch:
    """Inputs, targets and the mask of predicted positions, all (B, T)."""

    idx: np.ndarray  # (B, T) int token ids
    targets: np.ndarray  # (B, T) int next-token ids
    mask: np.ndarray  # (B, T) bool, True where a prediction counts
    docs: tuple[str, ...]


class Dataset:
    """Documents, their tokenizer, a seeded train/validation split and padded batches."""

    def __init__(
        self,
        docs: Sequence[str],
        block_size: int,
        *,
        seed: int = 42,
        tokenizer: Tokenizer | None = None,
        name: str = "custom",
        source: str | None = None,
    ) -> None:
        self.docs = list(docs)
        self.name = name
        self.source = source
        where = f": {source}" if source else ""
        if not self.docs:
            raise DataError(f"dataset has no documents{where}")
        self.tokenizer = tokenizer or Tokenizer.from_docs(self.docs)
        if self.tokenizer.vocab_size - 2 > MAX_VOCAB:
            raise DataError(
                f"dataset has {self.tokenizer.vocab_size - 2:,} distinct characters (vocabulary "
                f"{self.tokenizer.vocab_size:,}), over the limit of {MAX_VOCAB:,}{where}"
            )
        self.block_size = block_size
        # (N, block + 1): BOS, the characters, EOS, cut to the block; padded with EOS
        n = len(self.docs)
        self.tokens = np.full((n, block_size + 1), EOS, dtype=np.int32)
        self.n_pred = np.empty(n, dtype=np.int64)  # predicted positions per document
        for i, doc in enumerate(self.docs):
            ids = self.tokenizer.encode(doc[: block_size + 1])[: block_size + 1]
            self.tokens[i, : len(ids)] = ids
            self.n_pred[i] = len(ids) - 1
        self.num_cut = int(sum(len(d) + 2 > block_size + 1 for d in self.docs))
        self.max_doc_len = max(len(d) for d in self.docs)
        # validation: 10% capped at 1,000, as makemore does
        n_val = min(1000, n // 10)
        perm = np.random.default_rng(seed).permutation(n)
        self.val_ids = np.sort(perm[:n_val])
        self.train_ids = np.sort(perm[n_val:])
        self._doc_set: frozenset[str] | None = None
        self._order: tuple[tuple[int, int], np.ndarray] | None = None  # last (epoch, seed) order

    @classmethod
    def from_path(
        cls, path: str | os.PathLike, block_size: int, *, seed: int = 42, name: str | None = None
    ) -> Dataset:
        p = Path(path)
        return cls(read_docs(p), block_size, seed=seed, name=name or p.stem, source=str(p))

    @classmethod
    def names(cls, block_size: int, *, seed: int = 42) -> Dataset:
        """The bundled list of 29,910 US baby names."""
        return cls.from_path(bundled_names_path(), block_size, seed=seed, name="names")

    @property
    def vocab_size(self) -> int:
        return self.tokenizer.vocab_size

    def __len__(self) -> int:
        return len(self.docs)

    def contains(self, doc: str) -> bool:
        """Whether `doc` is one of the dataset's documents (train or validation)."""
        if self._doc_set is None:
            self._doc_set = frozenset(self.docs)
        return doc in self._doc_set

    def batch(self, ids: np.ndarray) -> Batch:
        """The padded batch of documents `ids` (indices into `docs`)."""
        ids = np.asarray(ids)
        n_pred = self.n_pred[ids]
        T = int(n_pred.max())
        rows = self.tokens[ids]
        mask = np.arange(T)[None, :] < n_pred[:, None]  # (B, T)
        return Batch(rows[:, :T], rows[:, 1 : T + 1], mask, tuple(self.docs[i] for i in ids))

    def train_order(self, epoch: int, seed: int) -> np.ndarray:
        """The training documents of `epoch`, shuffled by (seed, epoch) alone (resumable)."""
        rng = np.random.default_rng([seed, epoch])
        return self.train_ids[rng.permutation(len(self.train_ids))]

    def train_batch_ids(self, step: int, batch_size: int, seed: int) -> np.ndarray:
        """Document ids for 0-based `step`: consecutive slices of per-epoch shuffles (the last
        epoch's order is kept, so a step costs a slice)."""
        n = len(self.train_ids)
        if batch_size > n:
            raise DataError(
                f"batch_size {batch_size} is larger than the training split ({n} documents)"
            )
        epoch, k = divmod(step, n // batch_size)
        cached = self._order  # one read: another thread may replace it meanwhile
        if cached is None or cached[0] != (epoch, seed):
            cached = self._order = ((epoch, seed), self.train_order(epoch, seed))
        return cached[1][k * batch_size : (k + 1) * batch_size]

    def encode_many(self, docs: Sequence[str]) -> Batch:
        """A padded batch of arbitrary documents over this tokenizer (cut to the block)."""
        other = Dataset(docs, self.block_size, tokenizer=self.tokenizer)
        return other.batch(np.arange(len(docs)))
