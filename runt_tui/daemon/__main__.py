"""`python -m runt_tui.daemon`: run the daemon (used by the detached auto-start)."""

from __future__ import annotations

import sys

from runt_tui.daemon.lifecycle import main

sys.exit(main())
