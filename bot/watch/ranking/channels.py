"""Which chat channels a ranking speaks for: one channel, or every channel of a monitor."""

from __future__ import annotations

from bot.kernel.config import Config, MonitorConfig
from bot.kernel.errors import ConfigError
from bot.kernel.models import ChatRef
from bot.watch.poll import CHANNEL_MONITOR_PREFIX

ChannelKey = tuple[str, str]  # (platform, channel id)


def channel_key(channel: ChatRef | ChannelKey) -> ChannelKey:
    """``(platform, channel)`` of a :class:`ChatRef` or of such a pair."""
    if isinstance(channel, ChatRef):
        return (channel.platform, channel.channel)
    platform, channel_id = channel
    return (str(platform), str(channel_id))


def monitor_channel_keys(config: Config, monitor: MonitorConfig) -> list[ChannelKey]:
    """The channels that receive ``monitor``'s cards (for a channel's own monitor: that one)."""
    if monitor.name.startswith(CHANNEL_MONITOR_PREFIX):
        platform, channel = monitor.name.removeprefix(CHANNEL_MONITOR_PREFIX).split(":", 1)
        return [(platform, channel)]
    try:
        channels = config.monitor(monitor.name).channels
    except ConfigError:
        channels = monitor.channels
    keys: list[ChannelKey] = []
    for address in channels:
        platform, channel = address.split(":", 1)
        keys.append((platform, channel))
    return keys
