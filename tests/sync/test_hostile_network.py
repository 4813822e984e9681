"""A bad network between the adapter and the CRM (tests/faultproxy.py): the sync never stalls and
ends every round with a sentence, whatever the replies look like."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from sync.http import Http, RetryPolicy
from sync.hubspot import HubSpotAdapter
from sync.protocol import CrmUnavailable, SyncError
from sync.sandbox import RunningSandbox
from sync.service import SyncService
from tests.conftest import NOW
from tests.faultproxy import FOREVER, Fault, FaultProxy, trickle_forever
from tests.sync.conftest import FAST_RETRY, make_workspace

# A hang detector, not a speed check: a trickled 100 KB reply would take days; the call must give
# up within its bound (timeout 1 s plus at most one read timeout) long before this.
HANG = 30.0


def proxied(proxy: FaultProxy, sandbox: RunningSandbox, timeout: float = 5.0) -> HubSpotAdapter:
    return HubSpotAdapter.from_config(
        proxy.base_url, sandbox.token, timeout_seconds=timeout, rate_limited=False, retry=FAST_RETRY
    )


@pytest.fixture
def proxy(sandbox: RunningSandbox) -> Iterator[FaultProxy]:
    with FaultProxy(sandbox.base_url) as running:
        yield running


def finishes(call: object) -> BaseException | None:
    """Run `call` in a thread; the exception it ended with; fails the test if it hangs."""
    outcome: list[BaseException | None] = []

    def run() -> None:
        try:
            call()  # type: ignore[operator]
        except BaseException as exc:
            outcome.append(exc)
        else:
            outcome.append(None)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(HANG)
    assert not thread.is_alive(), "the request never ended: its total time is not bounded"
    return outcome[0]


def test_a_reply_trickling_in_a_byte_at_a_time_times_out(
    proxy: FaultProxy, sandbox: RunningSandbox
) -> None:
    proxy.add(trickle_forever("/crm/v3/owners", every=0.3))
    http = Http(
        proxy.base_url,
        sandbox.token,
        timeout_seconds=1.0,
        budget=None,
        search_budget=None,
        retry=RetryPolicy(attempts=2, base=0.01),
    )
    try:
        error = finishes(lambda: http.call("GET", "/crm/v3/owners"))
    finally:
        http.close()
    assert isinstance(error, CrmUnavailable) and "timed out" in str(error)
    assert http.requests == 2, "each try was cut at its deadline, then retried once"


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"results": [{"id": "1", "email": "a@b.c"', "application/json"),  # cut short
        (b"<html><body>Please log in to the Wi-Fi</body></html>", "text/html"),  # 200 HTML
        (b"", "application/json"),
    ],
)
def test_a_2xx_reply_that_is_not_json_ends_the_round_with_a_sentence(
    proxy: FaultProxy, sandbox: RunningSandbox, tmp_path: Path, body: bytes, content_type: str
) -> None:
    ws = make_workspace(tmp_path / "ws", proxy.base_url)
    if body:
        proxy.add(Fault("/crm/v3/owners", body=body, content_type=content_type, times=FOREVER))
    else:
        proxy.add(Fault("/crm/v3/owners", body=b'{"results": 7}', times=FOREVER))  # mistyped
    service = SyncService(ws, lambda: proxied(proxy, sandbox))
    results = []
    try:
        assert finishes(lambda: results.append(service.run_once(NOW))) is None, "no exception"
    finally:
        service.close()
        ws.close()
    error = results[0].error or ""
    assert error.endswith(".") and "\n" not in error, error
    assert results[0].pending == 0


def test_sync_error_is_raised_not_a_decoding_error(
    proxy: FaultProxy, sandbox: RunningSandbox
) -> None:
    proxy.add(Fault("/crm/v3/owners", body=b"<html>", content_type="text/html"))
    http = Http(proxy.base_url, sandbox.token, timeout_seconds=5, budget=None, search_budget=None)
    try:
        with pytest.raises(SyncError, match="not valid JSON"):
            http.call("GET", "/crm/v3/owners")
    finally:
        http.close()
