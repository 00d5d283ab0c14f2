"""Size caps on what chat users send, checked before any parsing work is done."""

from __future__ import annotations

# The longest command text parsed; longer text is refused before shlex sees it (a
# 900 KB command took shlex 9 s of event-loop time). Real commands are < 300 chars.
MAX_COMMAND_CHARS = 1000
