"""The DingTalk channel, HTTP mode: the enterprise robot's callback URL.

Verify `timestamp` and `sign`, parse the JSON body, store and handle it
(`dingtalk_inbox.accept`), answer DingTalk with an empty 200, then post the reply
through the conversation's sessionWebhook once the response has gone out
(`dingtalk_reply`). Stream mode (`dingtalk_streaming`) shares everything after the
verification.
"""
from __future__ import annotations

import logging

from flask import Blueprint, Flask, Response, abort, current_app, request

from bot.channels.dingtalk.inbox import accept
from bot.channels.dingtalk.messages import MalformedMessage, parse_body
from bot.channels.dingtalk.reply import deliver_now
from bot.channels.dingtalk.sign import CallbackRefused, verify_callback
from bot.config import ConfigError

log = logging.getLogger(__name__)
blueprint = Blueprint("dingtalk", __name__, url_prefix="/dingtalk")

MAX_BODY = 64 * 1024


def init_app(app: Flask, services) -> bool:
    """Register the callback when [dingtalk] mode is "http" and the app is set; True if so.

    Raises:
        ConfigError: the callback is half configured.
    """
    d = services.config.dingtalk
    if d.mode != "http" or not (d.app_key or d.app_secret):
        return False
    for key in ("app_key", "app_secret"):
        if not getattr(d, key):
            raise ConfigError(f"config key dingtalk.{key} must be set for the DingTalk callback")
    app.register_blueprint(blueprint)
    return True


def _services():
    return current_app.extensions["bot"]


@blueprint.errorhandler(CallbackRefused)
def refused(exc: CallbackRefused):
    log.warning("refused a DingTalk callback from %s: %s (%s)", request.remote_addr,
                type(exc).__name__, exc)
    return Response(f"{exc.words}（{type(exc).__name__}）\n", status=exc.status,
                    mimetype="text/plain")


@blueprint.errorhandler(413)
def too_large(_exc):
    return Response(f"请求体超过 {MAX_BODY // 1024} KB 的上限，未处理。\n", status=413,
                    mimetype="text/plain")


@blueprint.post("/callback")
def receive():
    svc = _services()
    verify_callback(request.headers.get("timestamp", ""), request.headers.get("sign", ""),
                    svc.config.dingtalk.app_secret, svc.clock.now())
    item_ids = accept(svc, parse_body(_body()))
    # An empty 200: a reply in the response body is not documented for this robot.
    response = Response("", status=200, mimetype="text/plain")
    if item_ids:
        response.call_on_close(lambda: deliver_now(svc, item_ids))
    return response


def _body() -> bytes:
    length = request.content_length
    if length is not None and length > MAX_BODY:
        abort(413)
    data = request.stream.read(MAX_BODY + 1)
    if len(data) > MAX_BODY:
        abort(413)
    if not data:
        raise MalformedMessage("empty body")
    return data
