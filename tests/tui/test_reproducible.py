"""Same seed, data and config: the app and the headless CLI train bitwise the same run.

The app's names (S) are drawn one at a time, each with its probabilities (as `run.stream` and
`core.sample_name` do); `run.sample()` draws all names at once, one random number per name per
position, so the same seed gives other names there. Both are reproducible on their own.
"""

from __future__ import annotations

import contextlib
import io
import json

import numpy as np

from core import Run, sample_name
from core.checkpoint import load as load_checkpoint
from microgpt_tui.cli import build_app, build_parser, build_run, main

from .helpers import NAMES, WIDE, wait_for

STEPS = 60


def common(tmp_path) -> list[str]:
    data = tmp_path / "names.txt"
    data.write_text("\n".join(NAMES) + "\n")
    return ["--data", str(data), "--steps", str(STEPS), "--seed", "5", "--eval-every", "25"]


def headless(tmp_path) -> tuple[list[float], list[str]]:
    """Train with the CLI; the losses and the final samples from its metrics file."""
    argv = [*common(tmp_path), "--headless", "--save", str(tmp_path / "cli.npz")]
    with contextlib.redirect_stdout(io.StringIO()):
        assert main([*argv, "--metrics", str(tmp_path / "cli.jsonl")]) == 0
    rows = [json.loads(line) for line in (tmp_path / "cli.jsonl").read_text().splitlines()]
    losses = [r["loss"] for r in rows if r["type"] == "step"]
    samples = next(r["names"] for r in rows if r["type"] == "samples")
    return losses, samples


async def test_app_and_cli_train_the_same_bits(tmp_path) -> None:
    cli_losses, cli_samples = headless(tmp_path)
    args = build_parser().parse_args(
        [*common(tmp_path), "--speed", "max", "--save", str(tmp_path / "app.npz")]
    )
    run = build_run(args)
    app = build_app(args, run)
    losses: list[float] = []
    real_step = run.trainer.train_step

    def recorded():
        rec = real_step()
        losses.append(rec.loss)
        return rec

    run.trainer.train_step = recorded
    async with app.run_test(size=WIDE) as pilot:
        await wait_for(pilot, lambda: app.snapshot.state == "done")
        await pilot.press("ctrl+s")
        await wait_for(pilot, (tmp_path / "app.npz").exists)
        assert app.snapshot.figures.val_loss == run.trainer.last_val_loss

    assert losses == cli_losses and len(losses) == STEPS  # floats compared exactly
    a, c = load_checkpoint(tmp_path / "app.npz"), load_checkpoint(tmp_path / "cli.npz")
    assert a.step == c.step == STEPS
    assert a.model.flat.dtype == np.float64
    assert np.array_equal(a.model.flat, c.model.flat)
    assert np.array_equal(a.optimizer.m, c.optimizer.m)
    assert np.array_equal(a.optimizer.v, c.optimizer.v)
    assert a.optimizer.t == c.optimizer.t
    assert a.rng_state == c.rng_state
    assert a.train_config == c.train_config and a.sample_config == c.sample_config
    # the CLI's closing samples come back from the app's checkpoint
    assert Run.load(tmp_path / "app.npz").sample() == cli_samples


async def test_app_names_are_the_seeds_names(tmp_path) -> None:
    args = build_parser().parse_args([*common(tmp_path), "--speed", "max"])
    app = build_app(args, build_run(args))
    async with app.run_test(size=WIDE) as pilot:
        await wait_for(pilot, lambda: app.snapshot.state == "done")
        await pilot.press("S")
        panel = app.main_screen.query_one("#sampler")
        await wait_for(pilot, lambda: len(panel.names) == 10)
        shown = [name for name, _ in reversed(panel.names)]  # the panel lists newest first
    fresh = build_run(args)  # the same seed: the same weights after training, the same RNG
    for _ in fresh.trainer.steps():
        pass
    cfg = fresh.sample_config
    expected = [
        sample_name(
            fresh.model,
            fresh.dataset.tokenizer,
            fresh.rng,
            temperature=cfg.temperature,
            top_k=cfg.top_k,
        )
        for _ in range(10)
    ]
    assert shown == expected
