"""Faults lose nothing: a writer killed mid-save, Ctrl+C during a headless run, a blown-up loss."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
import time

import numpy as np

import core
from microgpt_tui.cli import main

from ..checkout import checkout_env

DOCS = ["emma", "olivia", "ava"] * 10
WRITER = textwrap.dedent(
    """
    import sys
    import core
    run = core.Run.create("makemore", ["emma", "olivia", "ava"] * 10,
                          train={"batch_size": 1, "seed": int(sys.argv[2])})
    while True:
        run.model.flat += 1.0  # every save differs
        run.save(sys.argv[1])
        print("saved", flush=True)
    """
)


def test_a_writer_killed_mid_save_leaves_a_loadable_checkpoint(tmp_path) -> None:
    path = tmp_path / "ckpt.npz"
    rng = np.random.default_rng(0)
    for attempt in range(5):
        proc = subprocess.Popen(
            [sys.executable, "-c", WRITER, str(path), str(attempt)],
            stdout=subprocess.PIPE,
            env=checkout_env(),
            text=True,
        )
        assert proc.stdout.readline().strip() == "saved"
        time.sleep(rng.uniform(0.0, 0.05))  # land somewhere inside a later write
        proc.kill()
        proc.wait(timeout=10)
        rest = proc.stdout.read().splitlines()
        proc.stdout.close()
        assert all(line.strip() == "saved" for line in rest)
        n = 1 + len(rest)  # complete writes announced before the kill
        loaded = core.checkpoint.load(path)  # the last complete write, never a torn one
        start = core.Run.create("makemore", DOCS, train={"batch_size": 1, "seed": attempt})
        # k everywhere after k writes (to rounding: (w + 1) - w need not be 1 exactly)
        shift = loaded.model.flat - start.model.flat
        assert shift[0] > 0.5
        # write n, or n + 1 when the kill landed between its rename and its print
        assert round(shift[0]) in (n, n + 1)
        np.testing.assert_allclose(shift, np.round(shift[0]), atol=1e-9)


def test_ctrl_c_saves_the_last_completed_step(tmp_path) -> None:
    path = tmp_path / "interrupted.npz"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "microgpt_tui",
            "--headless",
            "--steps",
            "1000000",
            "--save",
            str(path),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=checkout_env(),
        text=True,
    )
    seen = []
    for line in proc.stdout:
        seen.append(line)
        if line.startswith("step") and int(line.split()[1]) >= 50:
            break
    proc.send_signal(signal.SIGINT)
    rest, err = proc.communicate(timeout=30)
    out = "".join(seen) + rest
    assert proc.returncode == 130, err
    assert "Traceback" not in err
    saved = [s for s in out.splitlines() if s.startswith("saved step")]
    assert len(saved) == 1
    step = int(saved[0].split()[2])
    assert step >= 50
    last_printed = [int(s.split()[1]) for s in out.splitlines() if s.startswith("step")][-1]
    assert step == last_printed  # the step in progress finished; nothing half-applied
    resumed = core.Run.load(path)
    assert resumed.trainer.step == step
    # the checkpoint continues exactly like the uninterrupted run
    fresh = core.Run.create("seed", train={"num_steps": 1000000})
    for _ in range(step):
        fresh.trainer.train_step()
    np.testing.assert_array_equal(resumed.model.flat, fresh.model.flat)
    assert resumed.trainer.train_step().loss == fresh.trainer.train_step().loss


def test_a_blown_up_loss_stops_training_and_keeps_the_last_parameters(capsys) -> None:
    run = core.Run.create("seed", train={"num_steps": 100, "lr": 1e3})
    before = None
    records = []
    for rec in run.trainer.steps():
        records.append(rec)
        before = run.model.flat.copy()
    last = records[-1]
    assert last.diverged and run.trainer.diverged_at == last.step
    assert last.step < 100
    np.testing.assert_array_equal(run.model.flat, before)  # the bad step changed nothing
    assert run.trainer.step == last.step - 1
    code = main(["--headless", "--steps", "100", "--lr", "1e3", "--samples", "0"])
    out = capsys.readouterr().out
    assert code == 1
    assert f"diverged at step {last.step}" in out
