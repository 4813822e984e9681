"""The sandbox's HTTP server: stdlib only, HTTP/1.1 keep-alive, one thread per connection.

Per request, in order: offline -> latency -> Bearer auth -> injected 429/5xx -> rate limits ->
drop before commit -> the endpoint -> drop after commit -> reply. `/_sandbox/...` control requests
need the token too but skip faults and rate limits.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from sync.sandbox import errors
from sync.sandbox.api import HubSpotApi, Query, Reply
from sync.sandbox.faults import Faults
from sync.sandbox.limits import RateLimiter
from sync.sandbox.schema import object_type

log = logging.getLogger("sync.sandbox")

_ID = r"(?P<id>[^/]+)"
_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    (method, re.compile(pattern), name)
    for method, pattern, name in (
        ("GET", r"/crm/v3/owners/?", "owners"),
        ("GET", rf"/crm/v3/owners/{_ID}", "owner"),
        ("POST", r"/crm/v3/objects/(?P<type>[^/]+)/batch/(?P<op>[a-z]+)", "batch"),
        ("POST", r"/crm/v3/objects/(?P<type>[^/]+)/search", "search"),
        ("GET", r"/crm/v3/objects/(?P<type>[^/]+)/?", "list"),
        ("POST", r"/crm/v3/objects/(?P<type>[^/]+)/?", "create"),
        ("GET", rf"/crm/v3/objects/(?P<type>[^/]+)/{_ID}", "get"),
        ("PATCH", rf"/crm/v3/objects/(?P<type>[^/]+)/{_ID}", "update"),
        ("DELETE", rf"/crm/v3/objects/(?P<type>[^/]+)/{_ID}", "archive"),
        ("POST", r"/crm/v4/associations/(?P<type>[^/]+)/(?P<to>[^/]+)/batch/read", "links"),
        (
            "POST",
            r"/crm/v4/associations/(?P<type>[^/]+)/(?P<to>[^/]+)/batch/associate/default",
            "link_batch",
        ),
        (
            "PUT",
            rf"/crm/v4/objects/(?P<type>[^/]+)/{_ID}/associations/default/(?P<to>[^/]+)/"
            r"(?P<to_id>[^/]+)",
            "link",
        ),
        ("GET", rf"/crm/v4/objects/(?P<type>[^/]+)/{_ID}/associations/(?P<to>[^/]+)", "linked"),
        ("GET", r"/events/v3/events/?", "events"),
        ("GET", r"/crm/v3/pipelines/(?P<type>[^/]+)/?", "pipelines"),
        ("GET", r"/events/v3/events/event-types/?", "event_types"),
        ("GET", r"/crm/v3/properties/(?P<type>[^/]+)/groups/?", "groups"),
        ("POST", r"/crm/v3/properties/(?P<type>[^/]+)/groups/?", "group_create"),
        ("GET", r"/crm/v3/properties/(?P<type>[^/]+)/?", "properties"),
        ("POST", r"/crm/v3/properties/(?P<type>[^/]+)/?", "property_create"),
        ("GET", r"/crm/v3/properties/(?P<type>[^/]+)/(?P<name>[^/]+)", "property"),
        ("DELETE", r"/crm/v3/properties/(?P<type>[^/]+)/(?P<name>[^/]+)", "property_delete"),
        ("GET", r"/_sandbox/faults", "faults"),
        ("POST", r"/_sandbox/faults", "faults_set"),
        ("POST", r"/_sandbox/inbound", "inbound"),
        ("GET", r"/_sandbox/stats", "stats"),
    )
]
_WRITES = {
    "create",
    "update",
    "archive",
    "link_batch",
    "link",
    "property_create",
    "property_delete",
    "group_create",
}


@dataclass(frozen=True, slots=True)
class Route:
    name: str
    params: dict[str, str]

    @property
    def is_write(self) -> bool:
        return self.name in _WRITES or (self.name == "batch" and self.params["op"] != "read")


def match(method: str, path: str) -> Route:
    allowed = False
    for route_method, pattern, name in _ROUTES:
        found = pattern.fullmatch(path)
        if found is None:
            continue
        if route_method == method:
            return Route(name, {k: unquote(v) for k, v in found.groupdict().items()})
        allowed = True
    if allowed:
        raise errors.ApiError(405, "METHOD_NOT_ALLOWED", f"{method} is not supported on {path}")
    raise errors.ApiError(404, "OBJECT_NOT_FOUND", f"No endpoint at {path}")


class SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(
        self,
        address: tuple[str, int],
        api: HubSpotApi,
        token: str,
        faults: Faults,
        limiter: RateLimiter | None,
    ) -> None:
        super().__init__(address, _Handler)
        self.api = api
        self.token = token
        self.faults = faults
        self.limiter = limiter
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def track(self, conn: socket.socket, open_: bool) -> None:
        with self._connections_lock:
            (self._connections.add if open_ else self._connections.discard)(conn)

    def open_connections(self) -> int:
        with self._connections_lock:
            return len(self._connections)

    def close_connections(self) -> None:
        """Cut keep-alive connections too, so clients of a stopped sandbox see it gone."""
        with self._connections_lock:
            conns, self._connections = list(self._connections), set()
        for conn in conns:
            with contextlib.suppress(OSError):
                conn.shutdown(socket.SHUT_RDWR)

    def dispatch(self, route: Route, query: Query, body: dict[str, Any], path: str) -> Reply:
        api, p = self.api, route.params
        kind = _object_type(p["type"]) if "type" in p else ""
        to = _object_type(p["to"]) if "to" in p else ""
        # Private app scopes: emails need sales-email-read, the other engagements and deals
        # their CRM object scopes (developers.hubspot.com/docs/apps/legacy-apps/private-apps).
        for unreadable in sorted({kind, to} & api.crm.portal.unscoped):
            wanted = (
                "sales-email-read" if unreadable == "emails" else f"crm.objects.{unreadable}.read"
            )
            raise errors.missing_scopes(wanted)
        handlers: dict[str, Callable[[], Reply]] = {
            "owners": lambda: api.owners(query, path),
            "owner": lambda: api.owner(p["id"]),
            "list": lambda: api.list_objects(kind, query, path),
            "get": lambda: api.get_object(kind, p["id"], query),
            "create": lambda: api.create_object(kind, body),
            "update": lambda: api.update_object(kind, p["id"], body, query),
            "archive": lambda: api.archive_object(kind, p["id"]),
            "batch": lambda: api.batch(kind, p["op"], body, query),
            "search": lambda: api.search(kind, body, self.faults.lag()),
            "links": lambda: api.association_batch_read(kind, to, body),
            "link_batch": lambda: api.associate_batch_default(kind, to, body),
            "link": lambda: api.associate_one(kind, to, p["id"], p["to_id"]),
            "linked": lambda: api.association_list(kind, p["id"], to),
            "events": lambda: api.events(query, path),
            "pipelines": lambda: api.pipelines(kind),
            "event_types": lambda: api.event_types(),
            "groups": lambda: api.list_groups(kind),
            "group_create": lambda: api.create_group(kind, body),
            "properties": lambda: api.list_properties(kind),
            "property_create": lambda: api.create_property(kind, body),
            "property": lambda: api.get_property(kind, p["name"]),
            "property_delete": lambda: api.delete_property(kind, p["name"]),
        }
        if route.name in handlers:
            return handlers[route.name]()
        return self._control(route.name, body)

    def _control(self, name: str, body: Any) -> Reply:
        crm = self.api.crm
        if name == "faults":
            return Reply(200, self.faults.snapshot())
        if name == "faults_set":
            try:
                return Reply(200, self.faults.apply(body))
            except (ValueError, TypeError) as bad:
                raise errors.validation(str(bad)) from None
        if name == "inbound":
            count = body.get("count", 1)
            if not isinstance(count, int) or not 0 < count <= 1000:
                raise errors.validation("count must be an integer from 1 to 1000")
            return Reply(200, {"ids": crm.add_inbound_leads(count)})
        stats = {t: crm.count(t) for t in crm.tables}
        stats["archived_contacts"] = crm.count("contacts", archived=True)
        stats["owners"] = len(crm.owners)
        return Reply(200, stats)


def _object_type(name: str) -> str:
    kind = object_type(name)
    if kind is None:
        raise errors.validation(f"Unable to infer object type from: {name}")
    return kind


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: a pull reuses one connection
    server: SandboxHTTPServer
    timeout = 300  # an idle keep-alive connection is closed after this long
    wbufsize = -1  # buffer the reply; it is flushed once, after the whole response
    disable_nagle_algorithm = True
    _limit_headers: dict[str, str]  # this request's rate-limit headers

    def setup(self) -> None:
        super().setup()
        self.server.track(self.connection, True)

    def finish(self) -> None:
        self.server.track(self.connection, False)
        super().finish()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the sandbox runs inside tests and behind the TUI."""

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        server = self.server
        self._limit_headers = {}
        raw = self._read_body()
        parts = urlsplit(self.path)
        path = parts.path
        control = path.startswith("/_sandbox/")
        if not control and server.faults.is_offline():
            return self._drop()
        if not control and (delay := server.faults.delay()):
            time.sleep(delay)
        if self.headers.get("Authorization", "") != f"Bearer {server.token}":
            return self._send(
                401, errors.unauthorized(), {"x-hubspot-auth-failure": "401 Unauthorized"}
            )
        try:
            route = match(method, path)
            if not control and (refusal := self._refusal(route)) is not None:
                return self._send(*refusal)
            if route.is_write and server.faults.take_drop(after_commit=False):
                return self._drop()
            body = _json_body(raw) if method in ("POST", "PATCH", "PUT") else {}
            query = parse_qs(parts.query, keep_blank_values=True)
            reply = server.dispatch(route, query, body, path)
            if route.is_write and server.faults.take_drop(after_commit=True):
                return self._drop()
            if route.is_write and server.faults.take_error_after_commit():
                reply = Reply(502, errors.server_error(502))
        except errors.ApiError as failed:
            reply = Reply(failed.status, failed.body())
        except Exception:
            log.exception("sandbox request failed: %s %s", method, self.path)
            reply = Reply(500, errors.server_error(500))
        self._send(reply.status, reply.body, {**self._limit_headers, **reply.headers})

    def _refusal(self, route: Route) -> tuple[int, dict[str, Any], dict[str, str]] | None:
        """An injected failure or a rate limit for this request, if any."""
        server = self.server
        injected = server.faults.take_error()
        if injected is not None:
            status, retry_after = injected
            if status != 429:
                return status, errors.server_error(status), {}
            headers = {} if retry_after is None else {"Retry-After": f"{retry_after:g}"}
            return 429, errors.rate_limited(route.name == "search"), headers
        if server.limiter is None:
            return None
        if not server.limiter.take_daily():
            return 429, errors.daily_limited(), {}
        if route.name == "search":
            allowed, _ = server.limiter.search.acquire()
            if not allowed:
                return 429, errors.rate_limited(True), {}
            return None
        allowed, remaining = server.limiter.general.acquire()
        self._limit_headers = server.limiter.headers(remaining)
        if not allowed:
            return 429, errors.rate_limited(False), self._limit_headers
        return None

    def _read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _drop(self) -> None:
        """Close the connection without a reply, as a network failure would."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _send(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        data = b"" if body is None else json.dumps(body, separators=(",", ":")).encode()
        self.send_response(status)
        if data:
            self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        correlation = body.get("correlationId") if isinstance(body, dict) else None
        self.send_header("X-HubSpot-Correlation-Id", correlation or errors.correlation_id())
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.end_headers()
        if data:
            self.wfile.write(data)


def _json_body(raw: bytes) -> dict[str, Any]:
    if not raw.strip():
        return {}
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as bad:
        raise errors.invalid_json(str(bad)) from None
    if not isinstance(body, dict):
        raise errors.invalid_json("expected a JSON object")
    return body
