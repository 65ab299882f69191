"""The README's promises: its `core` example runs, and its set-up is exactly two commands."""

from __future__ import annotations

import re
import subprocess
import sys

from .checkout import ROOT, checkout_env

README = (ROOT / "README.md").read_text()


def test_the_core_api_example_runs(tmp_path) -> None:
    example = re.search(r"```python\n(.*?)```", README, re.S).group(1)
    env = checkout_env()
    result = subprocess.run(
        [sys.executable, "-c", example],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "29910 28 3648" in result.stdout
    assert "[0, 6, 14, 14, 2, 1]" in result.stdout
    assert (tmp_path / "seed.npz").exists()


def test_set_up_is_one_command_to_run_and_one_to_test() -> None:
    for marker in ("run-command", "test-command"):
        block = README.split(f"<!-- {marker} -->")[1].split(f"<!-- /{marker} -->")[0]
        lines = [s for s in block.splitlines() if s.strip() and not s.startswith("```")]
        assert len(lines) == 1, lines
    assert "microgpt-tui" in README.split("<!-- run-command -->")[1].split("<!--")[0]


def test_the_key_table_is_generated_from_the_apps_commands() -> None:
    from microgpt_tui.keytable import BEGIN, END, markdown_table

    start, end = README.index(BEGIN) + len(BEGIN), README.index(END)
    assert README[start:end].strip() == markdown_table().strip(), (
        "README's key table is stale: run `python -m microgpt_tui.keytable --write`"
    )
