"""A fake DingTalk as a real local HTTP server: the new API (oauth2/accessToken,
robot/messageFiles/download, robot/oToMessages/batchSend, gateway/connections/open), the
old API host's sessionWebhook (robot/sendBySession) and custom group robot (robot/send),
and the temporary download links it hands out. It checks what DingTalk checks, can fail,
throttle, run out of quota and expire tokens, and records every call it gets."""
from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from bot.clock import SystemClock

ERRORS = {
    "http500": (500, "text/html", b"<html><body>502 Bad Gateway</body></html>"),
    "busy": (503, "application/json", b'{"code":"ServiceUnavailable","message":"busy"}'),
    "throttle": (403, "application/json",
                 b'{"code":"Forbidden.AccessDenied.QpsLimitForAppkeyAndApi","message":"qps"}'),
    "quota": (403, "application/json",
              b'{"code":"Forbidden.AccessDenied.ApiCountLimitForOrg","message":"90020"}'),
}


@dataclass
class Call:
    method: str
    path: str           # e.g. "/v1.0/robot/oToMessages/batchSend", "/robot/sendBySession"
    query: dict[str, str]
    token: str | None   # the x-acs-dingtalk-access-token header
    body: Any           # parsed JSON for POSTs, else None
    ok: bool = False    # answered with success (what reached a member counts only then)


class FakeDingtalkApi:
    """Start with `with FakeDingtalkApi(app_key, app_secret) as api:`; `api.url` is its base."""

    def __init__(self, app_key: str, app_secret: str, robot_code: str | None = None,
                 group_token: str = "group-robot-token",
                 group_secret: str = "SEC0123456789abcdef", clock=None):
        self.app_key, self.app_secret = app_key, app_secret
        self.robot_code = robot_code or app_key
        self.group_token, self.group_secret = group_token, group_secret
        self.clock = clock or SystemClock()
        self.calls: list[Call] = []
        self.files: dict[str, tuple[bytes, str, str | None, str]] = {}
        self.links: dict[str, str] = {}                   # link id -> download code
        self.sessions: dict[str, tuple[str, str]] = {}    # session -> (staff id, conversation type)
        self.closed_sessions: set[str] = set()
        self.invalid_users: set[str] = set()             # answered in invalidStaffIdList
        self.filtered_users: set[str] = set()            # answered in filteredStaffIdList
        self.flow_controlled: dict[str, int] = {}         # user -> how many more sends to refuse
        self.gateway = None                               # a FakeStreamGateway, for Stream mode
        self._failures: list[tuple[str | None, str]] = []
        self._tokens: dict[str, str] = {}
        self._issued = 0
        self._robot_times: list[int] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self._server.daemon_threads = True
        self._server.fake = self
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,),
                                        daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def __enter__(self) -> "FakeDingtalkApi":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(10)

    # What the test arranges.
    def add_file(self, code: str, data: bytes, content_type: str = "image/jpeg",
                 filename: str | None = None, name_as: str = "rfc5987") -> None:
        """Serve these bytes behind the code's download link; the file name goes in
        Content-Disposition as `filename*=UTF-8''…` ("rfc5987") or as a raw UTF-8
        `filename="…"` ("utf8")."""
        self.files[code] = (data, content_type, filename, name_as)

    def session_webhook(self, staff_id: str, conversation_type: str = "1") -> str:
        """A fresh sessionWebhook URL for a conversation with this member."""
        session = uuid.uuid4().hex
        self.sessions[session] = (staff_id, conversation_type)
        return f"{self.url}/robot/sendBySession?session={session}"

    def fail_next(self, n: int, how: str = "busy", path: str | None = None) -> None:
        """The next n calls (whose path contains `path`, or any) fail: http500, busy,
        throttle or quota."""
        with self._lock:
            self._failures.extend([(path, how)] * n)

    def expire_tokens(self) -> None:
        with self._lock:
            for token in self._tokens:
                self._tokens[token] = "expired"

    # What the test checks.
    def calls_to(self, suffix: str, ok: bool | None = None) -> list[Call]:
        """The calls whose path ends with `suffix` (only successful ones with ok=True)."""
        with self._lock:
            return [c for c in self.calls if c.path.endswith(suffix)
                    and (ok is None or c.ok == ok)]

    def batch_texts(self) -> list[tuple[tuple[str, ...], str]]:
        """(userIds, text) of every batchSend that was accepted."""
        out = []
        for call in self.calls_to("oToMessages/batchSend", ok=True):
            param = json.loads(call.body["msgParam"])
            out.append((tuple(call.body["userIds"]), param.get("content") or param.get("text")))
        return out

    def session_texts(self) -> list[tuple[str, str, dict]]:
        """(staff id, text, body) of every reply a sessionWebhook accepted."""
        out = []
        for call in self.calls_to("/robot/sendBySession", ok=True):
            staff, _ = self.sessions.get(call.query.get("session", ""), ("?", ""))
            kind = call.body.get("msgtype")
            body = call.body.get(kind) or {}
            out.append((staff, body.get("content") or body.get("text") or "", call.body))
        return out

    def texts_for(self, staff_id: str) -> list[str]:
        """Everything that reached the member, in order: session replies and batchSends."""
        out = []
        with self._lock:
            calls = [c for c in self.calls if c.ok]
        for call in calls:
            if call.path.endswith("/robot/sendBySession"):
                staff, _ = self.sessions.get(call.query.get("session", ""), ("?", ""))
                if staff == staff_id:
                    kind = call.body.get("msgtype")
                    out.append(call.body[kind].get("content") or call.body[kind].get("text"))
            elif call.path.endswith("oToMessages/batchSend") and staff_id in call.body["userIds"]:
                param = json.loads(call.body["msgParam"])
                out.append(param.get("content") or param.get("text"))
        return out

    # The server side.
    def _answer(self, method, path, query, token, body):
        call = Call(method, path, query, token, body)
        with self._lock:
            self.calls.append(call)
        status, content_type, data, headers = self._route(method, path, query, token, body)
        if status == 200:
            answer = json.loads(data) if content_type.startswith("application/json") else {}
            call.ok = answer.get("errcode") in (None, 0)
        return status, content_type, data, headers

    def _route(self, method, path, query, token, body):
        with self._lock:
            failure = next((f for f in self._failures
                            if f[0] is None or f[0] in path), None)
            if failure is not None:
                self._failures.remove(failure)
        if failure is not None:
            status, kind, data = ERRORS[failure[1]]
            return status, kind, data, {}
        if path == "/v1.0/oauth2/accessToken":
            return self._token(body or {})
        if path == "/v1.0/gateway/connections/open":
            return self._open(body or {})
        if path.startswith("/files/"):
            return self._file(path.removeprefix("/files/"))
        if path == "/robot/sendBySession":
            return self._session(query.get("session", ""), body or {})
        if path == "/robot/send":
            return self._robot(query, body or {})
        state = self._tokens.get(token or "")
        if state != "valid":
            return _json({"code": "InvalidAuthentication", "message": "不合法的access_token",
                          "requestid": "fake"}, 400)
        if path == "/v1.0/robot/messageFiles/download":
            return self._download(body or {})
        if path == "/v1.0/robot/oToMessages/batchSend":
            return self._batch(body or {})
        return _json({"code": "NotFound", "message": path}, 404)

    def _token(self, body):
        if body.get("appKey") != self.app_key or body.get("appSecret") != self.app_secret:
            return _json({"code": "InvalidAuthentication",
                          "message": "appKey or appSecret is invalid"}, 400)
        with self._lock:
            self._issued += 1
            token = f"dt-token-{self._issued}"
            self._tokens[token] = "valid"
        return _json({"accessToken": token, "expireIn": 7200})

    def _open(self, body):
        if body.get("clientId") != self.app_key or body.get("clientSecret") != self.app_secret:
            return _json({"code": "InvalidAuthentication", "message": "bad client"}, 401)
        topics = [s.get("topic") for s in body.get("subscriptions") or []]
        if self.gateway is None or "/v1.0/im/bot/messages/get" not in topics:
            return _json({"code": "invalidParameter.subscriptions", "message": "no topic"}, 400)
        return _json({"endpoint": self.gateway.url, "ticket": self.gateway.issue_ticket()})

    def _download(self, body):
        if body.get("robotCode") != self.robot_code:
            return _json({"code": "invalidParameter.robotCode", "message": "robotCode"}, 400)
        code = body.get("downloadCode")
        if code not in self.files:
            return _json({"code": "invalidParameter.downloadCode", "message": "expired"}, 400)
        link = uuid.uuid4().hex
        self.links[link] = code
        return _json({"downloadUrl": f"{self.url}/files/{link}"})

    def _file(self, link):
        code = self.links.get(link)
        if code is None:
            return 404, "application/xml", b"<Error><Code>NoSuchKey</Code></Error>", {}
        data, content_type, filename, name_as = self.files[code]
        headers = {}
        if filename:
            headers["Content-Disposition"] = (
                f"attachment; filename*=UTF-8''{quote(filename)}" if name_as == "rfc5987"
                else f'attachment; filename="{filename}"')
        return 200, content_type, data, headers

    def _batch(self, body):
        users, key = body.get("userIds"), body.get("msgKey")
        if body.get("robotCode") != self.robot_code:
            return _json({"code": "invalidParameter.robotCode", "message": "robotCode"}, 400)
        if not isinstance(users, list) or not users:
            return _json({"code": "invalidParameter.userIds.empty", "message": "userIds"}, 400)
        if len(users) > 20:
            return _json({"code": "invalidParameter.userIds.overMax", "message": "max 20"}, 400)
        try:
            param = json.loads(body.get("msgParam"))
        except (TypeError, ValueError):
            return _json({"code": "invalidParameter.msgParam.invalid", "message": "json"}, 400)
        text = param.get("content") if key == "sampleText" else (
            param.get("text") if key == "sampleMarkdown" else None)
        if not isinstance(text, str) or not text:
            return _json({"code": "invalidParameter.msgParam.invalid", "message": "text"}, 400)
        throttled = []
        with self._lock:
            for user in users:
                if self.flow_controlled.get(user, 0) > 0:
                    self.flow_controlled[user] -= 1
                    throttled.append(user)
        return _json({"processQueryKey": uuid.uuid4().hex,
                      "invalidStaffIdList": [u for u in users if u in self.invalid_users],
                      "filteredStaffIdList": [u for u in users if u in self.filtered_users],
                      "flowControlledStaffIdList": throttled})

    def _session(self, session, body):
        if session not in self.sessions or session in self.closed_sessions:
            return _json({"errcode": 300001, "errmsg": "session not found or expired"})
        kind = body.get("msgtype")
        if kind not in ("text", "markdown") or not isinstance(body.get(kind), dict):
            return _json({"errcode": 40035, "errmsg": "invalid msgtype"})
        return _json({"errcode": 0, "errmsg": "ok"})

    def _robot(self, query, body):
        if query.get("access_token") != self.group_token:
            return _json({"errcode": 300005, "errmsg": "token is not exist"})
        ts = query.get("timestamp", "")
        now = int(self.clock.now().timestamp() * 1000)
        if not ts.isdigit() or abs(now - int(ts)) > 3600_000:
            return _json({"errcode": 310000, "errmsg": "timestamp invalid"})
        expected = base64.b64encode(hmac.new(
            self.group_secret.encode(), f"{ts}\n{self.group_secret}".encode(),
            hashlib.sha256).digest()).decode()
        if not hmac.compare_digest(query.get("sign", ""), expected):
            return _json({"errcode": 310000, "errmsg": "sign not match"})
        with self._lock:   # 20 a minute by the fake's clock, then "send too fast"
            self._robot_times = [t for t in self._robot_times if t > now - 60_000]
            if len(self._robot_times) >= 20:
                return _json({"errcode": 130101, "errmsg": "send too fast"})
            self._robot_times.append(now)
        return _json({"errcode": 0, "errmsg": "ok"})


def _json(data: dict, status: int = 200):
    return status, "application/json;charset=utf-8", json.dumps(data).encode("utf-8"), {}


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
        query = {k: v[0] for k, v in parse_qs(url.query).items()}
        status, content_type, data, headers = self.server.fake._answer(
            self.command, url.path, query, self.headers.get("x-acs-dingtalk-access-token"), body)
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
