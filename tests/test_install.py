"""The installed command works from any folder with the bundled names (CI installs a wheel)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = Path(sys.executable).parent / "microgpt-tui"


def test_installed_command_trains_on_the_bundled_names_from_any_folder(tmp_path) -> None:
    if not SCRIPT.exists():
        assert not os.environ.get("CI"), f"CI installs the project, yet {SCRIPT} is missing"
        pytest.skip("microgpt-tui is not installed in this environment")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    result = subprocess.run(
        [str(SCRIPT), "--headless", "--steps", "20", "--samples", "2"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "29,910 docs" in result.stdout
    assert "vocab size: 28" in result.stdout
    assert "num params: 3,648" in result.stdout
    probe = subprocess.run(
        [sys.executable, "-c", "import core; print(core.bundled_names_path())"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    names = Path(probe.stdout.strip())
    assert names.is_file() and len(names.read_text().split()) == 29_910
