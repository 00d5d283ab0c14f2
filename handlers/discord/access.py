"""Who may spend analysis tokens: ``discord.allowed_roles`` and ``discord.allowed_channels``.

Empty lists allow everyone and everywhere. A thread counts as its parent channel.
The same lists guard subscription changes (:func:`change_refusal`); ``access.analyze``
and ``access.subscriptions`` set to "everyone" lift them. List, digest, search and help
are open to all.
"""

from __future__ import annotations

from collections.abc import Iterable

import discord

from bot.kernel.config import DiscordConfig


def refusal(
    config: DiscordConfig, channel_ids: Iterable[int], role_ids: Iterable[int]
) -> str | None:
    """None when the request is allowed, else the polite sentence to answer with."""
    if config.allowed_channels and not set(channel_ids) & set(config.allowed_channels):
        return "Sorry, paper analyses can't be requested in this channel."
    if config.allowed_roles and not set(role_ids) & set(config.allowed_roles):
        return "Sorry, requesting paper analyses needs a role this server has allowed for it."
    return None


def change_refusal(
    config: DiscordConfig, channel_ids: Iterable[int], role_ids: Iterable[int]
) -> str | None:
    """Like :func:`refusal`, for subscribe, unsubscribe and categories."""
    if config.allowed_channels and not set(channel_ids) & set(config.allowed_channels):
        return "Sorry, this channel's subscriptions can't be changed here."
    if config.allowed_roles and not set(role_ids) & set(config.allowed_roles):
        return "Sorry, changing what this channel follows needs a role this server has allowed."
    return None


def channel_ids(client: discord.Client, channel_id: int) -> set[int]:
    """``channel_id`` and, for a thread, its parent channel."""
    channel = client.get_channel(channel_id)
    parent = channel.parent_id if isinstance(channel, discord.Thread) else None
    return {channel_id} if parent is None else {channel_id, parent}


def role_ids(user: discord.abc.User | discord.Member | None) -> set[int]:
    """The role IDs of a guild member (none for a plain user)."""
    return {role.id for role in user.roles} if isinstance(user, discord.Member) else set()
