"""Items in two languages under one id: the same question, judged the same, on both databases."""

from __future__ import annotations

import random

from bot.core.bank.items import parse_item
from bot.core.clock import ManualClock
from bot.services.bank.bank import import_items
from bot.services.bank.questions import localized
from bot.services.quiz.quiz import AnswerStatus, QuizOptions, QuizService
from tests.factories import mcq, short

GUILD, CHANNEL, ALICE, BOB = 81_000_000_000_000_001, 555, 11, 12

UK_MCQ = {
    "text": "Яка річка протікає через Куп'янськ?",
    "choices": ["Оскіл", "Дніпро", "Донець", "Десна"],
    "explanation": "Куп'янськ лежить на річці Оскіл.",
}


def bilingual_short():  # type: ignore[no-untyped-def]
    data = short("river-typed").model_dump(mode="json")
    data["translations"] = {
        "uk": {
            "text": "Яка річка протікає через Куп'янськ?",
            "accepted": ["Оскіл"],
            "explanation": "Куп'янськ лежить на річці Оскіл.",
        }
    }
    return parse_item(data)


async def test_an_answer_typed_in_either_language_is_right(sessions) -> None:  # type: ignore[no-untyped-def]
    clock = ManualClock()
    await import_items(sessions, [bilingual_short()], guild_id=GUILD)
    quiz = QuizService(sessions, clock, random.Random(1))
    run = await quiz.start(GUILD, CHANNEL, ALICE, QuizOptions(questions=1, kind="facts"))
    rnd = await quiz.open_next_round(run.run_id)
    assert rnd is not None
    assert (await quiz.answer(rnd.round_id, ALICE, text="оскіл")).status is AnswerStatus.ACCEPTED
    assert (await quiz.answer(rnd.round_id, BOB, text="Oskil")).status is AnswerStatus.ACCEPTED
    clock.advance(seconds=30)
    reveal = await quiz.close_round(rnd.round_id)
    assert reveal is not None and sorted(reveal.right) == [ALICE, BOB]


async def test_a_round_shows_the_question_in_the_server_language_with_a_fallback(
    sessions,
) -> None:  # type: ignore[no-untyped-def]
    data = mcq("river").model_dump(mode="json")
    data["translations"] = {"uk": UK_MCQ}
    await import_items(sessions, [parse_item(data), mcq("english-only")], guild_id=GUILD)
    quiz = QuizService(sessions, ManualClock(), random.Random(1))
    run = await quiz.start(GUILD, CHANNEL, ALICE, QuizOptions(questions=2))
    seen = {}
    for _ in range(2):
        rnd = await quiz.open_next_round(run.run_id)
        assert rnd is not None
        seen[rnd.question.slug] = localized(rnd.question, "uk")
    shown, had = seen["river"]
    assert had and shown.text == UK_MCQ["text"] and shown.choices == UK_MCQ["choices"]
    assert shown.correct_text == "Оскіл"  # the same position in both languages
    fallback, had = seen["english-only"]
    assert not had and fallback.text.startswith("Which river")
