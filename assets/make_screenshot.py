"""Rebuild assets/screenshot.svg: the app at 120x40 after a seeded run, with names sampled.

Run from the repository root: python assets/make_screenshot.py
"""

from __future__ import annotations

import asyncio
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from core import Run  # noqa: E402
from microgpt_tui.app import MicroGPTApp  # noqa: E402
from microgpt_tui.widgets import SamplerPanel  # noqa: E402

STEPS = 2000
SIZE = (120, 40)


async def until(pilot, condition, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the app did not get there in time")
        await pilot.pause(0.05)


async def main(out: Path) -> None:
    app = MicroGPTApp(Run.create("seed", train={"num_steps": STEPS}), speed=None)
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: app.snapshot.state == "done")
        await pilot.press("w", *"emma", "enter")
        await pilot.press("S")
        await pilot.press("s")
        panel = app.main_screen.query_one(SamplerPanel)
        await until(pilot, lambda: len(panel.names) == 11)
        await pilot.pause(0.2)
        app.save_screenshot(filename=out.name, path=str(out.parent))
    print(f"wrote {out}")


if __name__ == "__main__":
    asyncio.run(main(ROOT / "assets" / "screenshot.svg"))
