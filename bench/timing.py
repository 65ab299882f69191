"""Timing with warm-up and medians over repeats, and BLAS / PyTorch thread limits."""

from __future__ import annotations

import contextlib
import statistics
import time
from collections.abc import Callable, Iterator

from core import threads as core_threads

from . import torch_gpt


def per_call(fn: Callable[[], object], *, calls: int, repeats: int, warmup: int) -> float:
    """Median seconds per call of `fn` over `repeats` blocks of `calls` calls, after warm-up."""
    for _ in range(warmup):
        fn()
    blocks = []
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            fn()
        blocks.append((time.perf_counter() - start) / calls)
    return statistics.median(blocks)


@contextlib.contextmanager
def thread_limit(n: int) -> Iterator[None]:
    """`n` BLAS threads for NumPy and `n` intra-op threads for PyTorch, restored afterwards."""
    torch = torch_gpt.torch
    before = torch.get_num_threads() if torch is not None else None
    with core_threads.limit(n):
        if torch is not None:
            torch.set_num_threads(n)
        try:
            yield
        finally:
            if torch is not None:
                torch.set_num_threads(before)
