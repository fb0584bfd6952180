"""The real QuizBot, on a real database, against the fake Discord.

A scenario builds a world (guild, channel, members), starts the bot with a
clock it controls, plays through slash commands and clicks, and reads what
the bot posted. Nothing inside discord.py is mocked.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

from bot.adapter.client import QuizBot
from bot.core.clock import Clock, ManualClock
from bot.services.bank.bank import sync_shipped_bank
from bot.services.container import Services
from bot.settings import Settings
from db.engine import create_engine, create_session_factory
from db.migrate import upgrade
from tests.fake_discord import FakeDiscord
from tests.fake_discord.models import Message

MANAGE_GUILD = 1 << 5


@dataclass
class Database:
    url: str

    @classmethod
    async def create(cls, path: Path, *, shipped_bank: bool = True) -> Database:
        url = f"sqlite+aiosqlite:///{path}"
        engine = create_engine(url)
        await upgrade(engine)
        if shipped_bank:
            await sync_shipped_bank(create_session_factory(engine))
        await engine.dispose()
        return cls(url)


def make_bot(fake: FakeDiscord, database: Database, clock: Clock, **settings: object) -> QuizBot:
    config = Settings(
        _env_file=None,  # type: ignore[call-arg]
        discord_token=fake.token,
        database_url=database.url,
        **settings,  # type: ignore[arg-type]
    )
    engine = create_engine(database.url)
    services = Services.build(
        create_session_factory(engine), clock, random.Random(5), database_url=database.url
    )
    bot = QuizBot(
        config, services, pause_between_rounds=0, get_ready_seconds=0, guild_ready_timeout=0.05
    )
    bot.freeze_gc = False  # one pytest process runs many bots: pin none of their objects
    bot.engine_for_tests = engine  # type: ignore[attr-defined]
    return bot


@contextlib.asynccontextmanager
async def running_bot(
    fake: FakeDiscord, database: Database, clock: Clock | None = None, **settings: object
) -> AsyncIterator[QuizBot]:
    bot = make_bot(fake, database, clock or ManualClock(), **settings)
    try:
        async with fake.running(bot):
            yield bot
    finally:
        await bot.engine_for_tests.dispose()  # type: ignore[attr-defined]


def round_messages(fake: FakeDiscord, channel: object) -> list[Message]:
    """The question messages (one per question, edited through its phases)."""
    return [
        m
        for m in fake.messages(channel, include_ephemeral=False)
        if any(c.startswith(("quiz:", "quizme:")) for c in m.custom_ids)
    ]


def is_open_question(message: Message) -> bool:
    """Its answer buttons are unlocked (the get-ready beat is over)."""
    return any(
        b.get("custom_id", "").startswith("quiz:") and not b.get("disabled")
        for b in message.buttons
    )


async def wait_for_question(
    fake: FakeDiscord,
    channel: object,
    *,
    after: Message | None = None,
    timeout: float = 5.0,  # noqa: ASYNC109
) -> Message:
    """The next question whose answers are open (after `after`, when given)."""
    return await fake.wait_for_message(
        channel,  # type: ignore[arg-type]
        lambda m: (after is None or m.id > after.id) and is_open_question(m),
        timeout=timeout,
    )


def round_id_of(message: Message) -> int:
    first = message.custom_ids[0]
    return int(first.split(":")[1])


async def answering_started(bot: QuizBot, message: Message) -> None:
    """Wait until the round of a posted question has started its answering time
    (the bot records it just after Discord confirms the post)."""
    for _ in range(250):
        rnd = await bot.services.quiz.get_round(round_id_of(message))
        if rnd is not None and rnd.message_id is not None:
            return
        await asyncio.sleep(0.02)
    raise TimeoutError("the round never started its answering time")


async def answer(
    fake: FakeDiscord, bot: QuizBot, member: object, message: Message, *, right: bool
) -> str:
    """Answer a round as a member would (button, or the modal for short answers);
    returns the bot's ephemeral reply."""
    await fake.wait_until(lambda: is_open_question(message), what="the answers to open")
    rnd = await bot.services.quiz.get_round(round_id_of(message))
    assert rnd is not None
    if rnd.question.kind == "short_answer":
        opened = await fake.click(member, message, f"quiz:{rnd.round_id}:text")
        assert (await opened.response()).type == 9  # the modal
        text = rnd.question.accepted_answers[0] if right else "certainly not this"
        submitted = await fake.submit_modal(member, opened, None, {"Answer": text})
        return (await submitted.response()).content
    custom_id = await (correct_custom_id if right else wrong_custom_id)(bot, message)
    return (await (await fake.click(member, message, custom_id)).response()).content


async def correct_custom_id(bot: QuizBot, message: Message) -> str:
    rnd = await bot.services.quiz.get_round(round_id_of(message))
    assert rnd is not None
    correct = rnd.question.correct_index
    shown = [rnd.question.choices.index(c) for c in rnd.shown_choices]
    return f"quiz:{rnd.round_id}:{shown.index(correct)}"


async def wrong_custom_id(bot: QuizBot, message: Message) -> str:
    right = await correct_custom_id(bot, message)
    return next(c for c in message.custom_ids if c != right)
