"""The headless command line: what it prints, that the numbers are the run's, bad input, and
save/load/extend."""

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from core import Run
from microgpt_tui.cli import main

ROOT = Path(__file__).resolve().parents[1]

NAMES = """emma olivia ava isabella sophia mia charlotte amelia harper evelyn liam noah william
james oliver benjamin elijah lucas mason logan jo ed christopher maximiliano zoe quinn kyle
xavier yusuf bo""".split()

STEP = re.compile(r"^step +(\d+) / (\d+) \| loss (\d+\.\d{4})( \| val (\d+\.\d{4}))?$")


@pytest.fixture
def names_file(tmp_path):
    path = tmp_path / "few.txt"
    path.write_text("\n".join(NAMES) + "\n", encoding="utf-8")
    return path


def run_cli(capsys, *argv):
    code = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def step_lines(lines):
    return [STEP.match(line) for line in lines if STEP.match(line)]


def test_headless_prints_the_runs_figures(capsys, names_file):
    argv = ["--headless", "--data", names_file, "--steps", 20, "--eval-every", 10]
    code, lines, err = run_cli(capsys, *argv, "--samples", 3, "--seed", 7)
    assert (code, err) == (0, "")
    assert "vocab size: 28" in lines
    assert "num params: 3,648" in lines
    assert any(line.startswith("dataset: few (30 docs: 27 train, 3 val)") for line in lines)
    cut = sum(len(name) >= 8 for name in NAMES)  # BOS + 8 letters fill a block of 8: no EOS
    assert any(f"{cut} of 30 docs are longer than the block" in line for line in lines)
    steps = step_lines(lines)
    assert [int(m[1]) for m in steps] == list(range(1, 21))
    assert all(m[2] == "20" for m in steps)
    assert [int(m[1]) for m in steps if m[5]] == [10, 20]
    samples = [line for line in lines if line.startswith("sample ")]
    assert len(samples) == 3
    # the printed numbers and names are the run's own: the same run, in-process
    run = Run.create("seed", names_file, train={"num_steps": 20, "eval_every": 10, "seed": 7})
    records = list(run.trainer.steps())
    assert [m[3] for m in steps] == [f"{r.loss:.4f}" for r in records]
    assert f"val loss: {records[-1].val_loss:.4f}" in lines
    for i, name in enumerate(run.sample(3), 1):
        assert re.fullmatch(rf"sample +{i}: {name}(  \(in data\))?", samples[i - 1])


def test_headless_on_the_bundled_names(capsys):
    code, lines, err = run_cli(capsys, "--headless", "--steps", 5, "--samples", 2)
    assert (code, err) == (0, "")
    assert "vocab size: 28" in lines and "num params: 3,648" in lines
    assert any("29,910 docs" in line for line in lines)
    assert len(step_lines(lines)) == 5


def test_headless_microgpt_preset(capsys, names_file):
    argv = ["--headless", "--preset", "microgpt", "--data", names_file, "--steps", 3]
    code, lines, _ = run_cli(capsys, *argv, "--samples", 0)
    assert code == 0
    assert "num params: 4,224" in lines
    assert not any(line.startswith("sample ") for line in lines)
    assert "block 16, engine numpy)" in next(x for x in lines if x.startswith("preset:"))


def test_the_header_names_dropout_and_weight_decay(capsys, names_file):
    argv = ["--headless", "--preset", "makemore", "--data", names_file, "--steps", 1]
    argv += ["--warmup-steps", 0]
    code, lines, _ = run_cli(capsys, *argv, "--samples", 0, "--batch-size", 2)
    assert code == 0
    header = next(line for line in lines if line.startswith("preset: makemore"))
    assert "block 16, dropout 0.1, weight decay 0.1, engine numpy)" in header
    _, lines, _ = run_cli(capsys, *argv, "--samples", 0, "--batch-size", 2, "--dropout", 0)
    assert "block 16, weight decay 0.1, engine numpy)" in lines[3]


def test_a_tiny_file_without_a_validation_split(capsys, tmp_path):
    path = tmp_path / "three.txt"
    path.write_text("ann\nbob\n\ncy\n")
    code, lines, err = run_cli(capsys, "--headless", "--data", path, "--steps", 4)
    assert (code, err) == (0, "")
    assert "vocab size: 8" in lines
    assert len(step_lines(lines)) == 4
    assert not any(line.startswith("val loss") for line in lines)


@pytest.mark.parametrize(
    "argv, words",
    [
        (["--data", "{tmp}/missing.txt"], ["{tmp}/missing.txt"]),
        (["--n-embd", "15"], ["n_embd", "15"]),
        (["--lr", "-1"], ["lr", "-1"]),
        (["--temperature", "0"], ["temperature"]),
        (["--load", "{tmp}/garbage.npz"], ["{tmp}/garbage.npz"]),
        (["--data", "{tmp}"], ["directory", "{tmp}"]),
        (["--steps", "0"], ["num_steps"]),
        (["--top-k", "0"], ["top_k"]),
    ],
    ids=[
        "missing-data",
        "n-embd",
        "lr",
        "temperature",
        "garbage-load",
        "data-dir",
        "steps",
        "top-k",
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys, tmp_path, argv, words):
    (tmp_path / "garbage.npz").write_bytes(b"\x00\x01 not a checkpoint" * 50)
    argv = [a.replace("{tmp}", str(tmp_path)) for a in argv]
    code, lines, err = run_cli(capsys, "--headless", "--steps", 3, *argv)
    assert code == 2
    assert "Traceback" not in err
    err_lines = err.strip().splitlines()
    assert len(err_lines) == 1 and err_lines[0].startswith("microgpt-tui: error: ")
    for word in words:
        assert word.replace("{tmp}", str(tmp_path)) in err_lines[0]
    assert not step_lines(lines)


def test_save_then_load_and_extend(capsys, names_file, tmp_path):
    ckpt = tmp_path / "out" / "run.npz"
    base = ["--headless", "--data", names_file, "--samples", 1, "--eval-every", 0]
    code, lines, _ = run_cli(capsys, *base, "--steps", 10, "--save", ckpt)
    assert code == 0 and ckpt.is_file()
    assert any(line.startswith("saved step 10") for line in lines)
    code, lines, err = run_cli(capsys, "--headless", "--load", ckpt, "--steps", 15)
    assert (code, err) == (0, "")
    steps = step_lines(lines)
    assert [int(m[1]) for m in steps] == [11, 12, 13, 14, 15]
    assert all(m[2] == "15" for m in steps)
    # exactly what extending the same run in-process gives
    run = Run.create("seed", names_file, train={"num_steps": 10, "eval_every": 0})
    list(run.trainer.steps())
    run.trainer.extend(15)
    assert [m[3] for m in steps] == [f"{r.loss:.4f}" for r in run.trainer.steps()]
    # fewer steps than already done is refused
    code, _, err = run_cli(capsys, "--headless", "--load", ckpt, "--steps", 5)
    assert code == 2 and "num_steps" in err and len(err.strip().splitlines()) == 1


def test_headless_autosave_every_k_steps_and_at_the_end(capsys, names_file, tmp_path, monkeypatch):
    """The app's rule: every k steps and at the end (25 is no multiple of 10)."""
    import microgpt_tui.autosave as autosave_module

    written, real_save = [], autosave_module.save_checkpoint

    def save(path, ckpt):
        written.append(ckpt.step)
        return real_save(path, ckpt)

    monkeypatch.setattr(autosave_module, "save_checkpoint", save)
    path = tmp_path / "auto.npz"
    base = ["--headless", "--data", names_file, "--samples", 1, "--eval-every", 0]
    code, _, err = run_cli(capsys, *base, "--steps", 25, "--autosave", path, "--autosave-every", 10)
    assert (code, err) == (0, "")
    assert written == [10, 20, 25]
    assert Run.load(path).trainer.step == 25
    # a place it cannot write is one line naming it, exit 2
    blocked = tmp_path / "a-file"
    blocked.write_text("x")
    argv = [*base, "--steps", 12, "--autosave", blocked / "auto.npz", "--autosave-every", 10]
    code, lines, err = run_cli(capsys, *argv)
    assert code == 2 and str(blocked) in err and len(err.strip().splitlines()) == 1
    assert not step_lines(lines) and written == [10, 20, 25]  # refused before any training


def test_python_dash_m_prints_plain_lines(tmp_path, names_file):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    argv = ["--headless", "--data", str(names_file), "--steps", "5", "--samples", "2"]
    result = subprocess.run(
        [sys.executable, "-m", "microgpt_tui", *argv],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert [int(m[1]) for m in step_lines(lines)] == [1, 2, 3, 4, 5]
    assert "\x1b[" not in result.stdout  # no terminal control codes when piped
    assert len([line for line in lines if line.startswith("sample ")]) == 2
