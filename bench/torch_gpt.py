"""The same GPT in PyTorch eager mode, the bench's peer: same maths, same weights, same batches.

Written the way a PyTorch user would (autograd, `torch.optim.Adam`, `F.cross_entropy`), so its
per-step cost is what eager PyTorch costs at this size. `check_against` proves it computes our
model before anything is timed.
"""

from __future__ import annotations

import math

import numpy as np

from core.config import GPTConfig, TrainConfig
from core.layers import RMS_EPS
from core.model import GPT, LAYER_PARAMS
from core.optim import lr_at

try:
    import torch
    import torch.nn.functional as F
except ImportError:  # the bench runs our rows without it
    torch = None


def available() -> bool:
    return torch is not None


def version() -> str | None:
    return None if torch is None else torch.__version__


def _rmsnorm(x):
    return x * torch.rsqrt((x * x).mean(dim=-1, keepdim=True) + RMS_EPS)


class TorchGPT:
    """A GPT's parameters as torch leaf tensors, copied from one of ours, with Adam."""

    def __init__(self, model: GPT, train: TrainConfig, dtype: str) -> None:
        self.cfg: GPTConfig = model.config
        self.dtype = getattr(torch, dtype)
        self.params = {
            name: torch.tensor(w, dtype=self.dtype, requires_grad=True)
            for name, w in model.params.items()
        }
        self.train = train
        self.opt = torch.optim.Adam(
            self.params.values(), lr=train.lr, betas=(train.beta1, train.beta2), eps=train.eps
        )
        T = self.cfg.block_size
        self.causal = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
        self.step_count = 0

    def loss(self, idx: np.ndarray, targets: np.ndarray, mask: np.ndarray):
        """The mean cross-entropy over the masked positions, as a graph for backward."""
        cfg, p = self.cfg, self.params
        idx = torch.from_numpy(np.ascontiguousarray(idx, dtype=np.int64))
        tgt = torch.from_numpy(np.where(mask, targets, -100).astype(np.int64))  # -100: ignored
        B, T = idx.shape
        H, D = cfg.n_head, cfg.head_dim
        x = p["wte"][idx] + p["wpe"][:T]
        if cfg.post_embed_norm:
            x = _rmsnorm(x)
        for i in range(cfg.n_layer):
            wq, wk, wv, wo, fc1, fc2 = (p[f"layer{i}.{n}"] for n in LAYER_PARAMS)
            xn = _rmsnorm(x)
            q = (xn @ wq.T).view(B, T, H, D).transpose(1, 2)
            k = (xn @ wk.T).view(B, T, H, D).transpose(1, 2)
            v = (xn @ wv.T).view(B, T, H, D).transpose(1, 2)
            att = (q @ k.transpose(-2, -1)) / math.sqrt(D)
            att = att.masked_fill(self.causal[:T, :T], float("-inf")).softmax(dim=-1)
            y = (att @ v).transpose(1, 2).reshape(B, T, H * D)
            x = x + y @ wo.T
            h = F.relu(_rmsnorm(x) @ fc1.T)
            x = x + (h * h if cfg.activation == "relu2" else h) @ fc2.T
        head = p["wte"] if cfg.tie_weights else p["lm_head"]
        logits = x @ head.T
        return F.cross_entropy(logits.view(B * T, -1), tgt.view(-1), ignore_index=-100)

    def train_step(self, idx, targets, mask) -> float:
        """Forward, backward and one Adam step with our schedule; the loss before the step."""
        tc = self.train
        for group in self.opt.param_groups:
            group["lr"] = lr_at(self.step_count, tc.lr, tc.num_steps, tc.warmup_steps)
        self.opt.zero_grad(set_to_none=True)
        loss = self.loss(idx, targets, mask)
        loss.backward()
        self.opt.step()
        self.step_count += 1
        return loss.item()


def check_against(model: GPT, train: TrainConfig, batches, dtype: str) -> float:
    """Largest relative difference between our losses and the twin's over a few training steps
    from the same weights on the same batches (raises if they disagree)."""
    ours = GPT(model.config, model.flat.copy())
    from core.optim import Adam

    adam = Adam(ours.num_params, train.beta1, train.beta2, train.eps, ours.config.dtype)
    twin = TorchGPT(model, train, dtype)
    tol = 1e-9 if dtype == "float64" else 2e-4
    worst = 0.0
    for step, b in enumerate(batches):
        loss, _, grad = ours.loss_and_grads(b.idx, b.targets, b.mask)
        adam.step(ours.flat, grad, lr_at(step, train.lr, train.num_steps, train.warmup_steps))
        theirs = twin.train_step(b.idx, b.targets, b.mask)
        worst = max(worst, abs(theirs - loss) / abs(loss))
    if not worst <= tol:
        raise AssertionError(f"PyTorch {dtype} twin disagrees: relative loss error {worst:.2e}")
    return worst
