"""How many threads NumPy's BLAS may use: chosen by model size, with an override.

At these sizes a BLAS thread mostly costs: waking and syncing a second thread takes longer than
a microsecond matmul. On this 2-core machine, with another process running, two threads made the
makemore step 4x slower (46.7 vs 11.3 ms); on an idle one they were 7-16% faster in float64
and at most 5% in float32 (three bench runs). One thread is the choice that never hurts much.
Only wide enough matmuls on enough rows pay for a second thread. `core` never
starts a thread itself; this only tells the BLAS library how many to use. It works through
threadpoolctl when that is installed, else OpenBLAS's own setter (NumPy's wheels ship OpenBLAS),
else it does nothing and says so.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
from collections.abc import Iterator

from .config import GPTConfig

# A second thread pays only for matmuls at least this wide, on this many rows (batch x block).
# Measured on 2 cores: the makemore preset (64 wide, batch 32) gains ~6% from 2 threads on an
# idle machine and runs 3-7x slower when another process holds a core; smaller models only lose.
TWO_THREADS_WIDTH = 256
TWO_THREADS_ROWS = 1024

_SETTERS = ("openblas_set_num_threads", "scipy_openblas_set_num_threads64_")
_GETTERS = ("openblas_get_num_threads", "scipy_openblas_get_num_threads64_")


def recommended(cfg: GPTConfig, batch_size: int) -> int:
    """The thread count to train `cfg` at `batch_size` with: 1 (every preset), or 2 for a
    model at least 256 wide in batches of 1,024 rows or more (never more than the cores)."""
    wide = cfg.n_embd >= TWO_THREADS_WIDTH and batch_size * cfg.block_size >= TWO_THREADS_ROWS
    return min(2 if wide else 1, os.cpu_count() or 1)


def current() -> int | None:
    """The BLAS thread count now, or None when no BLAS library could be asked."""
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        fn = _openblas(_GETTERS)
        return None if fn is None else int(fn())
    counts = [p["num_threads"] for p in threadpool_info() if p.get("user_api") == "blas"]
    return counts[0] if counts else None


def use(n: int) -> bool:
    """Let the BLAS use `n` threads from now on; False when no BLAS library could be told."""
    if n < 1:
        raise ValueError(f"threads must be at least 1, got {n}")
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:
        fn = _openblas(_SETTERS)
        if fn is None:
            return False
        fn(int(n))
        return True
    controller = ThreadpoolController().select(user_api="blas")
    if not controller.lib_controllers:
        return False
    controller.limit(limits=n)
    return True


@contextlib.contextmanager
def limit(n: int) -> Iterator[bool]:
    """`n` BLAS threads inside the block, the previous count after it."""
    before = current()
    ok = use(n)
    try:
        yield ok
    finally:
        if ok and before is not None:
            use(before)


def _openblas(names: tuple[str, ...]):
    """A function of the OpenBLAS loaded in this process, found through /proc/self/maps."""
    try:
        with open("/proc/self/maps", encoding="utf-8") as f:
            paths = {line.split()[-1] for line in f if "openblas" in line.lower()}
    except OSError:
        return None
    for path in sorted(paths):
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for name in names:
            fn = getattr(lib, name, None)
            if fn is not None:
                return fn
    return None
