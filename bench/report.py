"""The bench's output: a Markdown table (with the machine and the issue's targets) and JSON."""

from __future__ import annotations

import json
from pathlib import Path

from .machine import summary

COLUMNS = (
    "workload", "preset", "batch", "dtype", "threads", "ms / step", "names / s", "tokens / s",
    "PyTorch f32 ms", "PyTorch f64 ms", "x vs PyTorch f32", "x vs PyTorch f64",
)  # fmt: skip


def _num(x, digits: int = 0) -> str:
    if x is None:
        return ""
    if digits:
        return f"{x:,.{digits}f}"
    return f"{x:,.0f}"


def _ms(x) -> str:
    if x is None:
        return ""
    return f"{x:.3f}" if x < 1 else f"{x:.2f}" if x < 100 else f"{x:,.0f}"


def row_cells(r: dict) -> list[str]:
    if "skipped" in r:
        return [r["workload"], "", "", "", "", f"skipped: {r['skipped']}", *[""] * 6]
    ms = r.get("ms_per_step", r.get("ms_per_name"))
    return [
        r["workload"], r["preset"], str(r["batch"]), r["dtype"], str(r["threads"]), _ms(ms),
        _num(r.get("names_per_s")), _num(r.get("tokens_per_s")),
        _ms(r.get("torch_float32_ms")), _ms(r.get("torch_float64_ms")),
        _num(r.get("speedup_vs_torch_float32"), 1), _num(r.get("speedup_vs_torch_float64"), 1),
    ]  # fmt: skip


def table(rows: list[dict]) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    lines += ["| " + " | ".join(row_cells(r)) + " |" for r in rows]
    return "\n".join(lines)


def _find(rows, workload, **kw):
    for r in rows:
        if r.get("workload") == workload and all(r.get(k) == v for k, v in kw.items()):
            return r
    return None


def targets(rows: list[dict]) -> list[tuple[str, str, bool | None]]:
    """(target, measured, met) for each of the issue's speed targets (met None: not measured)."""
    out = []
    one = _find(rows, "train", preset="microgpt", batch=1, dtype="float64", threads=1) or {}
    ms = one.get("ms_per_step")
    out.append(("microgpt, 1 doc/step: <= 0.10 ms per step", _ms(ms), ms and ms <= 0.10))
    x = one.get("speedup_vs_torch_float32")
    out.append(("1 doc/step: >= 10x PyTorch eager float32 (1 thread)", _num(x, 1), x and x >= 10))
    for threads in (1, 2):  # like for like: our float32 against its float32, and float64
        for dtype in ("float32", "float64"):
            mm = _find(rows, "train", preset="makemore", batch=32, dtype=dtype, threads=threads)
            x = (mm or {}).get(f"speedup_vs_torch_{dtype}")
            out.append(
                (f"makemore batch 32, {threads} thread(s): >= 1.5x PyTorch ({dtype} both)",
                 _num(x, 2), x and x >= 1.5)
            )  # fmt: skip
    best = max(
        (r for r in rows if r.get("workload") == "train" and r.get("preset") == "microgpt"),
        key=lambda r: r["names_per_s"],
        default=None,
    )
    if best:
        where = f"{_num(best['names_per_s'])} (batch {best['batch']}, {best['dtype']})"
        out.append(("batched microgpt: >= 50,000 names/s", where, best["names_per_s"] >= 50_000))
    for workload, goal in (("sample (stream)", 5_000), ("sample (batched)", 50_000)):
        r = _find(rows, workload) or {}
        v = r.get("names_per_s")
        out.append((f"{workload}: >= {goal:,} names/s", _num(v), v and v >= goal))
    return [(t, m, None if m in ("", None) else bool(ok)) for t, m, ok in out]


def markdown(machine: dict, rows: list[dict], peak_mb: float, quick: bool) -> str:
    marks = {True: "met", False: "**missed**", None: "not measured"}
    lines = [
        "# microgpt-tui speed" + (" (quick run: too short to trust)" if quick else ""),
        "",
        f"Machine: {summary(machine)}",
        "",
        *_busy_warning(machine),
        "A training step is `Trainer.train_step`: batch preparation, forward, backward, Adam "
        "and the step record. Medians over repeats after warm-up; names/s and tokens/s count "
        "documents and predicted positions. PyTorch 2.x eager runs the same model from the same "
        "weights on the same batches, at the same thread count, after its losses were checked "
        "against ours; `x vs PyTorch` is its time over ours.",
        "",
        table(rows),
        "",
        f"Peak memory of the bench process: {peak_mb:,.0f} MB.",
        "",
        "| target | measured | |",
        "|---|---|---|",
    ]
    lines += [f"| {t} | {m} | {marks[ok]} |" for t, m, ok in targets(rows)]
    return "\n".join(lines) + "\n"


def _busy_warning(machine: dict) -> list[str]:
    """A warning when other processes were running: on 2 cores they halve these numbers."""
    load = machine.get("load_average", [0.0])[0]
    if load < 0.5:
        return []
    return [
        f"**The machine was busy (load average {load:.2f} at the start): other processes shared "
        "the cores, so these figures are pessimistic. Re-run `python -m bench` on an idle "
        "machine.**",
        "",
    ]


def write_json(path: Path, machine: dict, rows: list[dict], peak_mb: float) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {"machine": machine, "rows": rows, "peak_memory_mb": peak_mb}
    data["targets"] = [{"target": t, "measured": m, "met": ok} for t, m, ok in targets(rows)]
    path.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
