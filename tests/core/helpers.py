"""Shared test helpers for core (plain functions; fixtures live in conftest.py)."""

import numpy as np

from core.layers import dropout_masks


def masks_for(model, b, rng=None, p=0.25):
    """Dropout masks (1 + 2 n_layer, B, T, C) for batch `b`, as the trainer draws them (from
    `rng`, default a fresh seed-0 generator)."""
    cfg = model.config
    shape = (1 + 2 * cfg.n_layer, *b.idx.shape, cfg.n_embd)
    rng = np.random.default_rng(0) if rng is None else rng
    return dropout_masks(rng, p, shape, cfg.dtype)
