"""The README's key table, made from the app's one table of commands (keymap.COMMANDS).

python -m microgpt_tui.keytable          # print it
python -m microgpt_tui.keytable --write  # replace it in README.md
"""

from __future__ import annotations

import sys
from pathlib import Path

from .keymap import COMMANDS

BEGIN, END = "<!-- key-table -->", "<!-- /key-table -->"


def markdown_table() -> str:
    rows = ["| keys | command | what it does |", "|---|---|---|"]
    for c in COMMANDS:
        keys = " ".join(f"`{k}`" for k in c.display.split())
        title, what = (s.replace("|", "\\|") for s in (c.title, c.help))
        rows.append(f"| {keys} | {title} | {what} |")
    return "\n".join(rows)


def replace_in(readme: Path) -> None:
    text = readme.read_text()
    start, end = text.index(BEGIN) + len(BEGIN), text.index(END)
    readme.write_text(text[:start] + "\n" + markdown_table() + "\n" + text[end:])


if __name__ == "__main__":
    if "--write" in sys.argv:
        replace_in(Path(__file__).resolve().parents[1] / "README.md")
    else:
        print(markdown_table())
