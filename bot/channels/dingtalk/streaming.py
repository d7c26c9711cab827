"""The DingTalk channel, Stream mode: `python -m bot dingtalk-stream`.

The process keeps an outbound WebSocket to DingTalk's Stream gateway (no public URL
needed) and receives the same robot messages as HTTP mode, as CALLBACK frames on
/v1.0/im/bot/messages/get. They go through the same `dingtalk_inbox.accept`, and a
frame is acknowledged only after what it carries is committed: Stream messages are
not re-pushed.

The dingtalk-stream 0.24.3 SDK gives the frame and handler classes (and so the ACK
format). Its traps are kept out:
* `DingTalkStreamClient.start()` catches CancelledError and reconnects, so nothing
  stops it cleanly. This module runs its own small loop over the connection instead;
  `stop()` (SIGTERM/SIGINT in the CLI) lets in-flight messages finish (stored,
  acknowledged, answered), closes the socket, and returns.
* Its helpers (open_connection, get_access_token, reply_text, ...) make blocking
  `requests` calls without timeouts inside the event loop. The gateway ticket and every
  other call go through `DingtalkApi` (timeouts, shared token), and all database and
  HTTP work runs in a thread pool, never on the loop.
* Its API base is the env var DINGTALK_OPENAPI_ENDPOINT, read at import. `load_sdk` sets
  it from [dingtalk] api_base before the first import; nothing else imports the SDK.
"""
from __future__ import annotations

import asyncio
import functools
import json
import logging
import os
import signal
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import quote_plus

from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from bot.channels.dingtalk.inbox import accept
from bot.channels.dingtalk.messages import MalformedMessage
from bot.channels.dingtalk.reply import deliver_now

log = logging.getLogger(__name__)

TOPIC = "/v1.0/im/bot/messages/get"   # dingtalk_stream.ChatbotMessage.TOPIC


def load_sdk(api_base: str):
    """Import dingtalk_stream with its API base taken from [dingtalk] api_base."""
    if "dingtalk_stream" not in sys.modules:
        os.environ["DINGTALK_OPENAPI_ENDPOINT"] = api_base.rstrip("/")
    import dingtalk_stream
    return dingtalk_stream


class StreamClient:
    """Holds one connection at a time to the Stream gateway, until stopped."""

    def __init__(self, services, *, workers: int = 4, min_delay: float = 1.0,
                 max_delay: float = 60.0, drain_seconds: float = 10.0):
        self.services = services
        self.sdk = load_sdk(services.config.dingtalk.api_base)
        assert self.sdk.ChatbotMessage.TOPIC == TOPIC
        self.robot = _robot_handler(self.sdk)(self)
        self.system = self.sdk.SystemHandler()
        self.min_delay, self.max_delay, self.drain_seconds = min_delay, max_delay, drain_seconds
        self.connected = threading.Event()   # set while a connection is open
        self._workers = workers
        self._executor: ThreadPoolExecutor | None = None
        self._requested = threading.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stop: asyncio.Event | None = None

    def run(self, install_signals: bool = False) -> None:
        """Receive until `stop()` (or SIGTERM/SIGINT with `install_signals`)."""
        self._executor = ThreadPoolExecutor(self._workers, thread_name_prefix="dingtalk-stream")
        try:
            asyncio.run(self._main(install_signals))
        finally:
            self._executor.shutdown(wait=True)
            self._loop = self._stop = None

    def stop(self) -> None:
        """Ask the client to finish; safe from any thread, before or while it runs."""
        self._requested.set()
        loop, stop = self._loop, self._stop
        if loop is not None and stop is not None:
            loop.call_soon_threadsafe(stop.set)

    async def in_thread(self, fn, *args) -> Any:
        """Run blocking work (database, HTTP) in the pool, off the event loop."""
        return await asyncio.get_running_loop().run_in_executor(
            self._executor, functools.partial(fn, *args))

    async def _main(self, install_signals: bool) -> None:
        self._loop, self._stop = asyncio.get_running_loop(), asyncio.Event()
        if install_signals:
            for sig in (signal.SIGTERM, signal.SIGINT):
                self._loop.add_signal_handler(sig, self._stop.set)
        if self._requested.is_set():
            self._stop.set()
        delay = self.min_delay
        while not self._stop.is_set():
            session = asyncio.create_task(self._session())
            stopping = asyncio.create_task(self._stop.wait())
            await asyncio.wait({session, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if not session.done() and not self.connected.is_set():
                session.cancel()   # still opening: nothing is in flight
            # Connected, the session sees the stop itself and finishes what is in flight.
            stopping.cancel()
            error = (await asyncio.gather(session, stopping, return_exceptions=True))[0]
            if self._stop.is_set():
                break
            if error is None:
                delay = self.min_delay
                continue   # the gateway ended it (disconnect): reconnect at once
            log.warning("DingTalk Stream connection lost or refused (%s: %s); "
                        "reconnecting in %.1f s", type(error).__name__, error, delay)
            try:
                await asyncio.wait_for(self._stop.wait(), delay)
            except asyncio.TimeoutError:
                delay = min(delay * 2, self.max_delay)
        log.info("DingTalk Stream client stopped")

    async def _session(self) -> None:
        """One connection: a fresh ticket, frames until stop or disconnect, a clean close."""
        # A daemon thread, not the pool: a stop must not wait for a slow gateway.
        ticket = await _in_daemon_thread(self.services.dingtalk.open_connection, TOPIC)
        uri = f"{ticket['endpoint']}?ticket={quote_plus(ticket['ticket'])}"
        tasks: set[asyncio.Task] = set()
        async with connect(uri, open_timeout=10, close_timeout=5) as ws:
            log.info("DingTalk Stream connected to %s", ticket["endpoint"])
            self.connected.set()
            try:
                await self._read(ws, tasks)
            finally:
                self.connected.clear()
                if tasks:   # what is in flight gets stored and acknowledged
                    await asyncio.wait(tasks, timeout=self.drain_seconds)

    async def _read(self, ws, tasks: set[asyncio.Task]) -> None:
        stop = asyncio.ensure_future(self._stop.wait())
        try:
            while True:
                receive = asyncio.ensure_future(ws.recv())
                await asyncio.wait({receive, stop}, return_when=asyncio.FIRST_COMPLETED)
                if not receive.done():
                    receive.cancel()   # safe in websockets: nothing is lost
                    await asyncio.gather(receive, return_exceptions=True)
                    return
                frame = _frame(receive.result())
                if frame is None:
                    continue
                task = asyncio.create_task(self._answer(ws, frame))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                if frame.get("type") == "SYSTEM" and _topic(frame) == "disconnect":
                    log.info("DingTalk Stream gateway asks to reconnect")
                    return
        finally:
            stop.cancel()
            await asyncio.gather(stop, return_exceptions=True)

    async def _answer(self, ws, frame: dict) -> None:
        """Process one frame and send its ACK; then post the replies it produced."""
        message_id = (frame.get("headers") or {}).get("messageId")
        try:
            ack = await self._process(frame, message_id)
            await ws.send(json.dumps(ack.to_dict()))
        except ConnectionClosed:
            log.warning("the ACK of %s was not sent: the connection closed", message_id)
        except Exception:  # one bad frame must not take the connection down
            log.exception("DingTalk Stream frame %s failed", message_id)
        item_ids = self.robot.replies.pop(message_id, [])
        if item_ids and not self._stop.is_set():   # stopping: the worker sends them
            await self.in_thread(deliver_now, self.services, item_ids)

    async def _process(self, frame: dict, message_id):
        sdk, kind = self.sdk, frame.get("type")
        try:
            if kind == "SYSTEM":
                return await self.system.raw_process(sdk.SystemMessage.from_dict(frame))
            if kind == "CALLBACK" and _topic(frame) == TOPIC:
                return await self.robot.raw_process(sdk.CallbackMessage.from_dict(frame))
        except (ValueError, RecursionError):   # its data is not JSON (or nested too deep),
            # or a header is not what it should be
            return _ack(sdk, sdk.AckMessage.STATUS_BAD_REQUEST, message_id, "not JSON")
        log.warning("DingTalk Stream frame %s/%s not subscribed", kind, _topic(frame))
        return _ack(sdk, sdk.AckMessage.STATUS_NOT_IMPLEMENT, message_id, "not subscribed")


def _robot_handler(sdk):
    """The SDK CallbackHandler for robot messages (its base class exists only after import)."""

    class RobotMessages(sdk.CallbackHandler):
        def __init__(self, client: StreamClient):
            super().__init__()
            self.client = client
            self.replies: dict[Any, list[int]] = {}

        async def process(self, callback):
            """Store and handle the message (committed) before the SDK builds the ACK."""
            if not isinstance(callback.data, dict):
                return sdk.AckMessage.STATUS_BAD_REQUEST, "data is not a JSON object"
            try:
                item_ids = await self.client.in_thread(accept, self.client.services,
                                                       callback.data)
            except MalformedMessage as exc:
                log.warning("refused a DingTalk Stream message: %s", exc)
                return sdk.AckMessage.STATUS_BAD_REQUEST, str(exc)
            except Exception:
                log.exception("a DingTalk Stream message could not be stored")
                return sdk.AckMessage.STATUS_SYSTEM_EXCEPTION, "not stored"
            self.replies[callback.headers.message_id] = item_ids
            return sdk.AckMessage.STATUS_OK, "OK"

    return RobotMessages


def _in_daemon_thread(fn, *args) -> asyncio.Future:
    """Run `fn` in a daemon thread; the future may be abandoned, the process still exits."""
    loop = asyncio.get_running_loop()
    future = loop.create_future()

    def run() -> None:
        try:
            result, error = fn(*args), None
        except Exception as exc:
            result, error = None, exc

        def settle() -> None:
            if not future.done():
                future.set_exception(error) if error else future.set_result(result)
        try:
            loop.call_soon_threadsafe(settle)
        except RuntimeError:   # the loop is closed: nobody is waiting any more
            pass

    threading.Thread(target=run, name="dingtalk-stream-open", daemon=True).start()
    return future


def _ack(sdk, code: int, message_id, message: str):
    ack = sdk.AckMessage()
    ack.code, ack.message = code, message
    ack.headers.message_id = message_id
    ack.headers.content_type = "application/json"
    return ack


def _frame(raw) -> dict | None:
    try:
        frame = json.loads(raw)
    except (TypeError, ValueError, RecursionError):
        frame = None
    if not isinstance(frame, dict) or not isinstance(frame.get("headers", {}), dict):
        log.warning("DingTalk Stream sent a frame that is not a JSON object; ignored")
        return None
    return frame


def _topic(frame: dict) -> str:
    return str((frame.get("headers") or {}).get("topic", ""))


def run_stream(services) -> int:
    """The `dingtalk-stream` command: receive until SIGTERM; idle when Stream mode is off."""
    d = services.config.dingtalk
    if d.mode != "stream" or services.dingtalk is None or not d.app_key:
        _idle_until_signalled("DingTalk Stream mode is off ([dingtalk] mode = %r, "
                              "app_key %s); idle until stopped",
                              d.mode, "set" if d.app_key else "not set")
        return 0
    StreamClient(services).run(install_signals=True)
    return 0


def _idle_until_signalled(message: str, *args) -> None:
    # Procfile runs this line for every deployment; exiting would stop `honcho start`.
    # The message is logged once the signals are handled, so it also says "ready to stop".
    stopped = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stopped.set())
    log.info(message, *args)
    while not stopped.wait(1.0):
        pass
