"""The three-way merge: one-sided changes merge, two-sided ones become conflicts."""

from __future__ import annotations

from leadtui.domain.merge import FieldConflict, PendingChange, merge_fields, same


def test_untouched_fields_take_the_crm_value() -> None:
    merged = merge_fields({"phone": "+1 212 555 0100", "company": "Acme"}, {})
    assert merged.take == {"phone": "+1 212 555 0100", "company": "Acme"}
    assert not merged.conflicts


def test_rep_change_survives_a_pull_of_the_old_value() -> None:
    pending = {"status": PendingChange("working", "disqualified")}
    merged = merge_fields({"status": "working", "company": "Acme Ltd"}, pending)
    assert merged.take == {"company": "Acme Ltd"}
    assert not merged.conflicts and not merged.settled


def test_both_sides_changed_one_field_and_merge_the_other() -> None:
    pending = {
        "status": PendingChange("working", "disqualified"),
        "deal_value": PendingChange(None, 5000.0),
    }
    merged = merge_fields({"status": "converted", "deal_value": "5000", "phone": "1"}, pending)
    assert merged.conflicts == (FieldConflict("status", "disqualified", "converted", "working"),)
    assert merged.settled == ("deal_value",)
    assert merged.take == {"phone": "1"}


def test_same_compares_crm_strings_with_local_values() -> None:
    assert same(None, "") and same(5000.0, "5000") and same(True, "true")
    assert not same("5000", "5000.5") and not same("a", "b")
