"""The command line: parse options into a `core.Run`, then open the app or train headless.

Bad input (a missing file, an impossible value, a corrupt checkpoint) ends in one line on stderr
and exit code 2, never a traceback.
"""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import replace
from pathlib import Path

# One BLAS thread: at these sizes threads cost more than they save (see bench/).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

from core import (  # noqa: E402  (after the BLAS setting, which must precede numpy)
    PRESETS,
    CheckpointError,
    ConfigError,
    DataError,
    Run,
    TokenizerError,
)
from core import threads as core_threads  # noqa: E402

from .speed import DEFAULT_SPEED, parse_speed, speed_label  # noqa: E402

EXIT_BAD_INPUT = 2
USER_ERRORS = (ConfigError, DataError, CheckpointError, TokenizerError)

# CLI flag -> (config, field)
MODEL_FLAGS = {
    "n_embd": "n_embd",
    "n_head": "n_head",
    "n_layer": "n_layer",
    "block_size": "block_size",
    "dtype": "dtype",
    "dropout": "dropout",
}
TRAIN_FLAGS = {
    "steps": "num_steps",
    "batch_size": "batch_size",
    "lr": "lr",
    "seed": "seed",
    "engine": "engine",
    "eval_every": "eval_every",
    "weight_decay": "weight_decay",
    "warmup_steps": "warmup_steps",
}
SAMPLE_FLAGS = {"samples": "num_samples", "temperature": "temperature", "top_k": "top_k"}


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (exit 2), like every other bad input."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_BAD_INPUT, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="microgpt-tui",
        description="Watch a tiny GPT learn to invent names, live, in your terminal.",
    )
    p.add_argument("--headless", action="store_true", help="train in the terminal, no UI")
    p.add_argument("--paused", action="store_true", help="open the app without training")
    p.add_argument(
        "--speed",
        type=_speed,
        default=DEFAULT_SPEED,
        metavar="N|max",
        help=f"steps per second in the app (default: {speed_label(DEFAULT_SPEED)}; < > change it)",
    )
    p.add_argument(
        "--preset",
        default="seed",
        choices=sorted(PRESETS),
        help="model/training preset (default: seed, the document's model)",
    )
    p.add_argument(
        "--data",
        metavar="PATH",
        help="UTF-8 text, one document per line (default: the bundled 29,910 names)",
    )
    p.add_argument("--load", metavar="PATH", help="resume from a checkpoint (.npz)")
    p.add_argument("--save", metavar="PATH", help="write a checkpoint at the end (and on Ctrl+C)")
    p.add_argument(
        "--metrics",
        metavar="PATH",
        help="write per-step metrics as JSON lines (or CSV if PATH ends in .csv)",
    )
    p.add_argument("--autosave", metavar="PATH", help="also write a checkpoint every k steps")
    p.add_argument(
        "--autosave-every",
        type=int,
        default=100,
        metavar="K",
        help="steps between autosaves (default: 100)",
    )
    g = p.add_argument_group("training")
    g.add_argument("--steps", type=int, help="optimisation steps")
    g.add_argument("--batch-size", type=int, help="documents per step")
    g.add_argument("--lr", type=float, help="peak learning rate")
    g.add_argument("--warmup-steps", type=int, help="linear warm-up steps")
    g.add_argument("--seed", type=int, help="seed for init, data order and sampling")
    g.add_argument(
        "--engine", choices=["numpy", "scalar"], help="numpy, or the scalar Value engine"
    )
    g.add_argument("--eval-every", type=int, help="validation loss every k steps (0: at the end)")
    g.add_argument(
        "--weight-decay",
        type=float,
        help="AdamW weight decay (default: the preset's; makemore 0.1, else 0: plain Adam)",
    )
    g.add_argument(
        "--threads", type=int, help="BLAS threads (default: chosen by model size, usually 1)"
    )
    g = p.add_argument_group("model")
    g.add_argument("--n-embd", type=int, help="embedding width")
    g.add_argument("--n-head", type=int, help="attention heads")
    g.add_argument("--n-layer", type=int, help="transformer layers")
    g.add_argument("--block-size", type=int, help="context length in tokens")
    g.add_argument("--dtype", choices=["float64", "float32"], help="parameter precision")
    g.add_argument(
        "--dropout",
        type=float,
        metavar="P",
        help="dropout in training steps, 0 <= P < 1 (default: the preset's; makemore 0.1, else 0)",
    )
    g = p.add_argument_group("sampling")
    g.add_argument("--samples", type=int, help="names to sample at the end")
    g.add_argument("--temperature", type=float, help="sampling temperature (> 0)")
    g.add_argument("--top-k", type=int, help="sample among the k most likely tokens")
    return p


def _speed(text: str) -> float | None:
    try:
        return parse_speed(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"must be a positive number of steps/s or max, got {text!r}"
        ) from None


def _overrides(args: argparse.Namespace, flags: dict[str, str]) -> dict:
    return {
        field: getattr(args, flag)
        for flag, field in flags.items()
        if getattr(args, flag) is not None
    }


def build_run(args: argparse.Namespace) -> Run:
    """The Run the options describe: a fresh one, or one loaded from --load with overrides."""
    if args.load:
        run = Run.load(args.load, data=args.data)
        model = _overrides(args, MODEL_FLAGS)
        dropout = model.pop("dropout", None)  # not a size: a resumed run may change it
        if model:
            raise ConfigError(f"model sizes cannot change when loading a checkpoint: {args.load}")
        train = _overrides(args, TRAIN_FLAGS)
        if "num_steps" in train:
            run.trainer.extend(train.pop("num_steps"))
        try:
            run.trainer.reconfigure(dropout, **train)  # checked as a new run's would be
        except ConfigError as e:
            raise ConfigError(f"{e} when loading a checkpoint: {args.load}") from None
        sample = _overrides(args, SAMPLE_FLAGS)
        if sample:
            run.sample_config = replace(run.sample_config, **sample)
        return run
    return Run.create(
        args.preset,
        args.data,
        model=_overrides(args, MODEL_FLAGS),
        train=_overrides(args, TRAIN_FLAGS),
        sample=_overrides(args, SAMPLE_FLAGS),
    )


def check_writable(path: str) -> None:
    """Refuse a --save path that cannot be written, before any training time is spent."""
    target = Path(path)
    if target.is_dir():
        raise CheckpointError(f"checkpoint path is a directory: {target}")
    parent = target.parent
    while not parent.exists() and parent != parent.parent:
        parent = parent.parent
    if not parent.is_dir():  # a file where a directory of the path should be
        raise CheckpointError(f"checkpoint path is under a file, not a directory: {target}")
    if not os.access(parent, os.W_OK):
        raise CheckpointError(f"checkpoint path is not writable: {target}")


def use_blas_threads(run: Run, threads: int | None) -> None:
    """Set the BLAS thread count: the override, or what suits this model (see core.threads)."""
    if threads is not None and threads < 1:
        raise ConfigError(f"--threads must be at least 1, got {threads}")
    cfg = run.trainer.config
    core_threads.use(threads or core_threads.recommended(run.model.config, cfg.batch_size))


def fail(message: str) -> int:
    print(f"microgpt-tui: error: {message}", file=sys.stderr)
    return EXIT_BAD_INPUT


def main(argv: list[str] | None = None) -> int:
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as e:  # --help, or a malformed option (already reported in one line)
        return int(e.code or 0)
    try:
        for path in (args.save, args.autosave, args.metrics):
            if path:
                check_writable(path)
        if args.autosave_every < 1:
            raise ConfigError(f"--autosave-every must be >= 1, got {args.autosave_every}")
        run = build_run(args)
        use_blas_threads(run, args.threads)
    except USER_ERRORS as e:
        return fail(str(e))
    if args.headless:
        from .headless import run_headless

        try:
            return run_headless(
                run,
                save=args.save,
                autosave=args.autosave,
                autosave_every=args.autosave_every,
                metrics=args.metrics,
            )
        except USER_ERRORS as e:
            return fail(str(e))
        except BrokenPipeError:  # e.g. piped into `head`: stop quietly
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            return 0
        except OSError as e:
            return fail(f"{e.strerror or e}: {e.filename or args.save}")
    app = build_app(args, run)
    app.run()
    return app.return_code or 0


def build_app(args: argparse.Namespace, run: Run):
    """The app the options describe, on `run` (not started)."""
    from .app import MicroGPTApp

    return MicroGPTApp(
        run,
        paused=args.paused,
        save_path=args.save,
        autosave=args.autosave,
        autosave_every=args.autosave_every,
        speed=args.speed,
        metrics_path=args.metrics,
    )


if __name__ == "__main__":
    sys.exit(main())
