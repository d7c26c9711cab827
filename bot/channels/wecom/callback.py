"""The WeCom channel: the self-built app's callback URL (verification, messages, events).

Verify, parse to the internal message, answer within WeCom's 5 s: text gets its
receipt as an encrypted passive reply; a photo or file is stored and queued for the
worker (download, check, receipt by active message) and answered with an empty 200.
"""
from __future__ import annotations

import logging
import secrets

from flask import Blueprint, Flask, Response, current_app, request

from bot.channels.callbacks import read_body, refuse_in_chinese
from bot.channels.outbox import push_for_inbound
from bot.channels.sending import split_text
from bot.channels.wecom.crypto import (
    CryptoConfigError,
    MalformedMessage,
    WecomCrypto,
)
from bot.channels.wecom.messages import (
    CHANNEL,
    parse_message,
    parse_xml,
    render_text_reply,
    to_incoming,
)
from bot.channels.wecom.settings import callback_on
from bot.config import ConfigError
from bot.handlers.help import command_list
from bot.jobs import JobKind
from bot.messages import Incoming, Reply
from storage import queries
from storage.db import UnitOfWork
from storage.queue import BULK, enqueue

log = logging.getLogger(__name__)
blueprint = Blueprint("wecom", __name__, url_prefix="/wecom")
refuse_in_chinese(blueprint, "WeCom")


def init_app(app: Flask, services) -> bool:
    """Register the callback when [wecom] sets token and key; True if registered.

    Raises:
        ConfigError: the callback is half configured, or a value is unusable.
    """
    w = services.config.wecom
    if not callback_on(w):
        return False
    try:
        crypto = WecomCrypto(w.token, w.encoding_aes_key, w.corp_id)
    except CryptoConfigError as exc:
        raise ConfigError(f"config key {exc}") from None
    app.extensions["wecom_crypto"] = crypto
    app.register_blueprint(blueprint)
    return True


def media_key(msg_id: str) -> str:
    """The work item's dedup key for a received photo or file: once per WeCom MsgId."""
    return f"{JobKind.WECOM_MEDIA}:{msg_id}"


def _services():
    return current_app.extensions["bot"]


def _crypto() -> WecomCrypto:
    return current_app.extensions["wecom_crypto"]



@blueprint.get("/callback")
def verify_url():
    args = request.args
    # A '+' WeCom forgot to escape arrives as a space; base64 has no spaces.
    echostr = args.get("echostr", "").replace(" ", "+")
    plain = _crypto().decrypt_echo(args.get("msg_signature", ""), args.get("timestamp", ""),
                                   args.get("nonce", ""), echostr)
    return Response(plain, mimetype="text/plain")


@blueprint.post("/callback")
def receive():
    svc, crypto = _services(), _crypto()
    args = request.args
    envelope = parse_xml(read_body(MalformedMessage))
    plain = crypto.decrypt(args.get("msg_signature", ""), args.get("timestamp", ""),
                           args.get("nonce", ""), envelope.get("Encrypt", "").strip())
    fields = parse_message(plain)
    msg = to_incoming(fields, received_at=svc.clock.now())
    if msg.kind == "event":
        if msg.payload["event"] == "enter_agent":
            return _passive(msg, fields, welcome(svc, msg.user_id))
        return _empty()
    if msg.kind in ("photo", "document"):
        _accept_media(svc, msg)
        return _empty()
    text = "\n\n".join(reply.text for reply in svc.conversation.receive(msg))
    first, *rest = split_text(text) or [""]
    if rest:  # over 2048 bytes: the rest follows as an active message, once
        with UnitOfWork(svc.session_factory) as uow:
            inbound_id = queries.inbound(uow.session, CHANNEL, msg.msg_id).id
        push_for_inbound(svc, inbound_id, [Reply(part) for part in rest])
    return _passive(msg, fields, first) if first else _empty()


def welcome(svc, user_id: str) -> str:
    """The greeting for a member who opens the app: binding state and the commands."""
    with UnitOfWork(svc.session_factory) as uow:
        liaison = queries.liaison(uow.session, CHANNEL, user_id)
        unit = liaison.unit.name if liaison is not None and liaison.unit is not None else None
    if unit is not None:
        head = f"欢迎使用月度小结机器人，您是「{unit}」的联络员。"
    else:
        head = ("欢迎使用月度小结机器人。您还没有绑定单位，请向中心办公室索取绑定码，"
                "然后发送「绑定 绑定码」。")
    return head + "\n" + command_list(svc.conversation.rules)


def _accept_media(svc, msg: Incoming) -> None:
    """Store the message and queue its download; a retried MsgId queues nothing new."""
    inbound_id, _ = svc.conversation.store(msg)
    with UnitOfWork(svc.session_factory) as uow:
        enqueue(uow.session, JobKind.WECOM_MEDIA, {"inbound_id": inbound_id, "msg_id": msg.msg_id},
                now=svc.clock.now(), dedup_key=media_key(msg.msg_id),
                max_attempts=svc.config.worker.max_attempts, priority=BULK)
        uow.commit()


def _passive(msg: Incoming, fields: dict[str, str], text: str) -> Response:
    crypto = _crypto()
    now = int(_services().clock.now().timestamp())
    plain = render_text_reply(msg.user_id, crypto.corp_id, fields.get("AgentID", ""), text, now)
    nonce = str(secrets.randbelow(10 ** 10))
    return Response(crypto.encrypt_reply(plain, nonce, str(now)), mimetype="application/xml")


def _empty() -> Response:
    return Response("", status=200, mimetype="text/plain")
