"""HubSpot's rate limits: a rolling 10-second window for all calls, a per-second one for search."""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RateLimits:
    """Requests allowed per rolling window. The defaults are a Professional portal's private app
    (100 per 10 s) and HubSpot's search allowance (about 5 per second)."""

    requests: int = 100
    window_seconds: float = 10.0
    search_requests: int = 5
    search_window_seconds: float = 1.0
    # Requests a day (developers.hubspot.com/docs/guides/apps/api-usage/usage-details: 250,000
    # for a Professional account's private apps); counted from when the sandbox started.
    daily: int = 250_000


class RollingWindow:
    """At most `limit` acquisitions within any `window` seconds."""

    def __init__(
        self, limit: int, window: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.limit = limit
        self.window = window
        self._clock = clock
        self._times: deque[float] = deque()
        self._lock = threading.Lock()

    def acquire(self) -> tuple[bool, int]:
        """(allowed, remaining after this call)."""
        with self._lock:
            now = self._clock()
            while self._times and now - self._times[0] >= self.window:
                self._times.popleft()
            if len(self._times) >= self.limit:
                return False, 0
            self._times.append(now)
            return True, self.limit - len(self._times)


class RateLimiter:
    def __init__(self, limits: RateLimits) -> None:
        self.limits = limits
        self.general = RollingWindow(limits.requests, limits.window_seconds)
        self.search = RollingWindow(limits.search_requests, limits.search_window_seconds)
        self._daily_used = 0
        self._daily_lock = threading.Lock()

    def take_daily(self) -> bool:
        """Count one request against the daily quota; False once it is used up."""
        with self._daily_lock:
            if self._daily_used >= self.limits.daily:
                return False
            self._daily_used += 1
            return True

    def headers(self, remaining: int) -> dict[str, str]:
        """HubSpot's rate-limit headers, sent on every reply so clients can pace themselves."""
        return {
            "X-HubSpot-RateLimit-Max": str(self.limits.requests),
            "X-HubSpot-RateLimit-Remaining": str(remaining),
            "X-HubSpot-RateLimit-Interval-Milliseconds": str(
                int(self.limits.window_seconds * 1000)
            ),
        }
