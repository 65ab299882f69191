"""The trainer: a generator that performs one optimisation step per `next()` and yields a record.

It owns no clock, no thread and no printing; the app, the CLI and scripts decide pace and display.
The batch of step t depends only on (seed, t), so a run can be stopped and resumed exactly.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np

from .config import ConfigError, TrainConfig
from .data import Dataset
from .model import GPT
from .optim import Adam, lr_at

EVAL_CHUNK = 1000  # validation documents per forward pass
# A loss this many times the random-guess loss ln(vocab_size) means the run has blown up, even
# while every number is still finite (Adam with lr 1e3 reaches 1e13 without overflowing).
DIVERGED_FACTOR = 100.0


@dataclass(frozen=True)
class StepRecord:
    """What happened in one optimisation step (immutable; built from copies)."""

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
        if model.config.vocab_size != dataset.vocab_size:
            raise ConfigError(
                f"model vocab_size {model.config.vocab_size} does not match the dataset's "
                f"{dataset.vocab_size}"
            )
        if model.config.block_size != dataset.block_size:
            raise ConfigError(
                f"model block_size {model.config.block_size} does not match the dataset's "
                f"{dataset.block_size}"
            )
        if config.batch_size > len(dataset.train_ids):
            raise ConfigError(
                f"batch_size {config.batch_size} is larger than the training split "
                f"({len(dataset.train_ids)} documents)"
            )
        self.model = model
        self.dataset = dataset
        self.config = config
        self.optimizer = optimizer or Adam(
            model.num_params, config.beta1, config.beta2, config.eps, model.config.dtype
        )
        self.step = step  # steps completed
        self.diverged_at: int | None = None
        self.last_val_loss: float | None = None
        self.last_graph_size: int | None = None  # Value nodes of the last scalar-engine step
        self._diverged_above = DIVERGED_FACTOR * math.log(dataset.vocab_size)
        if config.engine == "scalar":
            from .scalar_gpt import scalar_batch_loss_and_grads

            def scalar(b):
                loss, grad, losses, self.last_graph_size = scalar_batch_loss_and_grads(
                    model.config, model.params, b
                )
                return loss, losses, grad

            self._loss_and_grads = scalar
        else:
            self._loss_and_grads = lambda b: model.loss_and_grads(b.idx, b.targets, b.mask)

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

    def train_step(self) -> StepRecord:
        """One optimisation step on the next batch."""
        cfg = self.config
        ids = self.dataset.train_batch_ids(self.step, cfg.batch_size, cfg.seed)
        batch = self.dataset.batch(ids)
        loss, losses, grad = self._loss_and_grads(batch)
        grad_norm = float(np.sqrt(grad @ grad))
        lr = lr_at(self.step, cfg.lr, cfg.num_steps, cfg.warmup_steps)
        first = tuple(float(x) for x in losses[0, : int(batch.mask[0].sum())])
        tokens = int(batch.mask.sum())
        if not (math.isfinite(loss) and math.isfinite(grad_norm)) or loss > self._diverged_above:
            self.diverged_at = self.step + 1
            return StepRecord(
                self.step + 1,
                cfg.num_steps,
                loss,
                lr,
                grad_norm,
                batch.docs,
                first,
                tokens,
                diverged=True,
            )
        self.optimizer.step(self.model.flat, grad, lr)
        self.step += 1
        val = None
        if self.step == cfg.num_steps or (cfg.eval_every and self.step % cfg.eval_every == 0):
            val = self.evaluate()
        return StepRecord(
            self.step, cfg.num_steps, loss, lr, grad_norm, batch.docs, first, tokens, val_loss=val
        )

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
