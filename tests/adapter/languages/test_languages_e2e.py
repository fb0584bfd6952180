"""Languages end to end: command localisations in the sync payload, catalogs complete."""

from __future__ import annotations

from gettext import c2py
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.catalogs import build_template, missing
from bot.i18n import LOCALES
from tests.adapter.harness import Database, running_bot
from tests.fake_discord import FakeDiscord

pytestmark = pytest.mark.e2e

# /config language offers each language by its own name, the same in every client.
OWN_NAMES = ("English", "Українська")


def synced_commands(fake: FakeDiscord) -> list[dict]:  # type: ignore[type-arg]
    puts = [r for r in fake.requests if r.method == "PUT" and r.path.endswith("/commands")]
    assert puts, "the bot never synced its commands"
    return puts[-1].body


async def test_commands_are_sent_with_their_ukrainian_names(
    fake_discord: FakeDiscord, tmp_path: Path
) -> None:
    fake = fake_discord
    fake.create_guild("G")
    database = await Database.create(tmp_path / "bot.db", shipped_bank=False)
    async with running_bot(fake, database):
        commands = {c["name"]: c for c in synced_commands(fake)}
    quiz = commands["quiz"]
    assert quiz["name_localizations"]["uk"] == "вікторина"
    start = next(o for o in quiz["options"] if o["name"] == "start")
    assert start["name_localizations"]["uk"] == "почати"
    seconds = next(o for o in start["options"] if o["name"] == "seconds")
    assert seconds["description_localizations"]["uk"].startswith("Секунд на питання")
    kind = next(o for o in start["options"] if o["name"] == "kind")
    assert kind["choices"][0]["name_localizations"]["uk"] == "усе разом"

    # Every command, option and choice carries its Ukrainian name (Discord accepted them all).
    def names(node):  # type: ignore[no-untyped-def]
        yield node
        for child in node.get("options", []) + node.get("choices", []):
            yield from names(child)

    for command in commands.values():
        for node in names(command):
            same = node["name"] in ("cron", "CSV", "Open Trivia DB JSON", "Moodle GIFT", *OWN_NAMES)
            assert same or "uk" in (node.get("name_localizations") or {}), node["name"]
    fake.assert_no_rejections()


def test_the_ukrainian_catalog_has_every_message_and_right_plurals() -> None:
    assert missing("uk") == []
    with (LOCALES / "uk" / "LC_MESSAGES" / "messages.po").open("rb") as source:
        catalog = read_po(source, locale="uk")
    # One/few/many: 1 відповідь, 2-4 відповіді, 5-20 відповідей, 21 відповідь, 22 відповіді.
    rule = c2py(catalog.plural_expr)
    assert catalog.num_plurals == 3
    assert [rule(n) for n in (1, 2, 4, 5, 11, 12, 14, 20, 21, 22, 25, 101, 111)] == [
        0,
        1,
        1,
        2,
        2,
        2,
        2,
        2,
        0,
        1,
        2,
        0,
        2,
    ]


def test_the_template_is_up_to_date_with_the_code() -> None:
    """`quizbot i18n extract` would change nothing (pybabel's round trip)."""
    with (LOCALES / "messages.pot").open("rb") as source:
        committed = read_po(source)
    fresh = build_template()
    assert {(m.context, m.id) for m in committed if m.id} == {
        (m.context, m.id) for m in fresh if m.id
    }
