"""Why a lead was disqualified: a configurable pick-list, and which reasons count against the rep.

A lead closed for a reason the prospect gave ("no budget", "student", "competitor", bad contact
data) was not abandoned; a lead closed because nobody answered, before its fifth touch, was
(RESEARCH.md: persistence). The cache keeps the reason's key for a listed reason and the rep's
own words for anything else, which reads as "other".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, NamedTuple

OTHER = "other"


class DisqualifyReason(NamedTuple):
    """One entry of the disqualify pick-list (a named tuple: leadtui.locations says why)."""

    key: str  # what the cache and the CRM store: lower_snake_case
    label: str  # what a rep reads in the pick-list
    gave_up: bool  # True: closing for this reason before the 5th touch counts as giving up early


DEFAULT_REASONS: tuple[DisqualifyReason, ...] = (
    DisqualifyReason("no_budget", "No budget", gave_up=False),
    DisqualifyReason("not_a_fit", "Not a fit (size, industry, use case)", gave_up=False),
    DisqualifyReason("competitor", "Competitor or vendor", gave_up=False),
    DisqualifyReason("student", "Student or job seeker", gave_up=False),
    DisqualifyReason("bad_contact_data", "Bad contact data", gave_up=False),
    DisqualifyReason("duplicate", "Duplicate lead", gave_up=False),
    DisqualifyReason("not_ready", "Not ready to buy (nurture)", gave_up=False),
    DisqualifyReason("no_response", "No response", gave_up=True),
    DisqualifyReason(OTHER, "Other (say why)", gave_up=True),
)


def reasons_from_config(items: Iterable[Mapping[str, Any]] | None) -> tuple[DisqualifyReason, ...]:
    """`[[disqualify.reasons]]` tables (key, label, gave_up) or the defaults; raises ValueError."""
    items = list(items or ())
    if not items:
        return DEFAULT_REASONS
    reasons: list[DisqualifyReason] = []
    for number, item in enumerate(items, start=1):
        key = str(item.get("key", "")).strip()
        if not key or not key.replace("_", "").isalnum() or key != key.lower():
            raise ValueError(
                f"[[disqualify.reasons]] number {number}: key must be lower_snake_case, "
                'like "no_budget"'
            )
        unknown = set(item) - {"key", "label", "gave_up"}
        if unknown:
            raise ValueError(
                f"[[disqualify.reasons]] {key}: unknown key {sorted(unknown)[0]!r}; "
                "allowed are key, label, gave_up"
            )
        gave_up = item.get("gave_up", False)
        if not isinstance(gave_up, bool):
            raise ValueError(f"[[disqualify.reasons]] {key}: gave_up must be true or false")
        reasons.append(DisqualifyReason(key, str(item.get("label") or key), gave_up))
    keys = [r.key for r in reasons]
    if len(set(keys)) != len(keys):
        raise ValueError("[[disqualify.reasons]]: each key may appear only once")
    if OTHER not in keys:
        reasons.append(DisqualifyReason(OTHER, "Other (say why)", gave_up=True))
    return tuple(reasons)


def classify(
    stored: str, reasons: Sequence[DisqualifyReason] = DEFAULT_REASONS
) -> DisqualifyReason:
    """The pick-list entry a stored reason stands for: a key or label, else "other"."""
    text = stored.strip()
    for reason in reasons:
        if text == reason.key or text.lower() == reason.label.lower():
            return reason
    return next((r for r in reasons if r.key == OTHER), DEFAULT_REASONS[-1])


def counts_as_gave_up(stored: str, reasons: Sequence[DisqualifyReason] = DEFAULT_REASONS) -> bool:
    return classify(stored, reasons).gave_up
