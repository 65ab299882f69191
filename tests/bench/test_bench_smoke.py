"""The bench runs end to end in its --quick mode (a handful of steps): the rows and keys it
promises are there. No timing is asserted; speed lives in bench/RESULTS.md."""

import json

import pytest

from bench import quality, torch_gpt
from bench.__main__ import main
from core.presets import get_preset

TRAIN = {
    ("seed", 1), ("microgpt", 1), ("microgpt", 8), ("microgpt", 32), ("microgpt", 128),
    ("microgpt", 512), ("makemore", 32),
}  # fmt: skip


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    assert main(["--quick", "--json", str(out / "r.json"), "--markdown", str(out / "r.md")]) == 0
    return json.loads((out / "r.json").read_text()), (out / "r.md").read_text()


def test_every_promised_row_is_there(quick):
    data, _ = quick
    rows = data["rows"]
    train = {(r["preset"], r["batch"]) for r in rows if r["workload"] == "train"}
    assert TRAIN <= train
    assert {r["threads"] for r in rows if r.get("preset") == "makemore"} == {1, 2}
    for r in rows:
        if r["workload"] == "train":
            assert r["ms_per_step"] > 0 and r["names_per_s"] > 0 and r["tokens_per_s"] > 0
    workloads = {r["workload"] for r in rows}
    assert {"train (scalar engine)", "sample (stream)", "sample (batched)"} <= workloads
    assert data["peak_memory_mb"] > 0
    assert {"cpu", "cores", "numpy", "blas", "torch"} <= set(data["machine"])
    assert len(data["targets"]) == 9


def one_doc_microgpt_row(data) -> dict:
    return next(r for r in data["rows"] if r["workload"] == "train" and r["preset"] == "microgpt")


@pytest.mark.skipif(torch_gpt.available(), reason="PyTorch is installed here")
def test_without_pytorch_our_rows_still_run(quick):
    data, _ = quick
    assert "torch_float32_ms" not in one_doc_microgpt_row(data)


@pytest.mark.skipif(not torch_gpt.available(), reason="PyTorch is not installed (bench extra)")
def test_pytorch_rows_match_our_losses_and_are_timed(quick):
    data, _ = quick
    one = one_doc_microgpt_row(data)
    for dtype in ("float32", "float64"):
        assert one[f"torch_{dtype}_ms"] > 0 and one[f"speedup_vs_torch_{dtype}"] > 0
        assert one[f"torch_{dtype}_check"] < (1e-9 if dtype == "float64" else 2e-4)


def test_the_markdown_table(quick):
    _, md = quick
    assert md.startswith("# microgpt-tui speed")
    assert "| workload | preset | batch |" in md
    assert "Machine: " in md and "| target | measured |" in md


def test_the_quality_curve_runs_end_to_end(tmp_path):
    """`python -m bench quality` on a few steps: the curve's points, the seed's split named;
    a run with other settings than the preset's stays out of the splits table."""
    out = tmp_path / "q.json"
    md_path = tmp_path / "q.md"
    args = ["quality", "--steps", "20", "--warmup", "4", "--eval-every", "10", "--seed", "5"]
    assert main([*args, "--json", str(out), "--markdown", str(md_path)]) == 0
    data, md = json.loads(out.read_text()), md_path.read_text()
    assert [p["step"] for p in data["points"]] == [10, 20]
    assert all(0 < p["val_loss"] < 4 and p["seconds"] > 0 for p in data["points"])
    assert data["settings"]["seed"] == 5 and data["settings"]["num_steps"] == 20
    assert "the 1,000 names that seed 5 holds out" in md
    best = min(data["points"], key=lambda p: p["val_loss"])
    assert f"| 5 | {best['val_loss']:.4f} ({best['step']:,}) |" not in md  # not the preset
    assert "; 2 of 4 at or below 1.92" in md  # the four recorded splits (seeds 1 and 7 meet it)


def test_the_splits_table_takes_a_preset_run_once():
    """A run with the preset's settings joins the recorded splits, unless its seed is one."""
    settings = {f: getattr(get_preset("makemore").train, f) for f in quality.PRESET_FIELDS}
    settings.update(dtype="float64", dropout=0.1, seed=5, threads=1)
    points = [{"step": 28000, "seconds": 300.0, "val_loss": 1.9, "train_loss": 1.8}]
    table = quality.splits_table({"points": points, "settings": settings})
    assert "| 5 | 1.9000 (28,000) | 1.9000 (28,000) |" in table
    assert "; 3 of 5 at or below 1.92" in table
    recorded = quality.splits_table({"points": points, "settings": {**settings, "seed": 1}})
    assert recorded.count("| 1 |") == 1 and "; 2 of 4 at or below 1.92" in recorded


def test_quality_refuses_an_impossible_config_in_one_line(capsys):
    with pytest.raises(SystemExit) as e:
        main(["quality", "--steps", "20"])  # the preset's 500 warm-up steps do not fit
    assert e.value.code == 2
    stderr = capsys.readouterr().err
    assert "Traceback" not in stderr
    err = stderr.strip().splitlines()[-1]
    assert "warmup_steps" in err and "Traceback" not in err
    assert err.startswith("python -m bench quality: error:")


@pytest.mark.skipif(not torch_gpt.available(), reason="PyTorch is not installed (bench extra)")
@pytest.mark.parametrize("recipe", ["makemore", "preset"])
def test_the_makemore_peer_trains_on_our_split(recipe, tmp_path):
    out = tmp_path / "peer.json"
    args = ["quality", "--peer", recipe, "--steps", "20", "--warmup", "4", "--eval-every", "10"]
    assert main([*args, "--json", str(out)]) == 0
    data = json.loads(out.read_text())
    assert data["recipe"] == recipe and data["seed"] == 42
    # makemore's Transformer: vocab V, width C, context T, L layers; biases on all but lm_head
    V, C, T, L = 28, 64, 16, 4
    per_layer = (
        2 * C  # ln_1
        + C * 3 * C + 3 * C  # c_attn
        + C * C + C  # c_proj
        + 2 * C  # ln_2
        + C * 4 * C + 4 * C  # c_fc
        + 4 * C * C + C  # mlp c_proj
    )  # fmt: skip
    expected = V * C + T * C + L * per_layer + 2 * C + C * V  # wte, wpe, blocks, ln_f, lm_head
    assert data["params"] == expected
    assert data["params"] == 204_672  # makemore's Transformer, 64 wide, 4 layers, vocab 28
    assert [p["step"] for p in data["points"]] == [10, 20]
    first, last = (p["val_loss"] for p in data["points"])
    assert last < first < 3.4  # it learns from the random-guess loss ln 28 = 3.33


def test_the_peer_without_pytorch_is_a_one_line_error(capsys, monkeypatch):
    monkeypatch.setattr(torch_gpt, "available", lambda: False)  # as if PyTorch were missing
    with pytest.raises(SystemExit) as e:
        main(["quality", "--peer", "makemore", "--steps", "20"])
    assert e.value.code == 2
    stderr = capsys.readouterr().err
    assert "needs PyTorch" in stderr
    assert "Traceback" not in stderr
    last = stderr.strip().splitlines()[-1]
    assert last.startswith("python -m bench quality: error:") and "needs PyTorch" in last
