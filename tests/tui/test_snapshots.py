"""SVG snapshots of the dashboard: paused before the first step, seeded, so fully determined.

Regenerate with `pytest tests/tui/test_snapshots.py --snapshot-update` after a deliberate change.
"""

from __future__ import annotations

from core import Run
from microgpt_tui.app import MicroGPTApp


def paused_app() -> MicroGPTApp:
    """The default run (seed preset on the bundled names), opened with --paused."""
    return MicroGPTApp(Run.create("seed"), paused=True)


def test_wide_dashboard(snap_compare) -> None:
    assert snap_compare(paused_app(), terminal_size=(120, 40))


def test_narrow_dashboard_with_tabs(snap_compare) -> None:
    assert snap_compare(paused_app(), terminal_size=(80, 24))


def test_narrow_attention_tab(snap_compare) -> None:
    assert snap_compare(paused_app(), press=["3"], terminal_size=(80, 24))
