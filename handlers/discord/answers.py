"""An answer to a question about a paper as Discord messages.

The question comes first (bold, escaped), then the answer, its sources and the
engine, paper version and notes as a quote
(:func:`analysis.ask.render.render_answer`), defused for Discord: no mention,
link or timestamp in it is live.
"""

from __future__ import annotations

from analysis.ask.render import render_answer
from analysis.ask.types import Answer
from handlers.discord.escape import defuse, escape, one_line
from handlers.discord.text import clip, split_message

QUESTION_CHARS = 500


def answer_messages(answer: Answer) -> list[str]:
    """The answer within Discord's 2,000-character limit (nearly always one message)."""
    question = clip(escape(one_line(answer.question)), QUESTION_CHARS)
    return split_message(f"❓ **{question}**\n{defuse(render_answer(answer))}")
