"""A fake WeCom server API as a real local HTTP server: gettoken, media/get,
message/send and webhook/send. It can be slow (a delay per path, e.g. WeCom's real
6 s media downloads), fail, expire tokens, and it records every call it gets, with
when it came and when it was answered."""
from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class Call:
    method: str
    path: str           # without /cgi-bin/, e.g. "message/send"
    query: dict[str, str]
    body: Any           # parsed JSON for POSTs, else None
    at: float = 0.0     # time.time() when it came
    answered: float = 0.0  # time.time() when its answer was ready (after any delay)


class FakeWecomApi:
    """Start with `with FakeWecomApi(corp_id, secret) as api:`; `api.url` is its base."""

    def __init__(self, corp_id: str, secret: str, webhook_keys=("robot-key",)):
        self.corp_id = corp_id
        self.secret = secret
        self.webhook_keys = set(webhook_keys)
        self.calls: list[Call] = []
        self.media: dict[str, tuple[bytes, str, str | None]] = {}
        self.invalid_users: set[str] = set()      # answered in invaliduser
        self.unlicensed_users: set[str] = set()   # answered in unlicenseduser
        self.members: dict[str, str] = {}         # userid -> name, for user/get
        self.delays: dict[str, float] = {}
        self._failures: list[tuple[str | None, str]] = []
        self._tokens: dict[str, str] = {}    # token -> "valid" | "expired"
        self._issued = 0
        self.tokens_born_expired = False     # a broken WeCom: every token answers 42001
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.fake = self
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def __enter__(self) -> "FakeWecomApi":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(10)

    # What the test arranges.
    def add_media(self, media_id: str, data: bytes, content_type: str = "image/jpeg",
                  disposition: str | None = None) -> None:
        """Serve these bytes for the id. `disposition` is the Content-Disposition as sent
        (default `attachment; filename="MEDIA_ID.jpg"`, as WeCom documents it)."""
        self.media[media_id] = (data, content_type, disposition)

    def slow(self, path: str, seconds: float) -> None:
        """Answer calls to this path (e.g. "media/get") after a delay."""
        self.delays[path] = seconds

    def fail_next(self, n: int, how: str = "busy", path: str | None = None) -> None:
        """The next n calls (to `path`, or to any) fail: busy (-1), limit (45009),
        concurrency (45033) or http500."""
        with self._lock:
            self._failures.extend([(path, how)] * n)

    def expire_tokens(self) -> None:
        """Every token issued so far answers 42001 from now on."""
        with self._lock:
            for token in self._tokens:
                self._tokens[token] = "expired"

    # What the test checks.
    def calls_to(self, path: str) -> list[Call]:
        with self._lock:
            return [c for c in self.calls if c.path == path]

    def sent_texts(self) -> list[tuple[str, str]]:
        """(touser, content) of every message/send that carried text or markdown."""
        out = []
        for call in self.calls_to("message/send"):
            kind = call.body.get("msgtype")
            out.append((call.body.get("touser", ""), call.body.get(kind, {}).get("content", "")))
        return out

    # The server side.
    def _answer(self, method: str, path: str, query: dict[str, str], body: Any):
        call = Call(method, path, query, body, at=time.time())
        with self._lock:
            self.calls.append(call)
            failure = next((f for f in self._failures if f[0] in (None, path)), None)
            if failure is not None:
                self._failures.remove(failure)
        if path in self.delays:
            time.sleep(self.delays[path])
        try:
            return self._respond(path, query, body, failure)
        finally:
            call.answered = time.time()

    def _respond(self, path: str, query: dict[str, str], body: Any, failure):
        if failure is not None:
            how = failure[1]
            if how == "http500":
                return 500, "text/html", b"<html><body>502 Bad Gateway</body></html>", {}
            code = {"busy": -1, "limit": 45009, "concurrency": 45033}[how]
            return _json({"errcode": code, "errmsg": how})
        if path == "gettoken":
            return self._gettoken(query)
        if path == "webhook/send":
            if query.get("key") not in self.webhook_keys:
                return _json({"errcode": 93000, "errmsg": "invalid webhook url"})
            return _json({"errcode": 0, "errmsg": "ok"})
        token_state = self._tokens.get(query.get("access_token", ""))
        if token_state is None:
            return _json({"errcode": 40014, "errmsg": "invalid access_token"})
        if token_state == "expired":
            return _json({"errcode": 42001, "errmsg": "access_token expired"})
        if path == "media/get":
            return self._media(query.get("media_id", ""))
        if path == "message/send":
            return self._send(body or {})
        if path == "user/get":
            user = query.get("userid", "")
            if user not in self.members:
                return _json({"errcode": 60111, "errmsg": "userid not found"})
            return _json({"errcode": 0, "errmsg": "ok", "userid": user,
                          "name": self.members[user]})
        return _json({"errcode": 404, "errmsg": f"no such api {path}"})

    def _gettoken(self, query):
        if query.get("corpid") != self.corp_id or query.get("corpsecret") != self.secret:
            return _json({"errcode": 40001, "errmsg": "invalid credential"})
        with self._lock:
            self._issued += 1
            token = f"token-{self._issued}"
            self._tokens[token] = "expired" if self.tokens_born_expired else "valid"
        return _json({"errcode": 0, "errmsg": "ok", "access_token": token, "expires_in": 7200})

    def _media(self, media_id):
        if media_id not in self.media:
            return _json({"errcode": 40007, "errmsg": "invalid media_id"})
        data, content_type, disposition = self.media[media_id]
        if disposition is None:
            ext = {"image/jpeg": ".jpg", "image/png": ".png"}.get(content_type, ".bin")
            disposition = f'attachment; filename="{media_id}{ext}"'
        return 200, content_type, data, {"Content-Disposition": disposition}

    def _send(self, body):
        users = [u for u in str(body.get("touser", "")).split("|") if u]
        if len(users) > 1000:
            return _json({"errcode": 40058, "errmsg": "touser over 1000"})
        kind = body.get("msgtype")
        content = body.get(kind, {}).get("content", "") if isinstance(body.get(kind), dict) else ""
        if not content or len(content.encode("utf-8")) > 2048:
            return _json({"errcode": 45002 if content else 44004, "errmsg": "content"})
        bad = [u.lower() for u in users if u in self.invalid_users]
        unlicensed = [u.lower() for u in users if u in self.unlicensed_users]
        if users and len(bad) + len(unlicensed) == len(users):
            return _json({"errcode": 81013, "errmsg": "all touser invalid"})
        return _json({"errcode": 0, "errmsg": "ok", "invaliduser": "|".join(bad),
                      "unlicenseduser": "|".join(unlicensed),
                      "msgid": f"msg-{len(self.calls)}"})


def _json(data: dict):
    return 200, "application/json; charset=UTF-8", json.dumps(data).encode("utf-8"), {}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        self._serve(None)

    def do_POST(self):
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw.decode("utf-8")) if raw else None
        except ValueError:
            body = {"_raw": raw.decode("utf-8", "replace")}
        self._serve(body)

    def _serve(self, body):
        url = urlsplit(self.path)
        path = url.path.removeprefix("/cgi-bin/")
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        status, content_type, data, headers = self.server.fake._answer(
            self.command, path, query, body)
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        for key, value in headers.items():
            # http.server writes headers as latin-1: raw UTF-8 goes as its latin-1 reading.
            self.send_header(key, value.encode("utf-8").decode("latin-1"))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass
