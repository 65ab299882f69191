"""Every bad input of bad_inputs.CASES: refused in one line with exit 2, or handled gracefully."""

from __future__ import annotations

import pytest

from microgpt_tui.cli import main

from .bad_inputs import CASES, Case
from .table import BEGIN, END, README, table


@pytest.mark.parametrize("case", CASES, ids=[f"{c.group}: {c.what}" for c in CASES])
def test_bad_input(case: Case, tmp_path, capsys) -> None:
    argv = case.argv(tmp_path)
    capsys.readouterr()  # drop what building the case printed
    code = main(argv)
    out, err = capsys.readouterr()
    if case.refused:
        assert code == 2, out + err
        lines = err.strip().splitlines()
        assert len(lines) == 1, err
        assert lines[0].startswith("microgpt-tui: error: ")
        assert case.expect in lines[0]
        assert "Traceback" not in err
        if case.names_path:
            assert str(tmp_path) in lines[0]
        assert "step " not in out  # refused before any training
    else:
        assert code == 0, err
        assert err == ""
        assert case.expect in out


def test_readme_table_is_generated_from_these_cases() -> None:
    readme = README.read_text()
    start, end = readme.index(BEGIN) + len(BEGIN), readme.index(END)
    assert readme[start:end].strip() == table().strip(), (
        "README's bad-input table is stale: run `python -m tests.reliability.table --write`"
    )
