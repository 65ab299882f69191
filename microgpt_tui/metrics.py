"""Metrics export: one row per training step as JSON lines or CSV, with the run's config and its
final samples alongside (in the JSON-lines file itself, or in a `.json` file beside the CSV).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import TextIO

from core import Run, StepRecord

FIELDS = ("step", "total_steps", "loss", "val_loss", "lr", "grad_norm", "tokens", "diverged")


def run_config(run: Run) -> dict:
    """The run's settings, as plain JSON-ready data."""
    return {
        "preset": run.preset,
        "data": run.data,
        "documents": len(run.dataset),
        "vocab_size": run.dataset.vocab_size,
        "num_params": run.model.num_params,
        "model": run.model.config.to_dict(),
        "train": run.trainer.config.to_dict(),
        "sample": run.sample_config.to_dict(),
    }


class MetricsWriter:
    """Appends step rows to PATH (.csv, else JSON lines); `close(samples)` writes the rest."""

    def __init__(self, path: str | Path, run: Run) -> None:
        self.path = Path(path)
        self.csv = self.path.suffix.lower() == ".csv"
        self._file: TextIO = open(self.path, "w", newline="" if self.csv else None)  # noqa: SIM115
        self._config = run_config(run)
        if self.csv:
            self._rows = csv.DictWriter(self._file, fieldnames=FIELDS)
            self._rows.writeheader()
        else:
            self._line({"type": "config", **self._config})

    def write(self, rec: StepRecord) -> None:
        row = {name: getattr(rec, name) for name in FIELDS}
        if self.csv:
            self._rows.writerow({k: "" if v is None else v for k, v in row.items()})
        else:
            self._line({"type": "step", **row})

    def close(self, samples: list[str] | None = None) -> None:
        """Finish the file; the config and samples go beside a CSV, at the end of JSON lines."""
        if self.csv:
            side = self.path.with_suffix(".json")
            side.write_text(
                json.dumps({"config": self._config, "samples": samples or []}, indent=2)
            )
        else:
            self._line({"type": "samples", "names": samples or []})
        self._file.close()

    def _line(self, obj: dict) -> None:
        self._file.write(json.dumps(obj) + "\n")
        self._file.flush()
