"""Start-up checks that depend on the environment, shared by ``check`` and ``run``.

:func:`problems` are mistakes the bot must refuse to start with (``check`` exits 2);
:func:`warnings` are settings that do nothing as configured.
"""

from __future__ import annotations

from bot.kernel.config import Config, secret

PLATFORMS = ("slack", "discord")


def problems(config: Config) -> list[str]:
    """What stops the bot from working at all, each naming the key and its value."""
    found = []
    if config.analysis.engine == "llm" and not secret(config.llm.api_key_env):
        found.append(
            f'analysis.engine = "llm" needs an API key in ${config.llm.api_key_env} '
            '(llm.api_key_env); set it, or use engine = "auto" or "extractive".'
        )
    return found


def warnings(config: Config) -> list[str]:
    """Settings without effect: channels of a platform that is not enabled."""
    found = []
    for index, monitor in enumerate(config.monitors):
        for channel in monitor.channels:
            platform = channel.split(":", 1)[0]
            if platform in PLATFORMS and not getattr(config, platform).enabled:
                found.append(
                    f"monitors[{index}].channels: {channel!r} is on {platform}, which is "
                    f"not enabled ({platform}.enabled = false): nothing will be posted there."
                )
    return found
