"""The console channel: a web chat for playing a liaison without WeCom or DingTalk."""
from __future__ import annotations

import json
import re
import uuid
from pathlib import PurePath

from flask import Blueprint, current_app, jsonify, render_template, request
from sqlalchemy import select

from bot.messages import Incoming, storable_id
from bot.web_headers import harden
from storage import queries
from storage.db import UnitOfWork
from storage.files import is_document_name
from storage.models import InboundMessage, OutboxMessage

blueprint = Blueprint("console", __name__, url_prefix="/console")

IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".gif", ".webp", ".bmp", ".tif", ".tiff",
                  ".heic", ".heif"}
MAX_ID = 128
SAFE_SUFFIX = re.compile(r"^\.[a-z0-9]{1,8}$")


def services():
    return current_app.extensions["bot"]


def bad(message: str, status: int = 400):
    return jsonify(error=message), status


@blueprint.after_request
def headers(response):
    """The same policy as /admin: the page's script and style come from /static only."""
    return harden(response)


@blueprint.get("")
@blueprint.get("/")
def page():
    with UnitOfWork(services().session_factory) as uow:
        users = queries.console_liaisons(uow.session)
    return render_template("console.html", choices=picker(users))


def picker(users: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(user id, label) per unit, each unit once (its first console liaison; others can
    be typed in), then the unbound ones; the id is shown only where it is not the name."""
    units: dict[str, str] = {}
    unbound = []
    for uid, unit in users:
        if not unit:
            unbound.append((uid, f"未绑定（{uid}）"))
        elif unit not in units:
            units[unit] = uid
    return [(uid, unit if uid == unit else f"{unit}（{uid}）")
            for unit, uid in units.items()] + unbound


@blueprint.get("/api/users")
def users():
    with UnitOfWork(services().session_factory) as uow:
        rows = queries.console_liaisons(uow.session)
    return jsonify(users=[{"user": u, "unit": n} for u, n in rows])


@blueprint.get("/api/messages")
def history():
    # Escaped as a stored id is (bot.messages), so odd characters find what they sent.
    user = storable_id((request.args.get("user") or "").strip())
    if not user:
        return bad("缺少参数 user。")
    with UnitOfWork(services().session_factory) as uow:
        rows = uow.session.scalars(
            select(InboundMessage).where(InboundMessage.channel == "console",
                                         InboundMessage.platform_user_id == user)
            .order_by(InboundMessage.id.desc()).limit(50)).all()
        pushed = uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.channel == "console",
                                        OutboxMessage.user_id == user)
            .order_by(OutboxMessage.id.desc()).limit(50)).all()
    said = [{"id": r.platform_msg_id, "kind": r.kind, "text": r.text or "",
             "filename": r.filename, "at": r.received_at, "replies": r.replies or []}
            for r in reversed(rows)]
    # Reminders and other notices the bot sent on its own, in time order with the rest;
    # the sort is stable, so what came at the same instant keeps the order it was stored in.
    said += [{"id": f"notice-{n.id}", "kind": "notice", "text": n.text, "filename": None,
              "at": n.created_at, "replies": []} for n in reversed(pushed)]
    said.sort(key=lambda m: m["at"])
    return jsonify(messages=[{**m, "at": m["at"].isoformat()} for m in said[-50:]])


@blueprint.post("/api/messages")
def post_message():
    svc = services()
    now = svc.clock.now()
    if request.mimetype == "application/json":
        try:
            data = json.loads(request.get_data(cache=False))
        except RecursionError:
            return bad("请求体的 JSON 嵌套层数太多。")
        except ValueError:
            data = None
        if not isinstance(data, dict):
            return bad("请求体不是有效的 JSON 对象。")
        user, text, msg_id = data.get("user"), data.get("text"), data.get("id")
        if not isinstance(text, str):
            return bad("缺少 text（要发送的文字）。")
        upload = None
    elif request.mimetype == "multipart/form-data":
        user, text, msg_id = request.form.get("user"), "", request.form.get("id")
        upload = request.files.get("image") or request.files.get("file")
        if upload is None:
            text = request.form.get("text")
            if text is None:
                return bad("缺少 image 或 file（要上传的图片或文档），或 text。")
    else:
        return bad("只接受 application/json 或 multipart/form-data。", 415)
    if not isinstance(user, str) or not user.strip() or len(user) > MAX_ID:
        return bad("缺少 user（联络员身份），或格式不对。")
    if msg_id is not None and (not isinstance(msg_id, str) or not msg_id or len(msg_id) > MAX_ID):
        return bad("id 必须是不超过 128 个字符的字符串。")
    msg_id = msg_id or uuid.uuid4().hex
    common = dict(channel="console", user_id=user.strip(), msg_id=msg_id,
                  received_at=now, sent_at=now)
    if upload is None:
        incoming = Incoming(kind="text", text=text, **common)
    else:
        data = upload.read()
        if not data:
            return bad("上传的文件是空的，请重新选择。")
        name = PurePath(upload.filename or "upload").name[:200]
        suffix = PurePath(name).suffix.lower()
        is_photo = "image" in request.files or suffix in IMAGE_SUFFIXES or (
            (upload.mimetype or "").startswith("image/") and not is_document_name(name))
        blob = svc.files.put_blob(data, suffix if SAFE_SUFFIX.match(suffix) else "")
        incoming = Incoming(kind="photo" if is_photo else "document", filename=name,
                            blob_path=blob, **common)
    replies = svc.conversation.receive(incoming)
    return jsonify(replies=[reply.text for reply in replies], id=incoming.msg_id)
