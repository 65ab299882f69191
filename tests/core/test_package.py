"""The package boundary: `import core` loads no UI library."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_core_imports_no_ui_library():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    check = (
        "import core, sys; "
        f"assert core.__file__.startswith({str(ROOT)!r}), core.__file__; "
        "assert 'textual' not in sys.modules and 'rich' not in sys.modules"
    )
    result = subprocess.run(
        [sys.executable, "-c", check], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_the_public_api_is_exported():
    import core

    for name in core.__all__:
        assert hasattr(core, name), name
