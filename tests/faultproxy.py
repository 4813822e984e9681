"""A fault-injecting HTTP proxy on 127.0.0.1, between an adapter and the sandbox CRM.

The sandbox's own faults (sync/sandbox/faults.py) model what HubSpot documents (429s, 5xx,
dropped connections). This proxy adds what a bad network or a broken middlebox does and no vendor
documents: a reply that trickles in a byte at a time, a body cut short, an HTML page with status
200, a JSON reply of the wrong shape, an error message full of terminal escapes. Requests no fault
matches are forwarded unchanged over a real socket, so everything else behaves as the CRM does.

    with FaultProxy(sandbox.base_url) as proxy:
        proxy.add(Fault("GET /crm/v3/owners", status=200, body=b"<html>", times=1))
        adapter = HubSpotAdapter.from_config(proxy.base_url, token, ...)
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx

FOREVER = -1


@dataclass
class Fault:
    """Answers requests whose "METHOD path?query" contains `match` (all requests when empty)."""

    match: str = ""
    status: int = 200
    body: bytes | None = None  # None: forward upstream and relay its reply (then `truncate` it)
    content_type: str = "application/json"
    trickle: float = 0.0  # seconds between bytes of the body (0: all at once)
    truncate: int | None = None  # relay only the first N bytes of the body, then close
    times: int = 1  # how many requests it answers; FOREVER for all
    headers: tuple[tuple[str, str], ...] = ()


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        return None  # a client that hung up on a trickling reply is the point, not an error


class FaultProxy:
    def __init__(self, upstream: str) -> None:
        self.upstream = upstream.rstrip("/")
        self.faults: list[Fault] = []
        self.seen: list[str] = []  # "METHOD path" of every request, in order
        self.answered: list[str] = []  # ... of every request a fault answered
        self._lock = threading.Lock()
        self._client = httpx.Client(base_url=self.upstream, timeout=30)
        self._stop = threading.Event()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                return None  # quiet: pytest shows failures, not every request

            def _handle(self) -> None:
                proxy._serve(self)

            do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _handle

        self._server = _QuietServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> FaultProxy:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()  # trickling replies end at once
        self._server.shutdown()
        self._server.server_close()
        self._client.close()

    def add(self, *faults: Fault) -> None:
        with self._lock:
            self.faults.extend(faults)

    def clear(self) -> None:
        with self._lock:
            self.faults.clear()

    def _take(self, line: str) -> Fault | None:
        with self._lock:
            self.seen.append(line)
            for fault in self.faults:
                if fault.match in line and fault.times != 0:
                    if fault.times > 0:
                        fault.times -= 1
                    self.answered.append(line)
                    return fault
        return None

    def _serve(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        body = handler.rfile.read(length) if length else b""
        fault = self._take(f"{handler.command} {handler.path}")
        if fault is not None and fault.body is not None:
            self._reply(handler, fault.status, fault.body, fault.content_type, fault)
            return
        kept = ("authorization", "content-type")
        headers = {k: v for k, v in handler.headers.items() if k.lower() in kept}
        try:
            upstream = self._client.request(
                handler.command, handler.path, content=body, headers=headers
            )
        except httpx.HTTPError:
            handler.close_connection = True  # the CRM is gone: so is this connection
            return
        content = upstream.content
        kind = upstream.headers.get("Content-Type", "application/json")
        self._reply(handler, upstream.status_code, content, kind, fault)

    def _reply(
        self,
        handler: BaseHTTPRequestHandler,
        status: int,
        body: bytes,
        content_type: str,
        fault: Fault | None,
    ) -> None:
        handler.send_response(status)
        handler.send_header("Content-Type", content_type)
        handler.send_header("Content-Length", str(len(body)))
        for name, value in fault.headers if fault else ():
            handler.send_header(name, value)
        if fault is not None and fault.truncate is not None:
            body = body[: fault.truncate]
            handler.send_header("Connection", "close")
            handler.close_connection = True
        handler.end_headers()
        try:
            if fault is not None and fault.trickle > 0:
                for i in range(len(body)):
                    handler.wfile.write(body[i : i + 1])
                    handler.wfile.flush()
                    if self._stop.wait(fault.trickle):
                        return
            else:
                handler.wfile.write(body)
            handler.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            handler.close_connection = True


def trickle_forever(match: str = "", every: float = 2.0) -> Fault:
    """A 200 whose JSON body arrives one byte every `every` seconds: 100 KB would take days."""
    body = b'{"results": [' + b" " * 100_000 + b"]}"
    return Fault(match, body=body, trickle=every, times=FOREVER)
