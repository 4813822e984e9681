import pytest

from leadtui.domain.reasons import (
    DEFAULT_REASONS,
    OTHER,
    classify,
    counts_as_gave_up,
    reasons_from_config,
)


def test_listed_reasons_that_the_prospect_gave_do_not_count_as_giving_up() -> None:
    for key in ("no_budget", "student", "competitor", "bad_contact_data"):
        assert not counts_as_gave_up(key)
    assert counts_as_gave_up("no_response")


def test_free_text_reads_as_other_and_counts_against_the_rep() -> None:
    assert classify("they hung up on me").key == OTHER
    assert counts_as_gave_up("they hung up on me")


def test_a_label_matches_its_reason_regardless_of_case() -> None:
    assert classify("no BUDGET").key == "no_budget"


def test_config_reasons_replace_the_defaults_and_always_keep_other() -> None:
    reasons = reasons_from_config([{"key": "too_small", "label": "Too small", "gave_up": False}])
    assert [r.key for r in reasons] == ["too_small", OTHER]
    assert reasons_from_config([]) == DEFAULT_REASONS


@pytest.mark.parametrize(
    "items",
    [
        [{"key": "No Budget"}],
        [{"key": "x", "gave_up": "yes"}],
        [{"key": "x"}, {"key": "x"}],
        [{"key": "x", "colour": "red"}],
    ],
)
def test_bad_reasons_are_refused_with_a_sentence(items: list[dict[str, object]]) -> None:
    with pytest.raises(ValueError, match=r"disqualify\.reasons"):
        reasons_from_config(items)
