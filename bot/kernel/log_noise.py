"""Drop the start-up warnings of libraries about features arxiv-radar never uses.

discord.py warns that voice is unsupported (PyNaCl and davey are not installed:
the bot has no voice features), and Bolt warns that ``$SLACK_BOT_TOKEN`` "will be
unused" because the adapter hands it a ready client built from that very token.
Neither tells a user anything to act on, so they are filtered at their loggers;
every other record of those loggers passes.
"""

from __future__ import annotations

import logging

# Logger name -> text fragments of its records to drop.
UNACTIONABLE: dict[str, tuple[str, ...]] = {
    "discord.client": ("voice will NOT be supported",),
    "handlers.slack.bolt": ("`token` will be unused",),
}


class DropUnactionable(logging.Filter):
    """Rejects records whose message contains one of ``fragments``."""

    def __init__(self, fragments: tuple[str, ...]) -> None:
        super().__init__()
        self.fragments = fragments

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not any(fragment in message for fragment in self.fragments)


def silence_unactionable_warnings() -> None:
    """Install the filters (once) on the loggers named in :data:`UNACTIONABLE`."""
    for name, fragments in UNACTIONABLE.items():
        logger = logging.getLogger(name)
        if not any(isinstance(f, DropUnactionable) for f in logger.filters):
            logger.addFilter(DropUnactionable(fragments))
