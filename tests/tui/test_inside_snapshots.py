"""SVG snapshots of the inside views: a small seeded run, paused, one step taken, so each screen
is fully determined. Regenerate with `--snapshot-update` after a deliberate change."""

from __future__ import annotations

from microgpt_tui.screens.concepts import ConceptsScreen
from microgpt_tui.screens.inspector import InspectorScreen
from microgpt_tui.screens.views import ViewsScreen

from .helpers import WIDE, make_app, step_once, wait_for


def stepped_once(*keys: str, screen: type):
    """A run_before that takes one step, then presses `keys` and waits for `screen`."""

    async def run_before(pilot) -> None:
        app = pilot.app
        await step_once(pilot)
        await pilot.press(*keys)
        await wait_for(pilot, lambda: isinstance(app.screen, screen) and app.screen.is_mounted)
        await pilot.pause()

    return run_before


def test_inspector(snap_compare) -> None:
    keys = ["i", "w", *"emma", "enter", "right", "right"]
    assert snap_compare(
        make_app(), terminal_size=WIDE, run_before=stepped_once(*keys, screen=InspectorScreen)
    )


def test_embedding_map(snap_compare) -> None:
    assert snap_compare(
        make_app(), terminal_size=WIDE, run_before=stepped_once("v", "1", screen=ViewsScreen)
    )


def test_training_health(snap_compare) -> None:
    assert snap_compare(
        make_app(), terminal_size=WIDE, run_before=stepped_once("v", "2", screen=ViewsScreen)
    )


def test_loss_per_position(snap_compare) -> None:
    assert snap_compare(
        make_app(), terminal_size=WIDE, run_before=stepped_once("v", "3", screen=ViewsScreen)
    )


def test_scalar_engine_before_a_step(snap_compare) -> None:
    assert snap_compare(
        make_app(), terminal_size=WIDE, run_before=stepped_once("v", "4", screen=ViewsScreen)
    )


def test_graph_walked_two_steps(snap_compare) -> None:
    keys = ["v", "5", "right", "right"]
    assert snap_compare(
        make_app(), terminal_size=WIDE, run_before=stepped_once(*keys, screen=ViewsScreen)
    )


def test_concept_map(snap_compare) -> None:
    assert snap_compare(
        make_app(), terminal_size=WIDE, run_before=stepped_once("c", screen=ConceptsScreen)
    )
