"""The Slack adapter: Bolt listeners, Block Kit rendering and mrkdwn escaping.

The only package that imports slack_bolt; the core talks to it through
:class:`~bot.kernel.platform.ChatPlatform` and :class:`~bot.kernel.platform.Adapter`.
"""

from handlers.slack.adapter import SlackAdapter, create_adapter

__all__ = ["SlackAdapter", "create_adapter"]
