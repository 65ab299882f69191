"""microgpt-tui: the Textual app and the command line around the NumPy GPT in `core`."""

__version__ = "0.1.0"
