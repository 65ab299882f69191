"""Screens over the dashboard: help, a yes/no question, a one-line prompt, the too-small notice."""

from .confirm import ConfirmScreen
from .help import HelpScreen
from .prompt import PromptScreen
from .quit import QuitScreen
from .too_small import TooSmallScreen

__all__ = ["ConfirmScreen", "HelpScreen", "PromptScreen", "QuitScreen", "TooSmallScreen"]
