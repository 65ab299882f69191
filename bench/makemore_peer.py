"""The quality target's own model as a peer: makemore's Transformer, trained on our split.

makemore (Karpathy) reports a test loss of about 1.92 for its ~200k-parameter Transformer on its
own names list. Our names are another list (assets/PROVENANCE.md), so this trains that model, as
makemore writes it (LayerNorm with gain and bias, GELU, biases, a final LayerNorm; PyTorch,
float32, one thread), on exactly our training split and scores it on exactly our held-out names.
Two recipes: makemore's own (AdamW lr 5e-4, weight decay 0.01, constant rate, batch 32, 10
minutes of training, keeping the best evaluation as makemore does), and the makemore preset's
(its dropout, weight decay, warm-up, decay and steps), so the architectures meet on equal terms.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace

import numpy as np

from core.optim import lr_at
from core.presets import get_preset
from core.run import load_dataset
from core.train import EVAL_CHUNK

from .quality import BUDGET_S
from .timing import thread_limit
from .torch_gpt import torch

if torch is not None:
    import torch.nn.functional as F
    from torch import nn

RECIPES = ("makemore", "preset")
MAKEMORE_LR_DECAY = (5e-4, 0.01)  # makemore's defaults: AdamW learning rate, weight decay


def _model(V: int, C: int, H: int, L: int, T: int, dropout: float):
    """makemore's Transformer (its `Transformer` class), with optional nanoGPT-style dropout."""

    class Block(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.ln_1, self.ln_2 = nn.LayerNorm(C), nn.LayerNorm(C)
            self.c_attn, self.c_proj = nn.Linear(C, 3 * C), nn.Linear(C, C)
            self.c_fc, self.mlp_proj = nn.Linear(C, 4 * C), nn.Linear(4 * C, C)
            self.drop = nn.Dropout(dropout)
            self.register_buffer("causal", torch.tril(torch.ones(T, T, dtype=torch.bool)))

        def forward(self, x):
            B, t, _ = x.shape
            q, k, v = self.c_attn(self.ln_1(x)).split(C, dim=2)
            q, k, v = (a.view(B, t, H, C // H).transpose(1, 2) for a in (q, k, v))
            att = (q @ k.transpose(-2, -1)) / math.sqrt(C // H)
            att = att.masked_fill(~self.causal[:t, :t], float("-inf")).softmax(dim=-1)
            y = (att @ v).transpose(1, 2).reshape(B, t, C)
            x = x + self.drop(self.c_proj(y))
            h = F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh")  # makemore's NewGELU
            return x + self.drop(self.mlp_proj(h))

    class Transformer(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.wte, self.wpe = nn.Embedding(V, C), nn.Embedding(T, C)
            self.blocks = nn.ModuleList(Block() for _ in range(L))
            self.ln_f, self.lm_head = nn.LayerNorm(C), nn.Linear(C, V, bias=False)
            self.drop = nn.Dropout(dropout)

        def forward(self, idx):
            x = self.drop(self.wte(idx) + self.wpe(torch.arange(idx.shape[1])))
            for block in self.blocks:
                x = block(x)
            return self.lm_head(self.ln_f(x))

    return Transformer()


def curve(recipe: str, *, train: dict | None = None, budget_s: float = BUDGET_S,
          on_point=None) -> dict:  # fmt: skip
    """Train makemore's Transformer by `recipe` on the split of the preset's seed; (step,
    seconds, val) points every `eval_every` steps and at the end, seconds counting training
    only. `train` overrides the preset's training fields (seed, num_steps, warmup_steps,
    eval_every), checked as ours are. The preset's recipe runs its num_steps; makemore's runs
    for `budget_s` seconds, or num_steps when `train` gives it."""
    if torch is None:
        raise RuntimeError("PyTorch is not installed: pip install '.[bench]'")
    if recipe not in RECIPES:
        raise ValueError(f"recipe must be one of {', '.join(RECIPES)}, got {recipe!r}")
    preset = get_preset("makemore")
    cfg, tc = preset.model, replace(preset.train, **(train or {}))
    ds = load_dataset(None, cfg.block_size, seed=tc.seed)
    torch.manual_seed(tc.seed)
    ours = recipe == "preset"
    model = _model(ds.vocab_size, cfg.n_embd, cfg.n_head, cfg.n_layer, cfg.block_size,
                   cfg.dropout if ours else 0.0)  # fmt: skip
    lr, wd = (tc.lr, tc.weight_decay) if ours else MAKEMORE_LR_DECAY
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=wd,
                            betas=(tc.beta1, tc.beta2), eps=tc.eps)  # fmt: skip
    total = tc.num_steps if ours or "num_steps" in (train or {}) else None
    # the preset's rate, as a factor of lr: linear warm-up, then linear decay to 0
    rate = (lambda t: lr_at(t, 1.0, total, tc.warmup_steps)) if ours else (lambda t: 1.0)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, rate)

    def loss_of(batch):
        idx = torch.from_numpy(batch.idx.astype("int64"))
        targets = torch.from_numpy(np.where(batch.mask, batch.targets, -100).astype("int64"))
        logits = model(idx)
        return F.cross_entropy(logits.view(-1, logits.shape[-1]), targets.view(-1))

    def evaluate() -> float:  # token-weighted over the held-out names, as Trainer.evaluate
        model.eval()
        total_loss = count = 0.0
        with torch.no_grad():
            for s in range(0, len(ds.val_ids), EVAL_CHUNK):
                b = ds.batch(ds.val_ids[s : s + EVAL_CHUNK])
                n = float(b.mask.sum())
                total_loss, count = total_loss + loss_of(b).item() * n, count + n
        model.train()
        return total_loss / count

    def record(step: int, trained: float) -> None:
        point = {"step": step, "seconds": round(trained, 1), "val_loss": evaluate()}
        points.append(point)
        if on_point:
            on_point(point)

    points, trained, step = [], 0.0, 0
    with thread_limit(1):
        while step < total if total else trained < budget_s:
            start = time.perf_counter()
            loss = loss_of(ds.batch(ds.train_batch_ids(step, tc.batch_size, tc.seed)))
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            trained += time.perf_counter() - start
            step += 1
            if tc.eval_every and step % tc.eval_every == 0:
                record(step, trained)
    if not points or points[-1]["step"] != step:  # the end is always evaluated
        record(step, trained)
    params = sum(p.numel() for p in model.parameters())
    return {"recipe": recipe, "seed": tc.seed, "params": params, "points": points}
