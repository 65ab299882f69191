"""A guard every screen of the app carries against a resize feedback loop in Textual (8.2), and
the guard against dismissing a screen twice.

Textual posts each resize to the top screen and the one below it, and a screen whose layout
changes size posts itself a resize of that size. If resizes of two different sizes are queued for
a screen below the top one (say, a window dragged while the inspector is open), each one undoes
the other and posts itself again: the two bounce forever, the app stops responding and its
memory grows. A resize for a size the terminal no longer has is stale; dropping it ends the
loop, and the resize for the current size is still on its way (or already applied).
"""

from __future__ import annotations

from typing import Any

from textual import events
from textual.screen import Screen


class SteadySize:
    """Mixin for a `Screen`: ignore a resize event whose size is not the terminal's now; and
    `dismiss_once`, the way every screen of the app closes."""

    def on_resize(self, event: events.Resize) -> None:
        if event.size != self.app.size:  # type: ignore[attr-defined]
            event.prevent_default()  # Screen's own handler would lay out the stale size

    def dismiss_once(self, result: Any = None) -> None:
        """Dismiss the screen with `result` unless it is no longer the top one: a second key
        (or click, or enter) may be queued behind the one that closed it."""
        if self.is_active:  # type: ignore[attr-defined]
            self.dismiss(result)  # type: ignore[attr-defined]


class DashboardScreen(SteadySize, Screen[None]):
    """The app's first screen, where its `compose` puts the dashboard."""
