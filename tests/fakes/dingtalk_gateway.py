"""A fake DingTalk Stream gateway: the WebSocket side of the protocol the dingtalk-stream
SDK speaks (developerpedia docs/learn/stream/protocol.md). The ticket comes from
FakeDingtalkApi's POST /v1.0/gateway/connections/open and is good for one connection;
the gateway pushes CALLBACK frames, SYSTEM pings and disconnects, and collects the
client's ACKs."""
from __future__ import annotations

import json
import queue
import threading
import time
import uuid
from urllib.parse import parse_qs, urlsplit

from websockets.exceptions import ConnectionClosed
from websockets.sync.server import serve

TOPIC = "/v1.0/im/bot/messages/get"


class FakeStreamGateway:
    """Use as `with FakeStreamGateway() as gw:` and set `fake_api.gateway = gw`."""

    def __init__(self):
        self.tickets: set[str] = set()
        self.used_tickets: list[str] = []
        self.refused = 0
        self.frames: "queue.Queue[dict]" = queue.Queue()   # what clients sent, in order
        self._acks: dict[str, dict] = {}
        self._connections: list = []
        self._lock = threading.Lock()
        self._server = serve(self._handle, "127.0.0.1", 0)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"ws://127.0.0.1:{self._server.socket.getsockname()[1]}/connect"

    def __enter__(self) -> "FakeStreamGateway":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._thread.join(10)

    def issue_ticket(self) -> str:
        ticket = uuid.uuid4().hex
        with self._lock:
            self.tickets.add(ticket)
        return ticket

    # What the test does.
    def wait_connected(self, count: int = 1, timeout: float = 10.0) -> None:
        """Wait until `count` connections have been accepted in all (and one is open)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            with self._lock:
                if len(self.used_tickets) >= count and self._connections:
                    return
            time.sleep(0.02)
        raise AssertionError(f"no Stream connection #{count}")

    def open_connections(self, wait_for: int | None = None, timeout: float = 10.0) -> int:
        """How many connections are open (after waiting up to `timeout` for `wait_for`)."""
        end = time.monotonic() + timeout
        while True:
            with self._lock:
                open_now = len(self._connections)
            if wait_for is None or open_now == wait_for or time.monotonic() > end:
                return open_now
            time.sleep(0.02)

    def push(self, data: dict, message_id: str | None = None, topic: str = TOPIC,
             raw_data: str | None = None) -> str:
        """Send a CALLBACK frame carrying `data` (a robot message); return its messageId."""
        message_id = message_id or uuid.uuid4().hex
        self.send({"specVersion": "1.0", "type": "CALLBACK",
                   "headers": {"appId": "fake-app", "connectionId": "c1",
                               "contentType": "application/json", "messageId": message_id,
                               "time": str(int(time.time() * 1000)), "topic": topic},
                   "data": raw_data if raw_data is not None
                   else json.dumps(data, ensure_ascii=False)})
        return message_id

    def ping(self, opaque: str) -> str:
        message_id = uuid.uuid4().hex
        self.send({"specVersion": "1.0", "type": "SYSTEM",
                   "headers": {"contentType": "application/json", "messageId": message_id,
                               "topic": "ping"},
                   "data": json.dumps({"opaque": opaque})})
        return message_id

    def disconnect(self) -> str:
        message_id = uuid.uuid4().hex
        self.send({"specVersion": "1.0", "type": "SYSTEM",
                   "headers": {"contentType": "application/json", "messageId": message_id,
                               "topic": "disconnect"},
                   "data": json.dumps({"reason": "server restarting"})})
        return message_id

    def send(self, frame: dict) -> None:
        """Send a frame on the newest open connection."""
        with self._lock:
            connection = self._connections[-1]
        connection.send(json.dumps(frame, ensure_ascii=False))

    def ack(self, message_id: str, timeout: float = 10.0) -> dict:
        """The client's ACK of a frame, waiting for it."""
        end = time.monotonic() + timeout
        while True:
            with self._lock:
                if message_id in self._acks:
                    return self._acks[message_id]
            left = end - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no ACK for {message_id}")
            try:
                frame = self.frames.get(timeout=min(left, 0.1))
            except queue.Empty:
                continue
            key = (frame.get("headers") or {}).get("messageId")
            with self._lock:
                self._acks[key] = frame

    # The server side.
    def _handle(self, connection) -> None:
        ticket = parse_qs(urlsplit(connection.request.path).query).get("ticket", [""])[0]
        with self._lock:
            valid = ticket in self.tickets
            self.tickets.discard(ticket)
            if valid:
                self.used_tickets.append(ticket)
                self._connections.append(connection)
            else:
                self.refused += 1
        if not valid:
            connection.close(code=4001, reason="invalid ticket")
            return
        try:
            for raw in connection:
                self.frames.put(json.loads(raw))
        except ConnectionClosed:
            pass
        finally:
            with self._lock:
                self._connections.remove(connection)
