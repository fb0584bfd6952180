"""Topic tags as members read them: every shipped tag has a name, in both languages."""

from __future__ import annotations

from pathlib import Path

from bot.adapter import render
from bot.adapter.quiz.topics import TOPICS, named_like, topic_name, topic_names
from bot.core.bank.bank_files import load_bank
from bot.i18n import use
from bot.services.quiz.stats import MemberStats, TopicScore

QUESTIONS = Path(__file__).resolve().parents[3] / "questions"


def test_every_shipped_tag_has_a_display_name() -> None:
    tags = {tag for item in load_bank(QUESTIONS).items for tag in item.tags}
    missing = sorted(t for t in tags if t not in TOPICS and not t.isdigit())
    assert missing == [], "add these to bot/adapter/quiz/topics.py and translate them"


def test_names_follow_the_language_and_unknown_tags_stay_as_written() -> None:
    assert topic_names(["treaties", "2014", "our-own-tag"]) == "treaties, 2014, our-own-tag"
    with use("uk"):
        assert topic_names(["treaties", "2014", "our-own-tag"]) == "договори, 2014, our-own-tag"
        assert topic_name("occupation-2022") == "окупація 2022"
        # Every shipped tag reads differently in Ukrainian (none was left in English).
        assert [t for t in TOPICS if topic_name(t) == t] == []


def test_a_member_finds_a_topic_by_its_name_in_their_language() -> None:
    assert named_like("окуп", "uk") == ["occupation", "occupation-2022"]
    assert named_like("", "uk") == []
    assert "treaties" in named_like("ДОГОВ", "uk")


def test_stats_name_strong_and_weak_topics_in_the_readers_language() -> None:
    stats = MemberStats(
        user_id=7,
        points=1200,
        correct=6,
        answered=10,
        quizzes=2,
        best_streak=3,
        rank=1,
        strong=[TopicScore("treaties", 5, 4)],
        weak=[TopicScore("occupation-2022", 5, 2)],
    )
    with use("uk"):
        fields = {f.name: f.value for f in render.stats_embed(stats, 7).fields}
    assert fields["Сильні теми"].startswith("договори: 80%")
    assert fields["Слабкі теми"].startswith("окупація 2022: 40%")
