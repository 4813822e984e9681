"""A fault-injecting HTTP proxy on 127.0.0.1, between an adapter and a real CRM server.

It forwards each request to the upstream server as it is and relays the reply, unless told
otherwise: `drop_reply_to(method, path)` makes the next matching request reach the server
(which commits it) and then closes the client's connection without a reply, the lost reply an
adapter must survive without making a second record; `down = True` cuts every connection. It
speaks HTTP/1.1 with Content-Length bodies, which is all httpx sends to a JSON API.
"""

from __future__ import annotations

import http.client
import socket
import socketserver
import threading
from urllib.parse import urlsplit


class FaultProxy:
    def __init__(self, upstream: str) -> None:
        parts = urlsplit(upstream)
        self.upstream = (parts.hostname or "127.0.0.1", parts.port or 80)
        self._lock = threading.Lock()
        self._drops: list[tuple[str, str]] = []
        self.dropped = 0
        self.down = False  # True: every connection is closed at once, as by a dead network
        self.forwarded: list[tuple[str, str]] = []
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.proxy = self
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def drop_reply_to(self, method: str, path: str) -> None:
        """Drop the reply to the next `method` on exactly `path` (query aside): a create, not
        the look-up by op id that an adapter sends to a longer path first."""
        with self._lock:
            self._drops.append((method.upper(), path))

    def should_drop(self, method: str, path: str) -> bool:
        with self._lock:
            for index, (m, wanted) in enumerate(self._drops):
                if m == method and path.split("?", 1)[0] == wanted:
                    del self._drops[index]
                    self.dropped += 1
                    return True
        return False

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True
    proxy: FaultProxy


class _Handler(socketserver.StreamRequestHandler):
    server: _Server

    def handle(self) -> None:
        proxy = self.server.proxy
        if proxy.down:
            return
        upstream = http.client.HTTPConnection(*proxy.upstream, timeout=60)
        try:
            while self._one(proxy, upstream):
                pass
        finally:
            upstream.close()

    def _one(self, proxy: FaultProxy, upstream: http.client.HTTPConnection) -> bool:
        line = self.rfile.readline(65537)
        if not line.strip():
            return False
        method, target, _ = line.decode("latin-1").split(" ", 2)
        headers: list[tuple[str, str]] = []
        length = 0
        while True:
            raw = self.rfile.readline(65537).decode("latin-1")
            if raw in ("\r\n", "\n", ""):
                break
            name, _, value = raw.partition(":")
            headers.append((name.strip(), value.strip()))
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        body = self.rfile.read(length) if length else None
        upstream.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        for name, value in headers:
            upstream.putheader(name, value)
        upstream.endheaders(body)
        reply = upstream.getresponse()
        data = reply.read()
        with proxy._lock:
            proxy.forwarded.append((method, target))
        if proxy.should_drop(method, target):
            # The server has done the work; the client never hears of it.
            self.connection.shutdown(socket.SHUT_RDWR)
            return False
        out = [f"HTTP/1.1 {reply.status} {reply.reason}\r\n"]
        for name, value in reply.getheaders():
            if name.lower() not in ("transfer-encoding", "content-length", "connection"):
                out.append(f"{name}: {value}\r\n")
        out.append(f"Content-Length: {len(data)}\r\n\r\n")
        self.wfile.write("".join(out).encode("latin-1") + data)
        self.wfile.flush()
        return True
