"""Sampling for the app: the settings the keys change, and one name drawn step by step.

A `NameSampler` reads a model snapshot (never the arrays the trainer changes) through
`core.sample.stream` and turns each step into a `ProbRow` for the probability bars.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

import numpy as np

from core import EOS, GPT, SampleStep, Tokenizer, stream

from .renderables import EOS_MARK
from .renderables.probbars import ProbRow

TEMPERATURE_STEP = 0.1
TEMPERATURE_RANGE = (0.1, 3.0)
TOP_K_LADDER = (1, 2, 3, 5, 10, 20)  # then off
TOP_N = 5  # candidates kept per step for the bars


@dataclass(frozen=True)
class SamplerSettings:
    """Temperature, top-k (None = off) and prefix, as the user has set them."""

    temperature: float = 1.0
    top_k: int | None = None
    prefix: str = ""

    def with_temperature(self, direction: int) -> SamplerSettings:
        """One step (0.1) cooler or hotter, within the allowed range."""
        lo, hi = TEMPERATURE_RANGE
        t = round(self.temperature + direction * TEMPERATURE_STEP, 2)
        return replace(self, temperature=min(max(t, lo), hi))

    def with_top_k(self, direction: int, vocab_size: int) -> SamplerSettings:
        """The next value up (towards off) or down (towards 1) on the ladder."""
        ladder: list[int | None] = [k for k in TOP_K_LADDER if k < vocab_size - 1]
        if self.top_k is not None and self.top_k not in ladder and self.top_k < vocab_size - 1:
            ladder = sorted({*ladder, self.top_k})
        ladder.append(None)
        i = ladder.index(self.top_k) if self.top_k in ladder else len(ladder) - 1
        i = min(max(i + direction, 0), len(ladder) - 1)
        return replace(self, top_k=ladder[i])


def token_label(tokenizer: Tokenizer, token: int) -> str:
    """One character for a token: itself, or the end mark for EOS."""
    return EOS_MARK if token == EOS else tokenizer.token_str(token)


def prob_row(context: str, step: SampleStep, tokenizer: Tokenizer, top_n: int = TOP_N) -> ProbRow:
    """The bars' row for one sampling step: the most likely tokens first (zero ones dropped)."""
    order = np.argsort(step.probs)[::-1][:top_n]
    top = tuple(
        (token_label(tokenizer, int(i)), float(step.probs[i])) for i in order if step.probs[i] > 0
    )
    return ProbRow(context, token_label(tokenizer, step.token), top)


class NameSampler:
    """One name from a model snapshot, advanced a character at a time."""

    def __init__(
        self, model: GPT, tokenizer: Tokenizer, rng: np.random.Generator, settings: SamplerSettings
    ) -> None:
        self.tokenizer = tokenizer
        self.text = settings.prefix
        self.rows: list[ProbRow] = []
        self.done = False
        self._steps: Iterator[SampleStep] = stream(
            model,
            tokenizer,
            rng,
            prefix=settings.prefix,
            temperature=settings.temperature,
            top_k=settings.top_k,
        )
        self.advance()  # the first step validates the prefix (TokenizerError) right away

    def advance(self) -> None:
        """Draw the next character (nothing once done)."""
        if self.done:
            return
        step = next(self._steps, None)
        if step is None:
            self.done = True
            return
        self.rows.append(prob_row(self.text, step, self.tokenizer))
        self.text = step.text
        self.done = step.done

    def finish(self) -> str:
        """Draw the rest at once; the name."""
        while not self.done:
            self.advance()
        return self.text
