"""Messages the app routes: a training snapshot from the worker, sampling progress."""

from __future__ import annotations

from textual.message import Message

from .renderables.probbars import ProbRow
from .training import TrainingLoop, TrainingSnapshot


class StepFinished(Message):
    """Training moved on (or changed state); a newer one replaces an unhandled older one."""

    def __init__(self, snapshot: TrainingSnapshot, loop: TrainingLoop) -> None:
        super().__init__()
        self.snapshot = snapshot
        self.loop = loop  # the loop that sent it: one from before a reset is ignored

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, StepFinished)


class SampleStepped(Message):
    """The sampler drew one more character."""

    def __init__(self, text: str, rows: tuple[ProbRow, ...]) -> None:
        super().__init__()
        self.text = text
        self.rows = rows


class SampleFinished(Message):
    """A name is complete."""

    def __init__(self, name: str, in_data: bool, rows: tuple[ProbRow, ...]) -> None:
        super().__init__()
        self.name = name
        self.in_data = in_data
        self.rows = rows
