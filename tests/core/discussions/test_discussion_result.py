"""The result of a discussion's opening and final votes, and the vote windows."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.discussions.discussion_result import (
    VOTE_GRACE,
    DiscussionResult,
    GainStatus,
    Phase,
    Stage,
    VoteWindows,
    compute_result,
    format_points,
    validate_duration,
    whole,
)

LABELS = ["Prosecute", "Punish real harm only", "Amnesty"]
WINNER_WORDS = re.compile(r"\b(win|wins|winner|won|winning|victor\w*|defeat\w*|beat|right)\b", re.I)


def test_shares_changes_and_members_who_voted_once() -> None:
    before = {1: 0, 2: 0, 3: 0, 4: 1, 5: None, 6: 2, 7: 1}  # 7 voters
    after = {1: 0, 2: 1, 3: 1, 4: 1, 5: 1, 6: 2, 8: None, 9: 0}  # 8 voters
    result = compute_result(LABELS, before, after)

    assert result.before_voters == 7 and result.after_voters == 8
    assert result.both_voters == 6  # members 1-6
    # 2 and 3: Prosecute -> Punish (switched); 5: undecided -> Punish (decided).
    assert result.changed_mind == 3 and result.switched_viewpoint == 2
    assert result.from_undecided == 1 and result.to_undecided == 0
    assert result.only_before == 1 and result.only_after == 2  # 7; 8 and 9

    prosecute, punish, amnesty, undecided = result.options
    assert [o.position for o in result.options] == [0, 1, 2, None]
    assert undecided.label == "Undecided" and undecided.undecided
    assert (prosecute.before, prosecute.after) == (3, 2)
    # Shares are over each phase's own voters: 3/7 before, 2/8 after.
    assert prosecute.before_share == Fraction(3, 7) and prosecute.after_share == Fraction(2, 8)
    assert (punish.before, punish.after) == (2, 4)
    assert punish.gain_points == (Fraction(4, 8) - Fraction(2, 7)) * 100
    assert (amnesty.before, amnesty.after) == (1, 1)
    assert (undecided.before, undecided.after) == (1, 1)
    for phase_total in (
        sum(o.before_share for o in result.options),
        sum(o.after_share for o in result.options),
    ):
        assert phase_total == 1

    assert result.gain_status is GainStatus.GAINED
    assert result.gained_most == (1,)
    assert result.gained_most_options[0].label == "Punish real harm only"
    assert punish.before_whole == 29 and punish.after_whole == 50 and punish.gain_whole == 21
    sentence = result.gain_sentence()
    assert sentence == (
        "Gained most share from the opening to the final vote: “Punish real harm only” "
        "(+21 points)."
    )
    assert not WINNER_WORDS.search(sentence)


def test_tie_is_exact_and_named_as_a_tie() -> None:
    before = {1: 0, 2: 1, 3: None, 4: None}
    after = {1: 0, 2: 1, 3: 0, 4: 1}
    result = compute_result(["A", "B"], before, after)
    assert result.gain_status is GainStatus.TIED and result.gained_most == (0, 1)
    assert result.changed_mind == 2 and result.switched_viewpoint == 0
    assert result.from_undecided == 2
    assert result.gain_sentence() == "Gained most share, tied: “A” and “B” (+25 points each)."


def test_no_change_and_only_undecided_gaining_are_no_gain() -> None:
    same = compute_result(["A", "B"], {1: 0, 2: 1}, {1: 0, 2: 1})
    assert same.gain_status is GainStatus.NO_GAIN and same.gained_most == ()
    assert same.changed_mind == 0
    unsettled = compute_result(["A", "B"], {1: 0, 2: 1}, {1: None, 2: 1})
    assert unsettled.gain_status is GainStatus.NO_GAIN
    assert unsettled.option(None).gain_points == 50
    assert unsettled.to_undecided == 1 and unsettled.changed_mind == 1
    assert "No viewpoint gained share" in unsettled.gain_sentence()


def test_a_phase_without_voters_cannot_be_compared() -> None:
    result = compute_result(["A", "B"], {1: 0, 2: 1}, {})
    assert result.gain_status is GainStatus.NOT_ENOUGH_VOTES and result.gained_most == ()
    assert result.only_before == 2 and result.both_voters == 0
    assert result.option(0).after_share == 0
    assert result.gain_sentence() == (
        "Not enough votes to compare: 2 members in the opening vote, 0 members in the final vote."
    )
    empty = compute_result(["A", "B"], {}, {})
    assert empty.gain_status is GainStatus.NOT_ENOUGH_VOTES


def test_unknown_position_is_refused() -> None:
    with pytest.raises(ValueError, match="position 5"):
        compute_result(["A", "B"], {1: 5}, {})


def test_result_survives_its_json_round_trip() -> None:
    result = compute_result(LABELS, {1: 0, 2: None, 3: 2}, {1: 1, 2: 1, 4: 0})
    assert DiscussionResult.from_dict(result.to_dict()) == result


def test_rounding_and_signs() -> None:
    assert whole(Fraction(125, 2)) == 63 and whole(Fraction(-5, 2)) == -3
    assert whole(Fraction(1, 3)) == 0
    assert format_points(Fraction(12)) == "+12"
    assert format_points(Fraction(-5)) == "−5"
    assert format_points(Fraction(1, 4)) == "0"


@given(
    before=st.dictionaries(st.integers(1, 30), st.one_of(st.none(), st.integers(0, 2))),
    after=st.dictionaries(st.integers(1, 30), st.one_of(st.none(), st.integers(0, 2))),
)
def test_invariants(before: dict[int, int | None], after: dict[int, int | None]) -> None:
    result = compute_result(LABELS, before, after)
    if before:
        assert sum(o.before_share for o in result.options) == 1
    if after:
        assert sum(o.after_share for o in result.options) == 1
    assert result.both_voters + result.only_before == len(before)
    assert result.both_voters + result.only_after == len(after)
    assert 0 <= result.switched_viewpoint <= result.changed_mind <= result.both_voters
    assert (
        result.switched_viewpoint + result.from_undecided + result.to_undecided
        == result.changed_mind
    )
    gains = [o.gain_points for o in result.viewpoints]
    if result.gain_status in (GainStatus.GAINED, GainStatus.TIED):
        top = max(gains)
        assert top > 0
        assert {result.option(p).gain_points for p in result.gained_most} == {top}
        assert len(result.gained_most) == gains.count(top)
    else:
        assert result.gained_most == ()
    assert not WINNER_WORDS.search(result.gain_sentence())
    assert DiscussionResult.from_dict(result.to_dict()) == result


# --------------------------------------------------------------------------- windows

START = datetime(2026, 1, 5, 12, 0, tzinfo=UTC)


def test_vote_windows_for_a_day() -> None:
    w = VoteWindows(START, START + timedelta(hours=24))
    assert w.before_closes == START + timedelta(hours=12)
    assert w.after_opens == START + timedelta(hours=18)
    assert w.after_closes == START + timedelta(hours=24) + VOTE_GRACE
    assert w.is_open(Phase.BEFORE, START)
    assert not w.is_open(Phase.BEFORE, START + timedelta(hours=12))
    assert not w.is_open(Phase.AFTER, START + timedelta(hours=17, minutes=59))
    assert w.is_open(Phase.AFTER, START + timedelta(hours=24, seconds=29))
    assert not w.is_open(Phase.AFTER, START + timedelta(hours=24, seconds=30))
    stages = [w.stage(START + timedelta(hours=h)) for h in (0, 11, 12, 17, 18, 24, 25)]
    assert stages == [
        Stage.OPENING_VOTE,
        Stage.OPENING_VOTE,
        Stage.DISCUSSING,
        Stage.DISCUSSING,
        Stage.FINAL_VOTE,
        Stage.FINAL_VOTE,
        Stage.ENDED,
    ]


def test_duration_limits() -> None:
    assert validate_duration(timedelta(minutes=10)) == timedelta(minutes=10)
    assert validate_duration(timedelta(days=7)) == timedelta(days=7)
    with pytest.raises(ValueError, match=r"between 10 minutes and 7 days \(asked for 9 min\)"):
        validate_duration(timedelta(minutes=9))
    with pytest.raises(ValueError, match=r"asked for 7 d 1 h"):
        validate_duration(timedelta(days=7, hours=1))
