"""--metrics writes every step with the run's config and final samples, as JSON lines or CSV."""

from __future__ import annotations

import csv
import json

import core
from microgpt_tui.cli import main

ARGS = ["--headless", "--steps", "12", "--eval-every", "5", "--samples", "3", "--seed", "7"]


def _reference_losses() -> list[float]:
    run = core.Run.create("seed", train={"num_steps": 12, "eval_every": 5, "seed": 7})
    return [rec.loss for rec in run.trainer.steps()]


def test_json_lines_hold_config_every_step_and_the_samples(tmp_path, capsys) -> None:
    path = tmp_path / "run.jsonl"
    assert main([*ARGS, "--metrics", str(path)]) == 0
    printed = [
        s.split(": ")[1] for s in capsys.readouterr().out.splitlines() if s.startswith("sample")
    ]
    rows = [json.loads(line) for line in path.read_text().splitlines()]
    assert rows[0]["type"] == "config" and rows[0]["num_params"] == 3648
    assert rows[0]["train"]["seed"] == 7
    steps = [r for r in rows if r["type"] == "step"]
    assert [r["step"] for r in steps] == list(range(1, 13))
    assert [r["loss"] for r in steps] == _reference_losses()
    assert [r["step"] for r in steps if r["val_loss"] is not None] == [5, 10, 12]
    assert rows[-1] == {"type": "samples", "names": [p.split()[0] for p in printed]}


def test_csv_rows_with_config_and_samples_beside(tmp_path) -> None:
    path = tmp_path / "run.csv"
    assert main([*ARGS, "--metrics", str(path)]) == 0
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert [float(r["loss"]) for r in rows] == _reference_losses()
    assert rows[0]["val_loss"] == "" and rows[4]["val_loss"] != ""
    side = json.loads(path.with_suffix(".json").read_text())
    assert side["config"]["preset"] == "seed" and len(side["samples"]) == 3
