"""`python -m microgpt_tui` is the `microgpt-tui` command."""

import sys

from .cli import main

sys.exit(main())
