"""The DingTalk channel, HTTP mode: the enterprise robot's callback URL.

Verify `timestamp` and `sign`, parse the JSON body, store and handle it
(`inbox.accept`), answer DingTalk with an empty 200, then post the reply
through the conversation's sessionWebhook once the response has gone out
(`reply`). Stream mode (`streaming`) shares everything after the
verification.
"""
from __future__ import annotations

import logging

from flask import Blueprint, Flask, Response, current_app, request

from bot.channels.callbacks import read_body, refuse_in_chinese
from bot.channels.dingtalk.inbox import accept
from bot.channels.dingtalk.messages import MalformedMessage, parse_body
from bot.channels.dingtalk.reply import deliver_now
from bot.channels.dingtalk.sign import verify_callback
from bot.config import ConfigError

log = logging.getLogger(__name__)
blueprint = Blueprint("dingtalk", __name__, url_prefix="/dingtalk")
refuse_in_chinese(blueprint, "DingTalk")


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



@blueprint.post("/callback")
def receive():
    svc = _services()
    verify_callback(request.headers.get("timestamp", ""), request.headers.get("sign", ""),
                    svc.config.dingtalk.app_secret, svc.clock.now())
    item_ids = accept(svc, parse_body(read_body(MalformedMessage)))
    # An empty 200: a reply in the response body is not documented for this robot.
    response = Response("", status=200, mimetype="text/plain")
    if item_ids:
        response.call_on_close(lambda: deliver_now(svc, item_ids))
    return response
