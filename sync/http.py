"""HTTP for adapters: request budgets, retries with backoff, and errors in one sentence.

The budgets are client-side: staying under the CRM's limits costs a short wait, while hitting them
costs a 429, a backoff and a rolling window that stays full. Search has its own, lower budget
because HubSpot limits it separately (RESEARCH.md).
"""

from __future__ import annotations

import ipaddress
import json
import math
import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from json import dumps as json_dumps
from typing import Any
from urllib.parse import urlsplit

import httpx

from leadtui.safe_text import clean
from sync.protocol import AuthError, CrmUnavailable, SyncError

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class RequestError(SyncError):
    """The CRM answered with an error that retrying will not fix (400, 404, 409...)."""

    def __init__(self, status: int, category: str, message: str) -> None:
        super().__init__(f"The CRM rejected a request (HTTP {status}, {category}): {message}")
        self.status = status
        self.category = category
        self.detail = message


class UnsendableChange(SyncError):
    """A change holds a value no request can carry (JSON has no infinity or not-a-number): it
    is rejected at once, never sent and never retried, and the other changes go on."""


class ServerError(CrmUnavailable):
    """The CRM answered, with a 5xx, to every try of one request: it may be down, or it may be
    this request it cannot take (sync/outbox.py tells the two apart)."""


class Forbidden(AuthError):
    """HTTP 403: the token works but lacks a scope, or the account lacks a tier, for this call.
    For an optional feature the adapter turns the feature off; for a core one it is fatal."""

    def __init__(self, message: str, detail: str, scopes: tuple[str, ...]) -> None:
        super().__init__(message)
        self.detail = detail
        self.scopes = scopes


class OutcomeUnknown(CrmUnavailable):
    """A write was sent and no answer came back (timeout, connection lost, 5xx): it may or may
    not have been applied. Never retried blindly; the adapter looks the record up first."""


class Budget:
    """At most `limit` calls in any rolling `window` seconds, as the server counts them.

    A call occupies its slot from the moment it is sent until `window` seconds after its reply
    arrived: the server saw it somewhere in between, so the client never counts fewer calls than
    the server does, however long the calls take or however many run side by side.
    """

    def __init__(
        self,
        limit: int,
        window: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        if limit < 1 or window <= 0:
            raise ValueError("a budget needs a positive limit and window")
        self.limit = limit
        self.window = window
        self._clock = clock
        self._stopped = threading.Event()
        self._sleep = sleep or self._wait
        self._slots: dict[int, float] = {}  # slot -> when it was released (inf: in flight)
        self._next = 0
        self._lock = threading.Lock()

    def acquire(self) -> int:
        """Wait for a free slot and take it; give it back with `release`."""
        while True:
            with self._lock:
                now = self._clock()
                for slot, released in list(self._slots.items()):
                    if now - released >= self.window:
                        del self._slots[slot]
                if len(self._slots) < self.limit:
                    self._next += 1
                    self._slots[self._next] = math.inf
                    return self._next
                oldest = min(self._slots.values())
                pause = self.window - (now - oldest) if oldest != math.inf else 0.01
            self._sleep(max(pause, 0.001))

    def _wait(self, seconds: float) -> None:
        # A wait for a free slot can last the whole window (10 s); quitting must not.
        if self._stopped.wait(seconds):
            raise SyncError("The sync was stopped.")

    def stop(self) -> None:
        """Wake every caller waiting for a slot; they give up with a SyncError."""
        self._stopped.set()

    def release(self, slot: int) -> None:
        with self._lock:
            if slot in self._slots:
                self._slots[slot] = self._clock()


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    attempts: int = 6  # tries in all, the first included
    base: float = 0.5  # seconds; doubles each retry
    cap: float = 30.0  # no single wait is longer, whatever Retry-After says

    def backoff(self, attempt: int, retry_after: float | None) -> float:
        """Retry-After when the server sent one, else full-jitter exponential backoff (so many
        clients that failed together do not retry together)."""
        if retry_after is not None:
            return min(self.cap, max(0.0, retry_after))
        return random.uniform(0, min(self.cap, self.base * 2**attempt))


def check_base_url(base_url: str) -> str:
    """https anywhere; plain http only to this machine (the sandbox), never over a network."""
    parts = urlsplit(base_url)
    if parts.scheme == "https":
        return base_url.rstrip("/")
    if parts.scheme == "http" and _is_loopback(parts.hostname or ""):
        return base_url.rstrip("/")
    raise SyncError(
        f"Refusing to send the CRM token to {base_url}: plain http is allowed only to "
        "localhost/127.0.0.1; use an https:// URL."
    )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _retry_after(response: httpx.Response) -> float | None:
    raw = response.headers.get("Retry-After")
    if raw is None:
        return None
    try:
        return float(raw)
    except ValueError:
        return None  # an HTTP date: rare from HubSpot; fall back to backoff


def _error_text(response: httpx.Response) -> tuple[str, str]:
    """(category, message) from a HubSpot error body, tolerating any body at all. Both are CRM
    text bound for the cache, a log and the terminal, so they are made inert here, once: an
    escape sequence or a lone surrogate in them must not reach a screen or break a write."""
    category, message = _raw_error_text(response)
    return clean(category, 80), clean(message, 500)


def _raw_error_text(response: httpx.Response) -> tuple[str, str]:
    try:
        body = response.json()
    except ValueError:
        return "UNKNOWN", response.text[:200].strip() or response.reason_phrase
    if not isinstance(body, dict):
        return "UNKNOWN", str(body)[:200]
    category = str(body.get("category") or body.get("errorType") or "UNKNOWN")
    # HubSpot says `message`; Django REST framework CRMs (BottleCRM) `detail` or `errors`.
    message = body.get("message") or body.get("detail") or body.get("errors")
    if message and not isinstance(message, str):
        message = json.dumps(message, ensure_ascii=False)
    return category, str(message or response.reason_phrase)[:500]


def _required_scopes(response: httpx.Response) -> tuple[str, ...]:
    """The scopes a 403 MISSING_SCOPES body names (errors[].context.requiredGranularScopes)."""
    try:
        body = response.json()
    except ValueError:
        return ()
    found: list[str] = []
    for error in (body.get("errors") or []) if isinstance(body, dict) else []:
        context = error.get("context") if isinstance(error, dict) else None
        if isinstance(context, dict):
            for key in ("requiredGranularScopes", "requiredScopes"):
                found += [str(s) for s in context.get(key) or []]
    return tuple(found)


def _daily_limit(response: httpx.Response) -> bool:
    """A 429 for the daily quota: retrying within seconds cannot help."""
    try:
        body = response.json()
    except ValueError:
        return False
    return isinstance(body, dict) and str(body.get("policyName", "")).upper() == "DAILY"


class Http:
    """A JSON client for one CRM: Bearer auth, budgets, retries, clear errors."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout_seconds: float,
        budget: Budget | None,
        search_budget: Budget | None,
        retry: RetryPolicy = RetryPolicy(),
        sleep: Callable[[float], None] | None = None,
    ) -> None:
        self.base_url = check_base_url(base_url)
        self.budget = budget
        self.search_budget = search_budget
        self.retry = retry
        self._closed = threading.Event()
        self.sleep = sleep or self._wait  # the wait between retries; tests record it
        self.requests = 0
        self.retries = 0
        self.timeout_seconds = timeout_seconds
        # Explicit timeouts: a CRM that stops answering must not hang a sync forever.
        self._client = httpx.Client(
            base_url=self.base_url,
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json"},
            timeout=httpx.Timeout(timeout_seconds, connect=min(timeout_seconds, 10.0)),
            limits=httpx.Limits(max_keepalive_connections=4),
        )

    def _wait(self, seconds: float) -> None:
        # A backoff can last 30 s; closing (the app quitting) ends it at once.
        if self._closed.wait(seconds):
            raise SyncError("The sync was stopped.")

    def close(self) -> None:
        """Close the connection; calls waiting for a budget slot or a retry give up at once."""
        self._closed.set()
        for budget in (self.budget, self.search_budget):
            if budget is not None:
                budget.stop()
        self._client.close()

    def _request(
        self, method: str, path: str, *, body: bytes | None, params: dict[str, Any] | None
    ) -> httpx.Response:
        """One request, its body read in full within `timeout_seconds` in all.

        httpx's timeouts bound each read, not the whole: a reply that trickles in a byte every few
        seconds never trips them and would hold the sync for hours. So the body is streamed and
        the deadline checked after every chunk; a request ends at most one read timeout after its
        deadline (a reply whose headers trickle in is bounded by the read timeout alone).
        """
        deadline = time.monotonic() + self.timeout_seconds
        headers = {"Content-Type": "application/json"} if body is not None else None
        with self._client.stream(
            method, path, content=body, headers=headers, params=params
        ) as response:
            chunks = []
            for chunk in response.iter_raw():
                chunks.append(chunk)
                if time.monotonic() > deadline:
                    raise httpx.ReadTimeout(
                        f"the reply took longer than {self.timeout_seconds:g} s in all"
                    )
            # A plain response with the raw body: it decodes (gzip...) as the original would.
            return httpx.Response(
                response.status_code,
                headers=response.headers,
                content=b"".join(chunks),
                request=response.request,
            )

    def _decode(self, response: httpx.Response) -> Any:
        """The JSON of a 2xx reply; a reply that is not JSON (a proxy's or captive portal's HTML
        page, a body cut short) ends the round as "CRM unavailable": the next round tries again."""
        if response.status_code == 204 or not response.content:
            return None
        try:
            return response.json()
        except ValueError:
            kind = response.headers.get("Content-Type", "no content type").split(";")[0]
            raise CrmUnavailable(
                f"The CRM at {self.base_url} sent a reply that is not valid JSON "
                f"(HTTP {response.status_code}, {kind}, {len(response.content)} bytes); is a "
                "proxy or a login page in the way? The sync tries again next round."
            ) from None

    def call(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
        search: bool = False,
        unsafe: bool = False,
    ) -> Any:
        """The decoded JSON reply (None for 204), retrying what is worth retrying.

        `unsafe`: a write that must not be repeated blindly (a create without a unique key).
        It is retried only when it surely never reached the CRM (connection refused, 429);
        otherwise OutcomeUnknown is raised for the caller to look the record up."""
        body = None
        if json is not None:
            # Encoded here, once for every try, as httpx would; its refusal said plainly.
            try:
                body = json_dumps(
                    json, ensure_ascii=False, separators=(",", ":"), allow_nan=False
                ).encode("utf-8")
            except ValueError:
                raise UnsendableChange(
                    "The change holds a number JSON cannot carry (infinity or not-a-number);"
                    " undo it and enter the value again."
                ) from None
        last, answered = "", False
        for attempt in range(self.retry.attempts):
            search_slot = self.search_budget.acquire() if search and self.search_budget else 0
            slot = self.budget.acquire() if self.budget is not None else 0
            self.requests += 1
            try:
                response = self._request(method, path, body=body, params=params)
            except httpx.TimeoutException as exc:
                last, answered = "timed out", False
                retry_after = None
                if unsafe and not isinstance(exc, httpx.ConnectTimeout):
                    raise OutcomeUnknown(
                        f"The CRM did not answer a write in time ({last})."
                    ) from None
            except httpx.TransportError as exc:
                # Connection refused/reset: the CRM or the network is down for a moment.
                last, answered = f"connection failed ({type(exc).__name__})", False
                retry_after = None
                if unsafe and not isinstance(exc, httpx.ConnectError):
                    raise OutcomeUnknown(
                        f"The CRM dropped a write without answering ({last})."
                    ) from None
            else:
                status = response.status_code
                if status < 300:
                    return self._decode(response)
                category, message = _error_text(response)
                if status == 401:
                    raise AuthError(
                        "The CRM refused the token (HTTP 401); run `leadtui login` with a valid "
                        "token or set LEADTUI_CRM_TOKEN."
                    )
                if status == 403:
                    scopes = _required_scopes(response)
                    wanted = f" (needs {', '.join(scopes)})" if scopes else ""
                    raise Forbidden(
                        f"The token lacks a permission this sync needs (HTTP 403{wanted}: "
                        f"{message}); give the private app the CRM contact, owner and "
                        "engagement scopes.",
                        message,
                        scopes,
                    )
                if status not in RETRY_STATUSES:
                    raise RequestError(status, category, message)
                if status == 429 and _daily_limit(response):
                    raise CrmUnavailable(
                        "The CRM's daily request limit is used up; the sync resumes after "
                        "HubSpot resets it (midnight in the account's time zone)."
                    )
                last = f"HTTP {status} {category}: {message}"
                answered = status >= 500
                retry_after = _retry_after(response)
                if unsafe and status != 429:
                    raise OutcomeUnknown(f"The CRM failed a write ({last}); it may have landed.")
            finally:
                if slot:
                    self.budget.release(slot)  # type: ignore[union-attr]
                if search_slot:
                    self.search_budget.release(search_slot)  # type: ignore[union-attr]
            if attempt + 1 < self.retry.attempts:
                self.retries += 1
                self.sleep(self.retry.backoff(attempt, retry_after))
        error = ServerError if answered else CrmUnavailable
        raise error(
            f"The CRM at {self.base_url} kept failing ({last}) after "
            f"{self.retry.attempts} tries; try again later."
        )
