"""python -m bench [--quick] [--threads N] [--no-torch] [--json PATH] [--markdown PATH]
python -m bench quality [--steps N] [--eval-every K] [--threads N] [--dtype D] [--markdown PATH]

Speed: our training steps, PyTorch eager on the same workloads, the scalar engine, sampling and
peak memory, as a Markdown table (stdout and bench/RESULTS.md) and JSON (bench/results/).
Quality: the makemore preset's validation loss against wall time (stdout and bench/QUALITY.md).
"""

from __future__ import annotations

import argparse
import resource
import sys
from pathlib import Path

from core.config import ConfigError

from . import machine, makemore_peer, quality, report, speed, torch_gpt

HERE = Path(__file__).resolve().parent


def run_speed(args) -> list[dict]:
    budget = speed.QUICK if args.quick else speed.FULL
    rows = []
    for preset, batch, dtype, threads, cost in speed.TRAIN_ROWS:
        threads = args.threads or threads
        if any(
            (r["preset"], r["batch"], r["dtype"], r["threads"]) == (preset, batch, dtype, threads)
            for r in rows
        ):
            continue  # --threads made two rows the same
        _progress(f"train {preset} batch {batch} {dtype} {threads} thread(s)")
        row = speed.train_row(preset, batch, dtype, threads, budget.scaled(cost))
        # --quick: PyTorch on the one-document rows only (a check that it runs, kept short)
        if not args.no_torch and (batch == 1 or not args.quick):
            row.update(speed.torch_times(row, budget.scaled(cost * speed.TORCH_COST)))
        rows.append(row)
    _progress("scalar engine")
    rows.append(speed.scalar_row(speed.Budget(1 if args.quick else 3, 1, 1)))
    _progress("sampling")
    rows += speed.sampling_rows(budget, batch=100 if args.quick else 1000, warm=args.quick)
    return rows


def _progress(msg: str) -> None:
    print(f"... {msg}", file=sys.stderr, flush=True)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KB on Linux


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["quality"]:
        return main_quality(argv[1:])
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="a handful of steps (a smoke test)")
    p.add_argument("--threads", type=int, help="BLAS/PyTorch threads for every row")
    p.add_argument("--no-torch", action="store_true", help="skip the PyTorch rows")
    p.add_argument("--json", type=Path, help="default bench/results/latest.json (quick.json)")
    p.add_argument("--markdown", type=Path, help="default bench/RESULTS.md (none when --quick)")
    args = p.parse_args(argv)
    if not torch_gpt.available() and not args.no_torch:
        print("PyTorch is not installed: its rows are skipped (pip install torch)", flush=True)
    m = machine.describe()
    rows = run_speed(args)
    peak = peak_mb()
    text = report.markdown(m, rows, peak, args.quick)
    print(text)
    default = HERE / "results" / ("quick.json" if args.quick else "latest.json")
    report.write_json(args.json or default, m, rows, peak)
    md = args.markdown or (None if args.quick else HERE / "RESULTS.md")
    if md:
        md.write_text(text, encoding="utf-8")
    return 0


def main_quality(argv: list[str]) -> int:
    p = argparse.ArgumentParser(prog="python -m bench quality")
    p.add_argument("--steps", type=int, help="training steps (default: the preset's)")
    p.add_argument("--eval-every", type=int, help="steps between evaluations")
    p.add_argument("--threads", type=int, help="BLAS threads (default: core.threads' choice)")
    p.add_argument("--dtype", choices=("float64", "float32"), help="default: the preset's")
    p.add_argument("--seed", type=int, help="run seed, which also picks the validation split")
    p.add_argument("--warmup", type=int, help="warm-up steps (default: the preset's)")
    p.add_argument(
        "--peer",
        choices=makemore_peer.RECIPES,
        help="train makemore's own Transformer (PyTorch) on the same split instead, by "
        "makemore's recipe or the preset's; writes bench/results/quality_peer_RECIPE.json",
    )
    p.add_argument("--json", type=Path, help="default bench/results/quality.json")
    p.add_argument("--markdown", type=Path, help="default bench/QUALITY.md")
    args = p.parse_args(argv)
    m = machine.describe()

    def show(pt: dict) -> None:
        print(f"step {pt['step']:>7,}  {pt['seconds']:7.1f} s  val {pt['val_loss']:.4f}",
              flush=True)  # fmt: skip

    if args.peer:
        return _peer(p, args, show, m)
    train = {k: v for k, v in (("seed", args.seed), ("warmup_steps", args.warmup)) if v is not None}
    try:
        result = quality.curve(
            steps=args.steps, eval_every=args.eval_every, n_threads=args.threads,
            dtype=args.dtype, on_point=show, train=train,
        )  # fmt: skip
    except ConfigError as e:
        p.error(str(e))
    result["machine"] = m
    text = quality.markdown(result, machine.summary(m))
    print(text)
    quality.write_json(args.json or HERE / "results" / "quality.json", result)
    (args.markdown or HERE / "QUALITY.md").write_text(text, encoding="utf-8")
    return 0


def _peer(p: argparse.ArgumentParser, args: argparse.Namespace, show, m: dict) -> int:
    """`quality --peer RECIPE`: makemore's Transformer on our split; JSON and a summary line."""
    if not torch_gpt.available():
        p.error("--peer needs PyTorch: pip install '.[bench]'")
    unused = [f"--{k}" for k in ("dtype", "threads", "markdown") if getattr(args, k) is not None]
    if unused:
        p.error(f"{', '.join(unused)}: not for --peer (PyTorch float32, one thread, JSON only)")
    flags = (("seed", args.seed), ("num_steps", args.steps), ("warmup_steps", args.warmup),
             ("eval_every", args.eval_every))  # fmt: skip
    try:
        result = makemore_peer.curve(
            args.peer, train={k: v for k, v in flags if v is not None}, on_point=show
        )
    except ConfigError as e:
        p.error(str(e))
    result["machine"] = m
    path = args.json or HERE / "results" / f"quality_peer_{args.peer}.json"
    quality.write_json(path, result)
    best = min(result["points"], key=lambda pt: pt["val_loss"])
    print(f"makemore's Transformer ({result['params']:,} parameters), {args.peer} recipe, "
          f"seed {result['seed']}: best val {best['val_loss']:.4f} at step {best['step']:,} "
          f"({best['seconds']:.0f} s)")  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
