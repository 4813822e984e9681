"""Shared pieces of the HTTP endpoints: the reply type and HubSpot's query-string conventions."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sync.sandbox import errors
from sync.sandbox.schema import parse_time_ms

Query = dict[str, list[str]]
MAX_BATCH = 100


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


# Query-string helpers -------------------------------------------------------------------------


def one(query: Query, name: str) -> str | None:
    values = query.get(name)
    return values[-1] if values else None


def names(query: Query, name: str) -> tuple[str, ...] | None:
    """A list parameter HubSpot takes as `a,b` or repeated: None when absent or empty."""
    if name not in query:
        return None
    found = tuple(n for raw in query[name] for n in raw.split(",") if n)
    return found or None


def flag(query: Query, name: str) -> bool:
    return (one(query, name) or "false").lower() == "true"


def limit(raw: str | None, default: int, maximum: int) -> int:
    if raw is None:
        return default
    try:
        number = int(raw)
    except ValueError:
        raise errors.validation(f"limit must be an integer, got {raw!r}") from None
    if not 0 < number <= maximum:
        raise errors.validation(f"limit must be between 1 and {maximum}, got {number}")
    return number


def offset(raw: str | None) -> int:
    """`after` of an offset-paged endpoint (search, owners, events)."""
    try:
        number = int(raw or 0)
    except ValueError:
        raise errors.validation(f"after must be a paging cursor, got {raw!r}") from None
    return max(number, 0)


def paging(after: str | None, path: str) -> dict[str, Any]:
    if after is None:
        return {}
    return {"paging": {"next": {"after": after, "link": f"{path}?after={after}"}}}


def inputs(body: dict[str, Any], most: int = MAX_BATCH) -> list[dict[str, Any]]:
    """A batch body's `inputs`: 1 to `most` objects (100 for object batches)."""
    items = body.get("inputs")
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise errors.validation("inputs must be a list of objects")
    if len(items) > most:
        raise errors.validation(f"Batch size exceeds the maximum of {most} inputs")
    return items


def check_keys(item: dict[str, Any], allowed: set[str]) -> None:
    """HubSpot's JSON reader refuses fields it does not know (e.g. associations in an upsert)."""
    for key in item:
        if key not in allowed:
            raise errors.validation(
                f'Invalid input JSON: Unrecognized field "{key}" (known fields: '
                f"{', '.join(sorted(allowed))})"
            )


def time_param(query: Query, name: str) -> int | None:
    raw = one(query, name)
    if not raw:
        return None
    try:
        return parse_time_ms(raw)
    except ValueError:
        raise errors.validation(f"{name} must be an ISO-8601 datetime, got {raw!r}") from None


def batch_reply(
    results: list[dict[str, Any]], errs: list[dict[str, Any]], ok_status: int, stamp: str
) -> Reply:
    """HubSpot's batch reply; 207 Multi-Status as soon as one input failed."""
    body: dict[str, Any] = {"status": "COMPLETE", "results": results}
    if errs:
        body["errors"] = errs
        body["numErrors"] = len(errs)
    body["startedAt"] = stamp
    body["completedAt"] = stamp
    return Reply(207 if errs else ok_status, body)
