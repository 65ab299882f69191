"""Every command of the app once: its keys, action, title and help. The key bindings, the
command palette and the help screen are all built from this table.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from textual.binding import Binding

from .sampling import TEMPERATURE_STEP
from .speed import SPEEDS, speed_label

MORE_STEPS = 1000  # what "train more" adds


@dataclass(frozen=True)
class Command:
    """One command: keys (Textual key names), what the footer and help show, the action."""

    keys: str
    display: str  # the keys as the help screen shows them
    action: str
    title: str
    help: str
    footer: str = ""  # short label in the footer ("" = not in the footer)


def _ladder(speeds: Iterable[float | None]) -> str:
    """Speeds as the app labels them ("1,000", "max"); a "·" between them, as "," is in 1,000."""
    return " · ".join(speed_label(s) for s in speeds)


COMMANDS: tuple[Command, ...] = (
    Command(
        "space", "space", "toggle_pause", "Pause / resume", "Pause or resume training", "Pause"
    ),
    Command("n", "n", "step", "Step", "Train exactly one step (while paused)", "Step"),
    Command(
        "s", "s", "sample", "Sample a name", "Generate a name, one character at a time", "Sample"
    ),
    Command("S", "S", "sample_ten", "Sample ten names", "Generate ten names at once"),
    Command(
        "left_square_bracket",
        "[",
        "temperature(-1)",
        "Temperature down",
        f"Lower the sampling temperature by {TEMPERATURE_STEP:g} (more conservative names)",
        "T−",
    ),
    Command(
        "right_square_bracket",
        "]",
        "temperature(1)",
        "Temperature up",
        f"Raise the sampling temperature by {TEMPERATURE_STEP:g} (more adventurous names)",
        "T+",
    ),
    Command("minus", "-", "top_k(-1)", "Top-k down", "Sample among fewer of the likeliest"),
    Command("equals_sign,plus", "= +", "top_k(1)", "Top-k up", "Sample among more (then all)"),
    Command("p", "p", "prefix", "Sampling prefix", "Type the start of the names to sample"),
    Command("w", "w", "word", "Attention word", "Type a word to see its attention", "Word"),
    Command("h", "h", "head(1)", "Next head", "Focus the next attention head", "Head"),
    Command("H", "H", "head(-1)", "Previous head", "Focus the previous attention head"),
    Command("l", "l", "layer(1)", "Next layer", "Show the next layer's attention"),
    Command(
        "i", "i", "inspect", "Inspector", "Step through one forward pass, value by value", "Inspect"
    ),
    Command(
        "v",
        "v",
        "views",
        "Live views",
        "Embedding map, training health, loss per position, scalar engine, graph",
    ),
    Command(
        "c",
        "c",
        "concepts",
        "Concept map",
        "The document's 29 concepts and where each is seen in the app",
        "Concepts",
    ),
    Command("m", "m", "more", "Train more steps", f"Train {MORE_STEPS:,} more steps"),
    # the speed keys are shown beside the speed, in the loss panel, not in the (full) footer
    Command(
        "less_than_sign,comma",
        "< ,",
        "speed(-1)",
        "Slower",
        f"Train slower: {_ladder(reversed(SPEEDS[:-1]))} steps/s",
    ),
    Command(
        "greater_than_sign,full_stop",
        "> .",
        "speed(1)",
        "Faster",
        f"Train faster: {_ladder(SPEEDS[:-1])} steps/s · max",
    ),
    Command("r", "r", "reset", "Reset", "Restart training from step 0 (asks first)"),
    Command("ctrl+s", "ctrl+s", "save", "Save checkpoint", "Write a checkpoint (.npz)"),
    Command("E", "E", "export", "Export metrics", "Write the metrics, config and samples so far"),
    Command("1,2,3,4", "1-4", "panel_key", "Switch panel", "Show a panel (narrow terminals)"),
    Command("question_mark,f1", "? F1", "help", "Help", "Show the keys", "Help"),
    Command("q,ctrl+c", "q ctrl+q ctrl+c", "quit", "Quit", "Quit (asks to save new steps)", "Quit"),
)


def bindings() -> list[Binding]:
    """The app's key bindings; those with a footer label show in the footer."""
    out = []
    for c in COMMANDS:
        if c.action == "panel_key":
            out += [Binding(k, f"panel({i})", show=False) for i, k in enumerate(c.keys.split(","))]
            continue
        out.append(
            Binding(
                c.keys,
                c.action,
                c.footer or c.title,
                show=bool(c.footer),
                key_display=c.display.split()[0],
            )
        )
    return out


def palette_commands() -> list[Command]:
    """The commands the palette offers (panel switching is left to the tabs)."""
    return [c for c in COMMANDS if c.action != "panel_key"]
