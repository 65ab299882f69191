"""The bad inputs a user can give the CLI, and what each must produce.

One table drives both the tests (test_bad_inputs.py) and the README's table (table.py), so the
documentation shows what the program really prints.
"""

from __future__ import annotations

import contextlib
import io
import json
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from microgpt_tui.cli import main

FAST = ["--headless", "--steps", "3", "--samples", "1", "--eval-every", "0"]


@dataclass(frozen=True)
class Case:
    group: str
    what: str
    argv: Callable[[Path], list[str]]  # built inside a temporary folder
    expect: str  # in stderr (refused) or stdout (handled)
    refused: bool = True  # exit 2 with one line; otherwise exit 0
    names_path: bool = True  # the message names the file


def _write(tmp: Path, name: str, data: bytes) -> str:
    path = tmp / name
    path.write_bytes(data)
    return str(path)


def _file_named(tmp: Path, name: str) -> Path:
    path = tmp / name
    path.write_text("not a directory\n")
    return path


def _checkpoint(tmp: Path) -> Path:
    path = tmp / "good.npz"
    if not path.exists():
        with contextlib.redirect_stdout(io.StringIO()):
            assert main([*FAST, "--save", str(path)]) == 0
    return path


def _truncated(tmp: Path) -> str:
    data = _checkpoint(tmp).read_bytes()
    return _write(tmp, "truncated.npz", data[: len(data) // 2])


def _corrupted(tmp: Path) -> str:
    data = bytearray(_checkpoint(tmp).read_bytes())
    mid = len(data) // 2
    data[mid : mid + 64] = bytes(64)
    return _write(tmp, "corrupted.npz", bytes(data))


def _plain_npz(tmp: Path) -> str:
    path = tmp / "weights.npz"
    np.savez(path, w=np.zeros(3))
    return str(path)


def _with_header(tmp: Path, name: str, change: Callable[[dict], None]) -> str:
    src = _checkpoint(tmp)
    with np.load(src) as z:
        arrays = {k: z[k] for k in z.files}
    header = json.loads(arrays["header"].tobytes())
    change(header)
    arrays["header"] = np.frombuffer(json.dumps(header).encode(), dtype=np.uint8)
    path = tmp / name
    np.savez(path, **arrays)
    return str(path)


def _wrong_shape(tmp: Path) -> str:
    src = _checkpoint(tmp)
    with np.load(src) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["param/wpe"] = np.zeros((3, 16))
    path = tmp / "wrong_shape.npz"
    np.savez(path, **arrays)
    return str(path)


def _zip_garbage(tmp: Path) -> str:
    path = tmp / "archive.npz"
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("readme.txt", "hello")
    return str(path)


def _bump_version(h: dict) -> None:
    h["version"] = 99


def _sparse(tmp: Path, size: int) -> str:
    path = tmp / "huge.txt"
    with open(path, "wb") as f:
        f.truncate(size)
    return str(path)


# 15 distinct letters (a b e g h i l m n o p r s v y): vocab 17 when nothing else slips in
NAMES = b"emma\nolivia\nava\nsophia\nmia\namelia\nharper\nevelyn\nabigail\nemily\nella\nliam\n"

CASES: list[Case] = [
    # --- dataset ---
    Case(
        "dataset",
        "missing file",
        lambda t: [*FAST, "--data", str(t / "nope.txt")],
        "dataset not found",
    ),
    Case("dataset", "a directory", lambda t: [*FAST, "--data", str(t)], "is a directory"),
    Case(
        "dataset",
        "empty file",
        lambda t: [*FAST, "--data", _write(t, "e.txt", b"")],
        "no documents",
    ),
    Case(
        "dataset",
        "only blank lines",
        lambda t: [*FAST, "--data", _write(t, "b.txt", b"\n  \n\t\n")],
        "no documents",
    ),
    Case(
        "dataset",
        "invalid UTF-8",
        lambda t: [*FAST, "--data", _write(t, "latin1.txt", "zoë\nanna\n".encode("latin-1"))],
        "not valid UTF-8",
    ),
    Case(
        "dataset",
        "binary data",
        lambda t: [*FAST, "--data", _write(t, "bin.dat", bytes(range(256)) * 4)],
        "looks binary",
    ),
    Case(
        "dataset",
        "over the size limit (64 MiB)",
        lambda t: [*FAST, "--data", _sparse(t, 65 * 1024 * 1024)],
        "byte limit",
    ),
    Case(
        "dataset",
        "too many distinct characters",
        lambda t: [
            *FAST,
            "--data",
            _write(
                t,
                "cjk.txt",
                "".join(
                    chr(0x4E00 + i) + ("\n" if i % 8 == 7 else "") for i in range(2400)
                ).encode(),
            ),
        ],
        "distinct characters",
    ),
    Case(
        "dataset",
        "UTF-8 byte-order mark",
        lambda t: [*FAST, "--data", _write(t, "bom.txt", b"\xef\xbb\xbf" + NAMES)],
        "vocab size: 17",
        refused=False,
    ),
    Case(
        "dataset",
        "CRLF line endings",
        lambda t: [*FAST, "--data", _write(t, "crlf.txt", NAMES.replace(b"\n", b"\r\n"))],
        "vocab size: 17",
        refused=False,
    ),
    Case(
        "dataset",
        "very long lines (cut to the block, counted)",
        lambda t: [*FAST, "--data", _write(t, "long.txt", NAMES + b"a" * 100_000 + b"\n")],
        "longer than the block",
        refused=False,
    ),
    Case(
        "dataset",
        "a single document",
        lambda t: [*FAST, "--data", _write(t, "one.txt", b"emma\n")],
        "too few documents for a validation split",
        refused=False,
    ),
    # --- config ---
    Case(
        "config",
        "n_embd not divisible by n_head",
        lambda t: [*FAST, "--n-embd", "15"],
        "n_embd (15) must be divisible by n_head (4)",
        names_path=False,
    ),
    Case("config", "zero layers", lambda t: [*FAST, "--n-layer", "0"], "n_layer", names_path=False),
    Case(
        "config", "negative width", lambda t: [*FAST, "--n-embd", "-16"], "n_embd", names_path=False
    ),
    Case(
        "config",
        "block_size < 2",
        lambda t: [*FAST, "--block-size", "1"],
        "block_size",
        names_path=False,
    ),
    Case(
        "config",
        "negative learning rate",
        lambda t: [*FAST, "--lr", "-0.01"],
        "lr",
        names_path=False,
    ),
    Case("config", "zero learning rate", lambda t: [*FAST, "--lr", "0"], "lr", names_path=False),
    Case("config", "NaN learning rate", lambda t: [*FAST, "--lr", "nan"], "lr", names_path=False),
    Case(
        "config",
        "zero steps",
        lambda t: ["--headless", "--steps", "0"],
        "num_steps",
        names_path=False,
    ),
    Case(
        "config",
        "batch larger than the training split",
        lambda t: [*FAST, "--batch-size", "100000"],
        "batch_size 100000",
        names_path=False,
    ),
    Case(
        "config",
        "temperature <= 0",
        lambda t: [*FAST, "--temperature", "0"],
        "temperature",
        names_path=False,
    ),
    Case("config", "top-k < 1", lambda t: [*FAST, "--top-k", "0"], "top_k", names_path=False),
    Case(
        "config",
        "warm-up as long as the run",
        lambda t: [*FAST, "--warmup-steps", "3"],
        "warmup_steps",
        names_path=False,
    ),
    Case(
        "config",
        "dropout of 1 or more",
        lambda t: [*FAST, "--dropout", "1"],
        "dropout must be in [0, 1), got 1.0",
        names_path=False,
    ),
    Case(
        "config",
        "dropout with the scalar engine",
        lambda t: [*FAST, "--engine", "scalar", "--dropout", "0.1"],
        "not supported by the scalar engine",
        names_path=False,
    ),
    Case(
        "config",
        "not a number",
        lambda t: [*FAST, "--steps", "many"],
        "invalid int value",
        names_path=False,
    ),
    Case(
        "config",
        "app speed not positive",
        lambda t: [*FAST, "--speed", "0"],
        "--speed",
        names_path=False,
    ),
    # --- checkpoints ---
    Case(
        "checkpoint",
        "missing file",
        lambda t: [*FAST, "--load", str(t / "none.npz")],
        "checkpoint not found",
    ),
    Case(
        "checkpoint",
        "truncated file",
        lambda t: [*FAST, "--load", _truncated(t)],
        "not an .npz archive",
    ),
    Case("checkpoint", "corrupted bytes", lambda t: [*FAST, "--load", _corrupted(t)], "checkpoint"),
    Case(
        "checkpoint",
        "a text file",
        lambda t: [*FAST, "--load", _write(t, "n.npz", NAMES)],
        "not an .npz archive",
    ),
    Case(
        "checkpoint",
        "another program's .npz",
        lambda t: [*FAST, "--load", _plain_npz(t)],
        "not a microgpt-tui checkpoint",
    ),
    Case(
        "checkpoint",
        "a zip that is no .npz",
        lambda t: [*FAST, "--load", _zip_garbage(t)],
        "checkpoint",
    ),
    Case(
        "checkpoint",
        "an incompatible version",
        lambda t: [*FAST, "--load", _with_header(t, "v99.npz", _bump_version)],
        "version 99 is not supported",
    ),
    Case(
        "checkpoint",
        "a parameter of the wrong shape",
        lambda t: [*FAST, "--load", _wrong_shape(t)],
        "parameter wpe",
    ),
    Case(
        "checkpoint",
        "data outside its vocabulary",
        lambda t: [
            *FAST,
            "--load",
            str(_checkpoint(t)),
            "--data",
            _write(t, "caps.txt", b"Emma\nZoe\n"),
        ],
        "does not fit the checkpoint's vocabulary",
    ),
    Case(
        "checkpoint",
        "new model sizes on load",
        lambda t: [*FAST, "--load", str(_checkpoint(t)), "--n-embd", "32"],
        "model sizes cannot change",
    ),
    Case(
        "checkpoint",
        "another seed on load (it drew the validation split)",
        lambda t: [*FAST, "--load", str(_checkpoint(t)), "--seed", "999"],
        "seed cannot change on a run already started",
    ),
    Case(
        "checkpoint",
        "--save into a directory",
        lambda t: [*FAST, "--save", str(t)],
        "is a directory",
    ),
    Case(
        "checkpoint",
        "--save under a file",
        lambda t: [*FAST, "--save", str(_file_named(t, "plain") / "run.npz")],
        "under a file, not a directory",
    ),
]
