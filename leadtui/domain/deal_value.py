"""What a rep may type as a deal's value: one rule for the TUI, the CLI and the workspace."""

from __future__ import annotations

import math


def parse_deal_value(text: str) -> float | None:
    """The value in `text` ("12,500", "12000.50"), None when blank; ValueError with the sentence
    to show when it is not a finite amount of 0 or more ("inf" and "1e309" are floats, and one
    in the outbox would stop every push: JSON has no infinity)."""
    cleaned = text.replace(",", "").strip()
    if not cleaned:
        return None
    try:
        value = float(cleaned)
    except ValueError:
        raise ValueError("Type a number such as 12000, or leave it blank.") from None
    problem = deal_value_problem(value)
    if problem:
        raise ValueError(problem)
    return value


def deal_value_problem(value: float) -> str | None:
    if not math.isfinite(value):
        return "A deal value is an amount such as 12000, not infinity or not-a-number."
    if value < 0:
        return "A deal value cannot be negative."
    return None
