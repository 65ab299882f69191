"""What the bench ran on: CPU, cores, NumPy and its BLAS, PyTorch, and the load at the time."""

from __future__ import annotations

import os
import platform

import numpy as np

from . import torch_gpt


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def blas_info() -> dict:
    """NumPy's BLAS: its build name and version, and (with threadpoolctl) the kernel it runs."""
    info: dict = {}
    try:
        blas = np.__config__.CONFIG["Build Dependencies"]["blas"]
        info = {"name": blas.get("name"), "version": blas.get("version")}
    except (AttributeError, KeyError, TypeError):
        pass
    try:
        from threadpoolctl import threadpool_info

        for pool in threadpool_info():
            if pool.get("user_api") == "blas":
                info.update(kernel=pool.get("architecture"), max_threads=pool.get("num_threads"))
                break
    except ImportError:
        pass
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if os.environ.get(var):
            info[var] = os.environ[var]
    return info


def describe() -> dict:
    return {
        "cpu": cpu_model(),
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "blas": blas_info(),
        "torch": torch_gpt.version(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def summary(m: dict) -> str:
    """One Markdown paragraph for the machine."""
    blas = m["blas"]
    kernel = f", kernel {blas['kernel']}" if blas.get("kernel") else ""
    env = "".join(
        f", {k}={blas[k]}" for k in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE") if k in blas
    )
    torch = f"PyTorch {m['torch']} (CPU)" if m["torch"] else "PyTorch not installed"
    return (
        f"{m['cpu']}, {m['cores']} cores; Python {m['python']}, NumPy {m['numpy']} with "
        f"{blas.get('name', '?')} {blas.get('version', '')}{kernel}{env}; {torch}; "
        f"load average at start {m['load_average'][0]}."
    )
