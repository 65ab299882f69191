"""The trainer: a generator that performs one optimisation step per `next()` and yields a record.

It owns no clock, no thread and no printing; the app, the CLI and scripts decide pace and display.
The batch of step t depends only on (seed, t), so a run can be stopped and resumed exactly.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import replace
from typing import NamedTuple

import numpy as np

from .config import ConfigError, GPTConfig, TrainConfig
from .data import Batch, Dataset
from .layers import dropout_masks
from .model import GPT, padded_drop
from .optim import Adam, lr_at

EVAL_CHUNK = 250  # validation documents per forward pass (bounds the buffers' memory)
# A loss this many times the random-guess loss ln(vocab_size) means the run has blown up, even
# while every number is still finite (Adam with lr 1e3 reaches 1e13 without overflowing).
DIVERGED_FACTOR = 100.0
# The dropout masks of step t come from the seed sequence (seed, t, DROPOUT_STREAM): a resumed run
# draws the same ones, and they never share a stream with the epochs' shuffles (seed, epoch).
DROPOUT_STREAM = 0xD50
FIXED_ON_RESUME = ("seed", "beta1", "beta2", "eps")  # see Trainer.reconfigure


class StepRecord(NamedTuple):
    """What happened in one optimisation step (immutable; built from copies; a NamedTuple
    because it is made at every step, in a third of a frozen dataclass's time)."""

    step: int  # steps completed, 1-based
    total_steps: int
    loss: float
    lr: float
    grad_norm: float
    docs: tuple[str, ...]  # the documents of the batch
    position_losses: tuple[float, ...]  # -ln p(target) at each predicted position of docs[0]
    tokens: int  # predicted positions in the batch
    val_loss: float | None = None  # set on evaluation steps
    diverged: bool = False  # loss not finite (or exploded) or gradient not finite: not applied


class Trainer:
    """Trains `model` on `dataset` with Adam; iterate `steps()` to run it."""

    def __init__(
        self,
        model: GPT,
        dataset: Dataset,
        config: TrainConfig,
        *,
        optimizer: Adam | None = None,
        step: int = 0,
    ) -> None:
        self.model = model
        self.dataset = dataset
        _check_fit(model.config, dataset, config)
        self.config = config
        self.optimizer = optimizer or Adam(
            model.num_params, config.beta1, config.beta2, config.eps, model.config.dtype
        )
        self.step = step  # steps completed
        self.diverged_at: int | None = None
        self.last_val_loss: float | None = None
        self.last_graph_size: int | None = None  # Value nodes of the last scalar-engine step
        self._diverged_above = DIVERGED_FACTOR * math.log(dataset.vocab_size)
        self._flat_at: tuple[np.ndarray, np.ndarray] | None = None  # see _flat_indices
        self._drop_buf: np.ndarray | None = None  # the dropout masks of the step, made once

    def reconfigure(self, dropout: float | None = None, **changes) -> None:
        """Change training settings (and the model's dropout), e.g. on resuming a checkpoint;
        checked as at construction. The engine is read at every step, so it may change too.
        The seed (it drew the validation split) and Adam's betas and eps (its state was made
        with them) cannot change."""
        old = self.config
        fixed = [k for k in FIXED_ON_RESUME if k in changes and changes[k] != getattr(old, k)]
        if fixed:
            raise ConfigError(
                f"{', '.join(fixed)} cannot change on a run already started (the seed drew "
                "its validation split, the betas and eps made Adam's state)"
            )
        config = replace(self.config, **changes)
        model_config = self.model.config
        if dropout is not None:
            model_config = replace(model_config, dropout=dropout)
        _check_fit(model_config, self.dataset, config)
        self.model.config, self.config = model_config, config

    @property
    def done(self) -> bool:
        return self.step >= self.config.num_steps or self.diverged_at is not None

    def extend(self, num_steps: int) -> None:
        """Change the run's total length (e.g. to run more steps); the schedule follows."""
        if num_steps < self.step:
            raise ConfigError(
                f"num_steps {num_steps} is below the steps already done ({self.step})"
            )
        self.config = replace(self.config, num_steps=max(num_steps, 1))

    def steps(self) -> Iterator[StepRecord]:
        """Yield one record per optimisation step until the run is done (or diverges)."""
        while not self.done:
            yield self.train_step()

    def batch_ids(self, step: int) -> np.ndarray:
        """The documents of 0-based `step`."""
        return self.dataset.train_batch_ids(step, self.config.batch_size, self.config.seed)

    def dropout_masks(self, step: int, ids: np.ndarray) -> np.ndarray | None:
        """The dropout masks of 0-based `step` on documents `ids`, (1 + 2 n_layer, n, C) for
        their n predicted positions in order (see `model.gpt_forward`); None without dropout.
        They depend only on (seed, step), so a resumed run draws the same ones."""
        cfg = self.model.config
        if cfg.dropout == 0:
            return None
        shape = (1 + 2 * cfg.n_layer, int(self.dataset.n_pred[ids].sum()), cfg.n_embd)
        size = shape[0] * shape[1] * shape[2]
        if self._drop_buf is None or self._drop_buf.size < size:
            most = shape[0] * len(ids) * cfg.block_size * cfg.n_embd
            self._drop_buf = np.empty(max(size, most), cfg.dtype)
        rng = np.random.default_rng([self.config.seed, step, DROPOUT_STREAM])
        out = self._drop_buf[:size].reshape(shape)
        return dropout_masks(rng, cfg.dropout, shape, cfg.dtype, out=out)

    def _fast_loss_and_grads(self, ids: np.ndarray, drop: np.ndarray | None = None):
        """Loss, the first document's position losses, tokens, docs and the gradient by the
        fast path, or None when it declines (then the general path runs)."""
        ds, fast = self.dataset, self.model.fast
        at = None
        if len(ids) == 1:  # one document: no padding, no mask
            i = int(ids[0])
            T = n_first = tokens = int(ds.n_pred[i])
            idx = targets = n_pred = None  # `at` gives where the inputs and targets are
            docs: tuple[str, ...] = (ds.docs[i],)
            if self._flat_at is None:
                self._flat_at = _flat_indices(ds.tokens, self.model.config)
            at = (self._flat_at[0][i, :T], self._flat_at[1][i, :T])
        else:
            n_pred = ds.n_pred[ids]
            T, n_first, tokens = int(n_pred.max()), int(n_pred[0]), int(n_pred.sum())
            rows = ds.tokens[ids]  # (B, block + 1)
            idx, targets = rows[:, :T], rows[:, 1 : T + 1]
            docs = tuple(ds.docs[i] for i in ids.tolist())
        ws = fast.workspace(len(ids), T, train=True)
        loss, r, ok = fast.forward(ws, idx, targets, n_pred, at=at, drop=drop)
        if not ok:
            return None
        grad = self.optimizer.grad  # written in the optimizer's own buffer: no copy in its step
        fast.backward(ws, r, grad)
        # the first document's positions are the first rows, packed or not
        return loss, tuple(r.losses[:n_first].tolist()), tokens, docs, grad

    def train_step(self) -> StepRecord:
        """One optimisation step on the next batch."""
        cfg = self.config
        ids = self.batch_ids(self.step)
        drop = self.dropout_masks(self.step, ids) if self.model.config.dropout else None
        fast = None if cfg.engine == "scalar" else self._fast_loss_and_grads(ids, drop)
        if fast is not None:
            loss, first, tokens, docs, grad = fast
        else:
            batch = self.dataset.batch(ids)
            loss, losses, grad = self._general_loss_and_grads(batch, drop)
            first = tuple(float(x) for x in losses[0, : int(batch.mask[0].sum())])
            tokens, docs = int(batch.mask.sum()), batch.docs
        grad_norm = math.sqrt(grad @ grad)
        lr = lr_at(self.step, cfg.lr, cfg.num_steps, cfg.warmup_steps)
        if not (math.isfinite(loss) and math.isfinite(grad_norm)) or loss > self._diverged_above:
            self.diverged_at = self.step + 1
            return StepRecord(
                self.step + 1,
                cfg.num_steps,
                loss,
                lr,
                grad_norm,
                docs,
                first,
                tokens,
                diverged=True,
            )
        self.optimizer.step(self.model.flat, grad, lr, cfg.weight_decay)
        self.step += 1
        val = None
        if self.step == cfg.num_steps or (cfg.eval_every and self.step % cfg.eval_every == 0):
            val = self.evaluate()
        return StepRecord(
            self.step, cfg.num_steps, loss, lr, grad_norm, docs, first, tokens, val_loss=val
        )

    def _general_loss_and_grads(self, b: Batch, drop: np.ndarray | None):
        """Loss, position losses and gradient on the scalar engine, or by the NumPy reference
        when the fast path declined the batch (its numbers overflowed)."""
        model = self.model
        if self.config.engine == "scalar":
            from .scalar_gpt import scalar_batch_loss_and_grads

            loss, grad, losses, self.last_graph_size = scalar_batch_loss_and_grads(
                model.config, model.params, b
            )
            return loss, losses, grad
        drop = None if drop is None else padded_drop(drop, b.mask)
        return model.reference_loss_and_grads(b.idx, b.targets, b.mask, drop)

    def evaluate(self, ids: np.ndarray | None = None) -> float | None:
        """Mean loss over the validation split (or `ids`), token-weighted; None when it is empty."""
        ids = self.dataset.val_ids if ids is None else ids
        if len(ids) == 0:
            return None
        total = count = 0.0
        for start in range(0, len(ids), EVAL_CHUNK):
            batch = self.dataset.batch(ids[start : start + EVAL_CHUNK])
            loss, _ = self.model.loss(batch.idx, batch.targets, batch.mask)
            n = float(batch.mask.sum())
            total += loss * n
            count += n
        self.last_val_loss = total / count
        return self.last_val_loss


def _check_fit(cfg: GPTConfig, dataset: Dataset, config: TrainConfig) -> None:
    """Refuse a model, dataset and training config that do not go together."""
    if cfg.vocab_size != dataset.vocab_size:
        raise ConfigError(
            f"model vocab_size {cfg.vocab_size} does not match the dataset's {dataset.vocab_size}"
        )
    if cfg.block_size != dataset.block_size:
        raise ConfigError(
            f"model block_size {cfg.block_size} does not match the dataset's {dataset.block_size}"
        )
    if config.batch_size > len(dataset.train_ids):
        raise ConfigError(
            f"batch_size {config.batch_size} is larger than the training split "
            f"({len(dataset.train_ids)} documents)"
        )
    if config.engine == "scalar" and cfg.dropout > 0:
        raise ConfigError(
            f"dropout {cfg.dropout} is not supported by the scalar engine; "
            "use the numpy engine or dropout 0"
        )


def _flat_indices(tokens: np.ndarray, cfg) -> tuple[np.ndarray, np.ndarray]:
    """For every document, where its inputs and targets fall in the fast path's flat one-hot
    (T, V + block) and logits (T, V) buffers at batch 1: the batch preparation is then slicing."""
    block, V = cfg.block_size, cfg.vocab_size
    rows = np.arange(block)
    return tokens[:, :block] + rows * (V + block), tokens[:, 1:] + rows * V
