"""Model quality: the makemore preset on the bundled names, validation loss against wall time.

Trains the preset exactly as `Run.create("makemore")` would (its tuned settings), evaluating on
the 1,000 held-out names every `eval_every` steps, and reports (steps, wall seconds, val loss).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from core import threads
from core.presets import get_preset
from core.run import Run

TARGET = 1.92  # makemore's own transformer of this size on its names
BUDGET_S = 600  # ... within 10 minutes of training


def curve(
    *,
    steps: int | None = None,
    eval_every: int | None = None,
    n_threads: int | None = None,
    dtype: str | None = None,
    on_point=None,
    model: dict | None = None,
    train: dict | None = None,
) -> dict:
    """Train the makemore preset and return its settings and (step, seconds, val loss) points.
    Seconds count training steps only: the evaluations in between are not timed. `model` and
    `train` override the preset's fields (for sweeps)."""
    every = eval_every or get_preset("makemore").train.eval_every
    train = {**(train or {}), "eval_every": 0}
    if steps is not None:
        train["num_steps"] = steps
    model = {**(model or {}), **({} if dtype is None else {"dtype": dtype})}
    run = Run.create("makemore", train=train, model=model)
    trainer, cfg = run.trainer, run.trainer.config
    n = n_threads or threads.recommended(run.model.config, cfg.batch_size)
    points, trained = [], 0.0
    with threads.limit(n):
        while not trainer.done:
            start = time.perf_counter()
            rec = trainer.train_step()  # the last step also evaluates, inside the timing
            trained += time.perf_counter() - start
            if rec.val_loss is None and rec.step % every:
                continue
            val = rec.val_loss if rec.val_loss is not None else trainer.evaluate()
            point = {"step": rec.step, "seconds": round(trained, 1), "val_loss": val,
                     "train_loss": rec.loss}  # fmt: skip
            points.append(point)
            if on_point:
                on_point(point)
    settings = {k: getattr(cfg, k) for k in ("num_steps", "batch_size", "lr", "warmup_steps")}
    settings.update(beta1=cfg.beta1, beta2=cfg.beta2, dtype=run.model.config.dtype, threads=n)
    settings.update(weight_decay=cfg.weight_decay, dropout=run.model.config.dropout)
    settings.update(seed=cfg.seed)
    return {"settings": settings, "params": run.model.num_params, "points": points}


# How the preset's settings were chosen: one training run each, validation loss ("stopped": ended
# early, the trend clear). The preset's settings, marked *, are shown in bold.
# (batch, lr, warm-up, steps: decay to 0 at, AdamW weight decay, dropout, dtype, best, last)
RUNS = [
    (32, "3e-3", 1000, "30,000 (stopped)", 0, 0, "float64", (2.0145, 18000), (2.0989, 28000)),
    (32, "1e-3", 1000, "30,000 (stopped)", 0, 0, "float64", (2.0006, 10000), (2.0120, 12000)),
    (32, "1e-3", 500, "10,000", 0, 0, "float64", (1.9937, 10000), (1.9937, 10000)),
    (32, "6e-4", 500, "14,000 (stopped)", 0, 0, "float64", (2.0205, 10000), (2.0205, 10000)),
    (64, "2e-3", 500, "8,000", 0, 0, "float64", (1.9956, 5000), (2.0153, 8000)),
    (64, "2e-3", 300, "6,000", 0, 0, "float64", (1.9839, 4500), (1.9860, 6000)),
    (128, "4e-3", 200, "4,000", 0, 0, "float64", (2.0073, 2500), (2.0327, 4000)),
    (64, "2e-3", 500, "8,000", 0.1, 0, "float64", (1.9812, 8000), (1.9812, 8000)),
    (64, "2e-3", 500, "16,000 (stopped)", 0.2, 0, "float64", (1.9857, 9000), (1.9931, 13000)),
    (64, "3e-3", 500, "16,000 (stopped)", 0.1, 0, "float64", (1.9834, 9000), (2.0198, 13000)),
    (64, "2e-3", 500, "12,000", 0.1, 0.1, "float64", (1.9550, 12000), (1.9550, 12000)),
    (64, "2e-3", 500, "16,000", 0.1, 0.1, "float64", (1.9556, 14000), (1.9560, 16000)),
    (64, "2e-3", 500, "18,000", 0.1, 0.2, "float64", (1.9597, 18000), (1.9597, 18000)),
    (64, "2e-3", 500, "36,000", 0.1, 0.1, "float32", (1.9638, 32000), (1.9674, 36000)),
    (64, "2e-3", 500, "36,000", 0.1, 0.2, "float32", (1.9596, 36000), (1.9596, 36000)),
    (64, "2e-3", 500, "20,000", 0.5, 0.1, "float32", (1.9903, 20000), (1.9903, 20000)),
    (64, "1e-3", 500, "24,000", 0.1, 0.1, "float32", (1.9660, 24000), (1.9660, 24000)),
    (32, "1.5e-3", 500, "28,000 *", 0.1, 0.1, "float64", (1.9466, 28000), (1.9466, 28000)),
    (32, "1.5e-3", 500, "45,000", 0.1, 0.15, "float32", (1.9456, 42000), (1.9468, 45000)),
    (32, "1.5e-3", 500, "40,000", 0.1, 0.1, "float64", (1.9506, 40000), (1.9506, 40000)),
    (16, "1e-3", 500, "48,000", 0.1, 0.1, "float64", (1.9580, 48000), (1.9580, 48000)),
]

# The preset's settings on the validation splits of other seeds (the seed also draws the initial
# weights, the shuffles and the dropout masks), recorded as measured: (seed, best, last), each
# (val loss, step). Two ran at a time on the two cores, so their seconds are not comparable.
SPLITS = [
    (1, (1.9180, 28000), (1.9180, 28000)),
    (2, (1.9413, 28000), (1.9413, 28000)),
    (3, (1.9561, 26000), (1.9570, 28000)),
    (7, (1.9000, 28000), (1.9000, 28000)),
]


def splits_table(result: dict) -> str:
    """SPLITS, with this run when it used the preset's settings on a seed not recorded, as a
    Markdown table, with their mean and how many met the target."""
    pts, settings = result["points"], result["settings"]
    rows = list(SPLITS)
    if pts and is_preset_run(settings) and settings["seed"] not in {r[0] for r in rows}:
        best, last = min(pts, key=lambda p: p["val_loss"]), pts[-1]
        rows.append(
            (settings["seed"], (best["val_loss"], best["step"]), (last["val_loss"], last["step"]))
        )
    rows.sort()
    lines = ["| seed | best val (step) | last val (step) |", "|---:|---:|---:|"]
    lines += [f"| {s} | {b[0]:.4f} ({b[1]:,}) | {v[0]:.4f} ({v[1]:,}) |" for s, b, v in rows]
    bests = [b[0] for _, b, _ in rows]
    mean = sum(bests) / len(bests)
    met = sum(b <= TARGET for b in bests)
    lines += [
        "",
        f"Best validation loss over these {len(rows)} splits: mean {mean:.4f}, from "
        f"{min(bests):.4f} to {max(bests):.4f}; {met} of {len(rows)} at or below {TARGET}. "
        "Which 1,000 names are held out moves the figure by more than any setting tried below.",
    ]
    return "\n".join(lines)


def is_preset_run(settings: dict) -> bool:
    """Whether a curve's settings are the makemore preset's (any seed, any thread count)."""
    preset = get_preset("makemore")
    expected = {f: getattr(preset.train, f) for f in PRESET_FIELDS}
    expected.update(dtype=preset.model.dtype, dropout=preset.model.dropout)
    return all(settings.get(k) == v for k, v in expected.items())


PRESET_FIELDS = ("num_steps", "batch_size", "lr", "warmup_steps", "beta1", "beta2", "weight_decay")


# makemore's own Transformer (bench/makemore_peer.py: LayerNorm, GELU, biases, final LayerNorm;
# PyTorch float32, 1 thread) trained on the default seed's split, recorded as measured with
# `python -m bench quality --peer RECIPE`: (recipe, what it is, best (val, step, seconds), last).
PEERS = [
    (
        "makemore",
        "AdamW 5e-4, decay 0.01, constant rate, 10 minutes",
        (2.0111, 18000, 260),
        (2.1338, 43000),
    ),
    (
        "preset",
        "this preset's dropout, decay, warm-up and schedule",
        (1.9560, 28000, 450),
        (1.9560, 28000),
    ),
]


def peers_table() -> str:
    lines = [
        "| recipe | | best val (step, seconds) | last val (step) |",
        "|---|---|---:|---:|",
    ]
    for recipe, what, best, last in PEERS:
        cells = [f"{best[0]:.4f} ({best[1]:,}, {best[2]:.0f} s)", f"{last[0]:.4f} ({last[1]:,})"]
        lines.append(f"| {recipe} | {what} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


FINDINGS = """\
Without dropout every run overfits after about 12 epochs (~320,000 names seen), whatever the
batch and rate: the best is reached by decaying to 0 there (1.9812 with weight decay), and more
time does not help. Dropout 0.1 (after the embedding and on each block's attention and MLP
outputs, in training steps only) moves that point to about 30 epochs and the loss down by about
0.035. Dropout 0.2 ends higher, whether given 18,000 steps or 36,000; strong weight decay (0.5)
hurts; and past ~30 epochs even dropout 0.1 overfits (the 36,000- and 40,000-step rows). float32
steps take half the time of float64, but the extra steps did not lower the loss. Smaller batches
give more updates for nearly the same throughput (a float64 step takes ~7, ~12 and ~22 ms at
batch 16, 32 and 64 here); batch 32 was best. One seeded run per row, on a machine shared with
other jobs. makemore's 1.92 (measured on its own names list, with a LayerNorm/GELU transformer
with biases) was not reached by any of these settings on this split. Also tried: dropout 0.15 in
float32 for 45,000 steps (~48 epochs, 335 s), no better than the preset (1.9456); zero-initialised
attention and MLP output projections, behind the same run at 22,000 steps (1.9965 vs 1.9874) and
stopped there; an exponential moving average of the weights (decay 0.9998), 0.003 lower at the
end of that run (1.9407 vs 1.9438), too little to carry a second copy of the weights for.
"""


def sweep_table() -> str:
    """RUNS as a Markdown table."""
    lines = [
        "| batch | lr | warm-up | steps (decay to 0 at) | weight decay (AdamW) | dropout | dtype "
        "| best val (step) | last val (step) |",
        "|---:|---:|---:|---:|---:|---:|---|---:|---:|",
    ]
    for batch, lr, warm, steps, wd, drop, dtype, best, last in RUNS:
        cells = [f"{batch}", lr, f"{warm:,}", steps.rstrip(" *"), f"{wd:g}", f"{drop:g}", dtype]
        cells += [f"{v:.4f} ({s:,})" for v, s in (best, last)]
        if steps.endswith("*"):
            cells = [f"**{c}**" for c in cells]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n\n" + FINDINGS


def markdown(result: dict, machine_line: str) -> str:
    s, pts = result["settings"], result["points"]
    best = min(pts, key=lambda p: p["val_loss"]) if pts else None
    in_budget = [p for p in pts if p["seconds"] <= BUDGET_S]
    best_in = min((p["val_loss"] for p in in_budget), default=None)
    lines = [
        "# makemore preset: validation loss against training time",
        "",
        f"Machine: {machine_line}",
        "",
        f"{result['params']:,} parameters; batch {s['batch_size']}, Adam lr {s['lr']} "
        f"(b1 {s['beta1']}, b2 {s['beta2']}, weight decay {s['weight_decay']}), "
        f"dropout {s['dropout']}, "
        f"{s['warmup_steps']} warm-up steps, linear decay "
        f"to 0 at step {s['num_steps']:,}; {s['dtype']}, {s['threads']} BLAS thread(s). "
        "Seconds count training only (evaluations excluded); validation is the 1,000 names "
        f"that seed {s['seed']} holds out.",
        "",
        "| step | seconds | val loss | train loss (that step) |",
        "|---:|---:|---:|---:|",
    ]
    lines += [
        f"| {p['step']:,} | {p['seconds']:.0f} | {p['val_loss']:.4f} | {p['train_loss']:.4f} |"
        for p in pts
    ]
    if best:
        ok = best_in is not None and best_in <= TARGET
        lines += [
            "",
            f"Best: {best['val_loss']:.4f} at step {best['step']:,} ({best['seconds']:.0f} s). "
            f"Target: <= {TARGET} within {BUDGET_S // 60} minutes: "
            + ("met" if ok else "**missed**")
            + (f" (best within budget {best_in:.4f})." if best_in is not None else "."),
        ]
    lines += [
        "",
        "## Other validation splits",
        "",
        "The same settings with other seeds, whose 1,000 held-out names differ (recorded as",
        "measured; `python -m bench quality --seed N` reproduces a row):",
        "",
        splits_table(result),
        "",
        "## makemore's own model on the same split",
        "",
        "The 1.92 target is makemore's figure on its own names list; ours is another list",
        "(assets/PROVENANCE.md). Its Transformer, as makemore writes it, trained on this split",
        "and scored on these held-out names (seed 42; the two ran at the same time, one core each,",
        "so their seconds are longer than alone). Neither reaches 1.92 here, and both end above",
        "this preset's model on the same split: the data, not the architecture, keeps 1.92 away.",
        "",
        peers_table(),
        "",
        "## How the settings were chosen",
        "",
        "The tuning runs, one seeded run each, recorded as they were measured (this command does",
        "not re-run them; `bench.quality.curve(model=..., train=...)` reproduces any row).",
        "",
        sweep_table(),
    ]
    return "\n".join(lines) + "\n"


def write_json(path: Path, result: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
