from __future__ import annotations

import pytest

from leadtui.domain.models import Channel, Outcome, check_outcome, outcomes_for


def test_call_outcomes_leave_out_email_ones() -> None:
    call = outcomes_for(Channel.CALL)
    assert Outcome.BOUNCED not in call and Outcome.SENT not in call
    assert Outcome.BUSY in call and Outcome.LEFT_VOICEMAIL in call
    assert Outcome.BUSY not in outcomes_for(Channel.EMAIL)


def test_every_channel_can_book_a_meeting() -> None:
    for channel in (Channel.CALL, Channel.EMAIL, Channel.LINKEDIN, Channel.SMS, Channel.MEETING):
        assert Outcome.MEETING_BOOKED in outcomes_for(channel)


def test_mismatch_is_one_sentence_naming_what_fits() -> None:
    with pytest.raises(ValueError, match=r"^An email cannot be 'busy'; use one of: sent, "):
        check_outcome(Channel.EMAIL, Outcome.BUSY)
    check_outcome(Channel.CALL, Outcome.BUSY)
