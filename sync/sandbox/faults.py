"""Faults injected on purpose, to test a client's retries and idempotency against real sockets.

Set from Python (`RunningSandbox.faults`) or over HTTP (`POST /_sandbox/faults`). Counted faults
("the next N requests ...") are used up one per request. Control requests (`/_sandbox/...`) are
never faulted, so a test can always turn faults off again.
"""

from __future__ import annotations

import threading
from dataclasses import asdict, dataclass
from typing import Any

SERVER_ERRORS = (500, 502, 503, 504)


@dataclass
class FaultState:
    latency: float = 0.0  # seconds added before every reply
    fail_next: int = 0  # the next N requests answer `fail_status`
    fail_status: int = 503
    rate_limit_next: int = 0  # the next N requests answer 429
    retry_after: float | None = None  # ... with this Retry-After, or none
    drop_before_commit: int = 0  # the next N writes: connection closed, nothing written
    drop_after_commit: int = 0  # the next N writes: written, then closed without a reply
    # The next N writes: written, then answered 502, as a gateway that timed out waiting for
    # the CRM behind it would (HubSpot's 5xx say nothing about whether a write landed).
    error_after_commit: int = 0
    offline: bool = False  # every connection closed without a reply
    search_lag: float = 0.0  # seconds before a write shows in search results, as in HubSpot


class Faults:
    def __init__(self) -> None:
        self._state = FaultState()
        self._lock = threading.Lock()

    def snapshot(self) -> dict[str, Any]:
        with self._lock:
            return asdict(self._state)

    def reset(self) -> None:
        with self._lock:
            self._state = FaultState()

    def latency(self, seconds: float) -> None:
        with self._lock:
            self._state.latency = max(0.0, seconds)

    def fail_next(self, count: int, status: int = 503) -> None:
        if status not in SERVER_ERRORS:
            raise ValueError(f"status must be one of {SERVER_ERRORS}")
        with self._lock:
            self._state.fail_next, self._state.fail_status = count, status

    def rate_limit_next(self, count: int, retry_after: float | None = None) -> None:
        with self._lock:
            self._state.rate_limit_next, self._state.retry_after = count, retry_after

    def drop_before_commit(self, count: int = 1) -> None:
        with self._lock:
            self._state.drop_before_commit = count

    def drop_after_commit(self, count: int = 1) -> None:
        with self._lock:
            self._state.drop_after_commit = count

    def error_after_commit(self, count: int = 1) -> None:
        with self._lock:
            self._state.error_after_commit = count

    def take_error_after_commit(self) -> bool:
        with self._lock:
            if self._state.error_after_commit > 0:
                self._state.error_after_commit -= 1
                return True
            return False

    def search_lag(self, seconds: float) -> None:
        with self._lock:
            self._state.search_lag = max(0.0, seconds)

    def offline(self, on: bool = True) -> None:
        with self._lock:
            self._state.offline = on

    def apply(self, changes: dict[str, Any]) -> dict[str, Any]:
        """The HTTP control body: {"reset": true} first, then any FaultState field."""
        if changes.get("reset"):
            self.reset()
        known = set(FaultState.__dataclass_fields__)
        unknown = set(changes) - known - {"reset"}
        if unknown:
            raise ValueError(f"unknown fault settings: {', '.join(sorted(unknown))}")
        if "fail_status" in changes and changes["fail_status"] not in SERVER_ERRORS:
            raise ValueError(f"fail_status must be one of {SERVER_ERRORS}")
        for key in known & set(changes):
            _check_type(key, changes[key])
        with self._lock:
            for key in known & set(changes):
                setattr(self._state, key, changes[key])
        return self.snapshot()

    # Used by the server, one request at a time -------------------------------------------------

    def is_offline(self) -> bool:
        with self._lock:
            return self._state.offline

    def delay(self) -> float:
        with self._lock:
            return self._state.latency

    def lag(self) -> float:
        with self._lock:
            return self._state.search_lag

    def take_error(self) -> tuple[int, float | None] | None:
        """(status, Retry-After) for a request that must fail, using up one counted fault."""
        with self._lock:
            state = self._state
            if state.rate_limit_next > 0:
                state.rate_limit_next -= 1
                return 429, state.retry_after
            if state.fail_next > 0:
                state.fail_next -= 1
                return state.fail_status, None
            return None

    def take_drop(self, after_commit: bool) -> bool:
        with self._lock:
            state = self._state
            if after_commit and state.drop_after_commit > 0:
                state.drop_after_commit -= 1
                return True
            if not after_commit and state.drop_before_commit > 0:
                state.drop_before_commit -= 1
                return True
            return False


def _check_type(key: str, value: Any) -> None:
    """Refuse a bad control value now rather than failing every later request with it."""
    kind = FaultState.__dataclass_fields__[key].type
    if kind == "bool":
        ok = isinstance(value, bool)
    elif kind == "int":
        ok = isinstance(value, int) and not isinstance(value, bool) and value >= 0
    else:  # seconds: a non-negative number (retry_after may also be null)
        ok = (value is None and key == "retry_after") or (
            isinstance(value, int | float) and not isinstance(value, bool) and value >= 0
        )
    if not ok:
        raise ValueError(f"{key} must be a non-negative {kind}, got {value!r}")
