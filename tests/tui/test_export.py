"""Metrics from the app: the bounded step log, E (palette: Export metrics) and --metrics at quit."""

from __future__ import annotations

import csv
import json

from core import StepRecord
from microgpt_tui.app import MicroGPTApp
from microgpt_tui.cli import build_app, build_parser
from microgpt_tui.metrics_log import MetricsLog
from microgpt_tui.widgets import SamplerPanel

from .helpers import WIDE, make_run, step_of, wait_for


def record(step: int, **kw) -> StepRecord:
    return StepRecord(step, 100, 3.0 - step / 100, 0.01, 1.0, ("emma",), (3.0,), 5, **kw)


def test_the_log_keeps_every_step_until_full_then_thins_evenly() -> None:
    log = MetricsLog(max_rows=8)
    for step in range(1, 8):
        log.add(record(step))
    assert [r.step for r in log.rows()] == list(range(1, 8))
    log.add(record(8))  # full: keep the even steps, and from now on only those
    assert [r.step for r in log.rows()] == [2, 4, 6, 8] and log.stride == 2
    log.add(record(9))
    log.add(record(10))
    log.add(record(11, val_loss=2.5))  # an evaluation step is always kept
    assert [r.step for r in log.rows()] == [2, 4, 6, 8, 10, 11]
    row = log.rows()[-1]
    assert row.loss == 3.0 - 11 / 100 and row.val_loss == 2.5 and row.tokens == 5
    for step in (12, 13, 14):  # 14 fills it again: the thinning keeps the evaluation at 11 too
        log.add(record(step))
    assert [r.step for r in log.rows()] == [4, 8, 11, 12] and log.stride == 4


async def test_export_writes_the_steps_so_far_the_config_and_samples(tmp_path) -> None:
    path = tmp_path / "app.jsonl"
    run = make_run()
    app = MicroGPTApp(run, paused=True, metrics_path=str(path))
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("n", "n", "n")
        await wait_for(pilot, lambda: step_of(app) == 3)
        await pilot.press("E")
        await wait_for(pilot, lambda: path.exists() and bool(app._notifications))
        await wait_for(pilot, lambda: path.read_text().endswith("]}\n"))
        rows = [json.loads(line) for line in path.read_text().splitlines()]
        assert rows[0]["type"] == "config" and rows[0]["num_params"] == run.model.num_params
        steps = [r for r in rows if r["type"] == "step"]
        assert [r["step"] for r in steps] == [1, 2, 3]
        assert steps[-1]["loss"] == app.loop.last.loss
        assert rows[-1]["type"] == "samples" and len(rows[-1]["names"]) == 5  # drawn for it
        assert "3 steps written to" in str(list(app._notifications)[-1].message)


async def test_export_to_csv_with_the_names_sampled(tmp_path) -> None:
    app = MicroGPTApp(make_run(), paused=True, metrics_path=str(tmp_path / "m.csv"))
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("n", "s")
        panel = app.main_screen.query_one(SamplerPanel)
        await wait_for(pilot, lambda: step_of(app) == 1 and len(panel.names) == 1)
        await pilot.press("E")
        await wait_for(pilot, lambda: (tmp_path / "m.json").exists())
        with open(tmp_path / "m.csv", newline="") as f:
            assert [r["step"] for r in csv.DictReader(f)] == ["1"]
        side = json.loads((tmp_path / "m.json").read_text())
        assert side["config"]["preset"] == "seed" and side["samples"] == [panel.names[0][0]]


async def test_without_metrics_path_export_goes_to_the_working_directory(
    tmp_path, monkeypatch
) -> None:
    monkeypatch.chdir(tmp_path)
    app = MicroGPTApp(make_run(), paused=True)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("E")
        written = tmp_path / "microgpt-seed-step0-metrics.jsonl"
        await wait_for(pilot, lambda: written.exists() and bool(app._notifications))
    assert sorted(p.name for p in tmp_path.iterdir()) == [written.name]  # none at exit


async def test_metrics_path_is_written_when_the_app_closes(tmp_path) -> None:
    path = tmp_path / "end.jsonl"
    args = build_parser().parse_args(["--paused", "--metrics", str(path)])
    app = build_app(args, make_run())
    assert isinstance(app, MicroGPTApp) and app.metrics_path == str(path)
    async with app.run_test(size=WIDE) as pilot:
        await pilot.press("n", "n")
        await wait_for(pilot, lambda: step_of(app) == 2)
    steps = [json.loads(s) for s in path.read_text().splitlines()]
    assert [r["step"] for r in steps if r["type"] == "step"] == [1, 2]
