"""The dashboard's screen and the screens over it: help, a yes/no question, a one-line prompt,
the quit question, the too-small notice (the inside views import theirs directly)."""

from .confirm import ConfirmScreen
from .help import HelpScreen
from .prompt import PromptScreen
from .quit import QuitScreen
from .steady import DashboardScreen
from .too_small import TooSmallScreen

__all__ = [
    "ConfirmScreen",
    "DashboardScreen",
    "HelpScreen",
    "PromptScreen",
    "QuitScreen",
    "TooSmallScreen",
]
