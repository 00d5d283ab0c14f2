"""config.example.toml documents every key, with the real defaults."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from bot.config import Config, MonitorConfig, load_config

EXAMPLE = Path(__file__).resolve().parents[1] / "config.example.toml"


def test_example_parses_to_the_defaults() -> None:
    example = load_config(EXAMPLE)
    defaults = Config()
    for section in (
        "arxiv",
        "storage",
        "report",
        "analysis",
        "llm",
        "embeddings",
        "slack",
        "discord",
        "server",
    ):
        assert getattr(example, section) == getattr(defaults, section), section
    assert example.monitors == (MonitorConfig(),)


def test_every_key_is_present_and_commented() -> None:
    lines = EXAMPLE.read_text(encoding="utf-8").splitlines()
    keys = {m.group(1): i for i, line in enumerate(lines) if (m := re.match(r"^(\w+) = ", line))}
    sections = [f for f in dataclasses.fields(Config) if f.name not in ("source", "monitors")]
    expected = {f.name for s in sections for f in dataclasses.fields(s.default_factory())}  # type: ignore[misc]
    expected |= {f.name for f in dataclasses.fields(MonitorConfig)}
    assert expected <= set(keys), expected - set(keys)
    for key, index in keys.items():
        above = lines[max(0, index - 3) : index]
        assert any(line.startswith("#") for line in above), f"{key} has no comment"
