"""`leadtui serve`: the app in a browser (the manager's SLA board first), through textual-serve.

textual-serve (github.com/Textualize/textual-serve) runs an aiohttp server; each browser tab's
websocket starts one `leadtui` process with Textual's web driver and relays its terminal. It has no
login of its own, so this adds one: a token made at start (printed once, as part of the URL to
open) that every request must carry, in the URL (`?token=`) or in the cookie the first page sets.
Without it a request gets 403 and one sentence. The server binds to 127.0.0.1 unless told
otherwise, and the token never reaches a log: aiohttp's access log, which would print URLs, is
silenced.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import shlex
import socket
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from aiohttp import web
from textual_serve.server import Server

COOKIE = "leadtui_token"
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def free_port(host: str) -> int:
    """A port nobody listens on now (textual-serve needs the real port to build its URLs)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


def app_command(passthrough: Sequence[str]) -> str:
    """The command each browser tab runs: this Python's leadtui, on the board first."""
    parts = [sys.executable, "-m", "leadtui.cli", *passthrough, "--board"]
    return " ".join(shlex.quote(part) for part in parts)


class TokenServer(Server):
    """textual-serve's Server, with every route behind the login token."""

    def __init__(self, command: str, *, host: str, port: int, token: str) -> None:
        super().__init__(command, host=host, port=port, title="leadtui")
        self.token = token

    def initialize_logging(self) -> None:
        super().initialize_logging()
        # Access lines carry the URL, and so the token of the first request: never log them.
        logging.getLogger("aiohttp.access").setLevel(logging.WARNING)

    async def on_startup(self, app: web.Application) -> None:
        return None  # the URL with the token was printed before starting; no banner

    async def _make_app(self) -> web.Application:
        app = await super()._make_app()
        app.middlewares.append(self._require_token)
        return app

    def _allowed(self, request: web.Request) -> tuple[bool, bool]:
        """(allowed, came in the URL)."""
        given = request.query.get("token", "")
        if given and hmac.compare_digest(given.encode(), self.token.encode()):
            return True, True
        cookie = request.cookies.get(COOKIE, "")
        return bool(cookie) and hmac.compare_digest(cookie.encode(), self.token.encode()), False

    @web.middleware
    async def _require_token(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        allowed, from_url = self._allowed(request)
        if not allowed:
            return web.Response(
                status=403,
                text="leadtui: this page needs the login token; open the URL `leadtui serve` "
                "printed (it ends in ?token=...).\n",
            )
        if request.path == "/ws" and not self._same_origin(request):
            return web.Response(status=403, text="leadtui: a page of another site was refused.\n")
        response = await handler(request)
        if from_url and isinstance(response, web.Response):
            # The page's own requests (its script, its websocket) carry the cookie instead.
            response.set_cookie(COOKIE, self.token, httponly=True, samesite="Strict", path="/")
        return response

    def _same_origin(self, request: web.Request) -> bool:
        """A websocket opened by a page of another site carries our cookie too; refuse it."""
        origin = request.headers.get("Origin")
        return origin is None or origin.rstrip("/") == self.public_url.rstrip("/")


def serve(host: str, port: int, passthrough: Sequence[str], out: Any = None) -> int:
    """Serve until Ctrl-C; prints the URL to open (with its token) first."""
    out = out or sys.stdout
    port = port or free_port(host)
    token = secrets.token_urlsafe(24)
    server = TokenServer(app_command(passthrough), host=host, port=port, token=token)
    if host not in ("127.0.0.1", "localhost", "::1"):
        print(
            f"leadtui: serving on {host}, not only this machine: anyone who can reach it with "
            "the token sees the board, over plain HTTP.",
            file=sys.stderr,
        )
    print(f"Open {server.public_url}/?token={token}", file=out, flush=True)
    print("Press Ctrl+C to stop.", file=sys.stderr, flush=True)
    server.serve()
    return 0
