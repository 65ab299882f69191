"""Run every bad-input case and print the README's table of what the user sees.

python -m tests.reliability.table          # print the table
python -m tests.reliability.table --write  # replace it in README.md
"""

from __future__ import annotations

import contextlib
import io
import sys
import tempfile
from pathlib import Path

from microgpt_tui.cli import main

from .bad_inputs import CASES, Case

README = Path(__file__).resolve().parents[2] / "README.md"
BEGIN, END = "<!-- bad-input-table -->", "<!-- /bad-input-table -->"


def outcome(case: Case, tmp: Path) -> tuple[int, str]:
    """Exit code and the line the user sees (the error, or the line showing the handling)."""
    argv = case.argv(tmp)
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(argv)
    text = err.getvalue() if case.refused else out.getvalue()
    line = next((s for s in text.splitlines() if case.expect in s), text.strip())
    return code, line.replace(str(tmp), "…")


def table() -> str:
    rows = ["| input | what happens | exit |", "|---|---|---|"]
    for case in CASES:
        with tempfile.TemporaryDirectory() as tmp:
            code, line = outcome(case, Path(tmp))
        shown = line.replace("|", "\\|")
        rows.append(f"| {case.group}: {case.what} | `{shown}` | {code} |")
    return "\n".join(rows)


def write_readme(text: str) -> None:
    readme = README.read_text()
    start, end = readme.index(BEGIN) + len(BEGIN), readme.index(END)
    README.write_text(readme[:start] + "\n" + text + "\n" + readme[end:])


if __name__ == "__main__":
    generated = table()
    if "--write" in sys.argv:
        write_readme(generated)
    else:
        print(generated)
