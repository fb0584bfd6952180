"""Every user-visible string of the translated files goes through the catalog.

An AST check: a call that shows text to a member (send, reply, edit, an embed, a text
display, a button or select label, a modal...) must not get an English string literal
(or an f-string with words in it) as its text; `_("...")` / `ngettext(...)` are fine,
and so are custom ids, URLs, file names, mentions and punctuation. A class-level default
that `__init__` replaces in the member's language is marked with `N_("...")`. Services' errors that
members read (QuizError, DiscussionError...) are checked the same way.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Issue 14: these files speak the member's language.
TRANSLATED = (
    "bot/adapter/render.py",
    "bot/adapter/quiz/game_screen.py",
    "bot/adapter/cogs/quiz.py",
    "bot/adapter/cogs/practice.py",
    "bot/adapter/cogs/discuss.py",
    "bot/adapter/replies.py",
    "bot/adapter/permissions.py",
    "bot/adapter/client.py",
    "bot/adapter/cogs/schedule.py",
    "bot/adapter/languages/language.py",
    "bot/services/quiz/quiz.py",
    "bot/services/discussions/discussions.py",
    # Pass 2, part A: /questions, upload reports and validation errors, /quiz report.
    "bot/adapter/cogs/questions.py",
    "bot/adapter/cogs/reports.py",
    "bot/services/bank/uploads.py",
    "bot/services/bank/import_plan.py",
    "bot/services/bank/import_write.py",
    "bot/services/bank/question_admin.py",
    "bot/services/bank/question_list.py",
    "bot/services/quiz/reports.py",
    "bot/core/bank/items.py",
    "bot/core/bank/uploads/__init__.py",
    "bot/core/bank/uploads/detect.py",
    "bot/core/bank/uploads/diff.py",
    "bot/core/bank/uploads/export.py",
    "bot/core/bank/uploads/report.py",
    "bot/core/bank/uploads/result.py",
    "bot/core/bank/uploads/formats/base.py",
    "bot/core/bank/uploads/formats/csv_table.py",
    "bot/core/bank/uploads/formats/gift.py",
    "bot/core/bank/uploads/formats/native.py",
    "bot/core/bank/uploads/formats/opentdb.py",
    "bot/core/bank/uploads/formats/redbot.py",
    "bot/core/bank/language.py",
    # Pass 2 (b): settings, help, privacy, leaderboard, quotas, schedule errors, topics.
    "bot/adapter/cogs/config.py",
    "bot/adapter/cogs/privacy.py",
    "bot/adapter/cogs/leaderboard.py",
    "bot/adapter/quiz/topics.py",
    "bot/services/privacy.py",
    "bot/services/schedules/schedules.py",
    "bot/core/quotas.py",
    "bot/services/quotas.py",
    # Pass 2 (c): pictures, the podium, question of the day, discussion results.
    "bot/services/pictures/pictures.py",
    "bot/services/pictures/picture_drawing.py",
    "bot/adapter/quiz/pictures.py",
    "bot/adapter/quiz/member_names.py",
    "bot/services/schedules/qotd.py",
    "bot/services/quiz/practice.py",
    "bot/services/quiz/stats.py",
    "bot/services/discussions/charts.py",
    "bot/core/discussions/discussion_result.py",
    "bot/core/schedules/schedule_math.py",
)

# A core ValueError that only a programming mistake raises (no member, moderator or
# command can reach it: the callers pass aware datetimes and valid positions) stays
# English. Each is named exactly, by file and words, and must still exist, so the list
# cannot hide a new message or outlive the one it names.
DEVELOPER_ERRORS = {
    "bot/core/schedules/schedule_math.py": (
        "must be timezone-aware, got naive",
        "n must be >= 0, got",
        "grace must not be negative, got",
    ),
    "bot/core/discussions/discussion_result.py": ("no viewpoint at position",),
}

# Calls whose arguments a member reads.
SHOWN = {
    "send",
    "send_message",
    "edit",
    "edit_message",
    "edit_original_response",
    "reply",
    "TextDisplay",
    "Embed",
    "add_field",
    "set_field_at",
    "set_footer",
    "set_author",
    "Button",
    "Select",
    "SelectOption",
    "TextInput",
    "Modal",
    "create_thread",
}
# Errors whose message is a member's reply.
MEMBER_ERRORS = {
    "QuizError",
    "QuizAlreadyRunning",
    "NoQuestions",
    "DiscussionError",
    "NotFound",
    "NotAllowed",
    "UploadError",
    "AdminError",
    "ReportError",
    "ExportError",
    "ScheduleError",
    "ScheduleNotFound",
    "QuotaExceeded",
    "UnknownLimit",
    "Holding",
}
# Calls that carry a moderator's message in one argument beside locations, ids and field
# names (which stay as they are): the name and the message's position.
MESSAGE_ARG = {
    "FileRefused": 0,
    "BankYamlError": 0,
    "DuplicateJsonKey": 0,
    "UploadProblem": 3,
    "problem": 1,
    "cannot_play": 1,
    "LanguageIssue": 1,
}
# In bot/core a validator's ValueError is the message a moderator reads for that field.
CORE_MESSAGE_ARG = {**MESSAGE_ARG, "ValueError": 0}
# A field path before a translated message ("choices: " + _("...")) is not words.
FIELD_PREFIX = re.compile(r"^[a-z_][a-z_0-9.\[\]]*: $")
# Keywords that are never read as words.
NOT_TEXT = {
    "custom_id",
    "url",
    "filename",
    "file",
    "files",
    "emoji",
    "style",
    "colour",
    "color",
    "accent_colour",
    "allowed_mentions",
    "view",
    "embed",
    "embeds",
    "type",
    "auto_archive_duration",
    "ephemeral",
    "disabled",
    "inline",
    "timeout",
    "min_length",
    "max_length",
    "archived",
    "row",
    "id",
}
TRANSLATE = {"_", "ngettext", "pgettext"}


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    if isinstance(func, ast.Name):
        return func.id
    return ""


def _has_words(text: str) -> bool:
    return sum(ch.isalpha() for ch in text) >= 2 and not FIELD_PREFIX.match(text)


def literal_words(node: ast.expr) -> str | None:
    """The English words of an expression that is (built from) a literal, else None."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value if _has_words(node.value) else None
    if isinstance(node, ast.JoinedStr):
        parts = "".join(
            v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)
        )
        return parts if _has_words(parts) else None
    if isinstance(node, ast.BinOp):
        return literal_words(node.left) or literal_words(node.right)
    if isinstance(node, ast.IfExp):
        return literal_words(node.body) or literal_words(node.orelse)
    if isinstance(node, ast.Call) and _name(node.func) == "clip" and node.args:
        return literal_words(node.args[0])
    if isinstance(node, ast.Call) and _name(node.func) == "format":
        inner = node.func.value if isinstance(node.func, ast.Attribute) else None
        return literal_words(inner) if inner is not None else None
    return None


def unwrapped(source: str, filename: str = "<code>") -> list[str]:
    """`file:line: text` for each user-visible literal that is not translated."""
    found = []
    message_arg = CORE_MESSAGE_ARG if filename.startswith("bot/core/") else MESSAGE_ARG
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        if name in message_arg:
            at = message_arg[name]
            args = node.args[at : at + 1]
        elif name in SHOWN:
            args = list(node.args)
            if name == "reply":
                args = args[1:]  # reply(interaction, text)
            args += [k.value for k in node.keywords if k.arg not in NOT_TEXT]
        elif name in MEMBER_ERRORS:
            args = list(node.args)
        else:
            continue
        for arg in args:
            words = literal_words(arg)
            if words is not None:
                found.append(f"{filename}:{arg.lineno}: {words!r}")
    return found


@pytest.mark.parametrize("path", TRANSLATED)
def test_every_visible_string_is_translated(path: str) -> None:
    found = unwrapped((ROOT / path).read_text(encoding="utf-8"), path)
    allowed = DEVELOPER_ERRORS.get(path, ())
    assert [f for f in found if not any(words in f for words in allowed)] == []
    for words in allowed:
        assert sum(words in f for f in found) == 1, f"{path}: {words!r} is gone or repeated"


def test_the_check_finds_an_unwrapped_string_and_spares_ids_and_logs() -> None:
    code = """
async def f(interaction, channel, log, n):
    await reply(interaction, "Not translated.")
    await channel.send(f"Quiz over: {n} questions")
    raise QuizError("Period must be week.")
    embed = discord.Embed(title="Stats" if n else _("Stats"))
    button = discord.ui.Button(label=_("Answer"), custom_id=f"quiz:{n}:text")
    log.warning("could not send %s", n)
    await channel.send(f"<@{n}> · {n}", allowed_mentions=None)
    await reply(interaction, _("Answer: {a}").format(a=n))
    await channel.send(clip(f"Daily streaks: {n}", 2000))
"""
    found = unwrapped(code)
    assert sorted(int(line.split(":")[1]) for line in found) == [3, 4, 5, 6, 11], found
