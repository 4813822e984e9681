"""Three-way merge of a lead's fields at pull time: nothing the rep did is silently overwritten.

For each field the CRM sends, the rep may have a change still waiting in the outbox (with the
value it had before). Then:
- the CRM still holds the value from before the rep's change: keep the rep's value (the push
  will carry it to the CRM);
- the CRM already holds the rep's value: nothing to do;
- the CRM holds something else: both sides changed it since the last sync. That is a conflict,
  shown to the rep with both values; neither wins until the rep chooses.
Fields the rep did not touch take the CRM's value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class PendingChange:
    before: Any
    after: Any


@dataclass(frozen=True, slots=True)
class FieldConflict:
    field: str
    local: Any
    remote: Any
    base: Any


@dataclass(frozen=True, slots=True)
class Merge:
    take: dict[str, Any]  # fields to write into the cache from the CRM
    conflicts: tuple[FieldConflict, ...]
    settled: tuple[str, ...]  # pending fields the CRM already agrees with


def same(a: Any, b: Any) -> bool:
    """CRM values arrive as strings; compare them as the same text, treating None as empty."""

    def norm(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, float) and value.is_integer():
            return str(int(value))
        return str(value)

    return norm(a) == norm(b)


def merge_fields(remote: Mapping[str, Any], pending: Mapping[str, PendingChange]) -> Merge:
    take: dict[str, Any] = {}
    conflicts: list[FieldConflict] = []
    settled: list[str] = []
    for name, value in remote.items():
        change = pending.get(name)
        if change is None:
            take[name] = value
        elif same(value, change.after):
            settled.append(name)
        elif not same(value, change.before):
            conflicts.append(FieldConflict(name, change.after, value, change.before))
    return Merge(take, tuple(conflicts), tuple(settled))
