"""绑定 CODE: bind this platform user to the unit the office issued the code for."""
from __future__ import annotations

import re

from bot import audit
from bot.handlers.context import Context
from bot.jobs import JobKind
from bot.messages import Incoming, Reply
from storage import queries
from storage.models import Liaison, Unit
from storage.queries import LiaisonRef
from storage.queue import enqueue

PATTERN = re.compile(r"^绑定\s*[:：]?\s*(?P<code>\S*)$")


def handle(msg: Incoming, ctx: Context) -> list[Reply]:
    """Bind with a single-use, unexpired code; moving from another unit is allowed."""
    said = PATTERN.match(msg.text.strip())
    code = said.group("code").upper() if said else ""
    if not code:
        return [Reply("请在「绑定」后面空一格加上绑定码（字母和数字，中间没有空格），"
                      "例如：绑定 K7P2QX9M。绑定码向中心办公室索取。")]
    found = queries.binding_code(ctx.session, code)
    if found is None:
        return [Reply(f"绑定码 {code} 不存在，请核对后重发，或向中心办公室重新索取。")]
    if found.used_at is not None:
        return [Reply(f"绑定码 {code} 已经使用过，每个绑定码只能用一次。请向中心办公室重新索取。")]
    if ctx.now >= found.expires_at:
        return [Reply(f"绑定码 {code} 已过期，请向中心办公室重新索取。")]
    liaison = ctx.session.get(Liaison, ctx.liaison.id) if ctx.liaison else None
    if liaison is None:
        liaison = Liaison(channel=msg.channel, platform_user_id=msg.user_id,
                          created_at=ctx.now)
        ctx.session.add(liaison)
    old_unit = liaison.unit_id
    liaison.unit_id = found.unit_id
    liaison.backfill_month = None
    liaison.backfill_set_at = None
    platform_name = platform_name_of(msg)
    if platform_name:
        liaison.platform_name = platform_name
    found.used_at = ctx.now
    ctx.session.flush()
    found.used_by_liaison_id = liaison.id
    ctx.liaison = LiaisonRef.of(liaison, ctx.session.get(Unit, found.unit_id))
    ctx.audit(audit.LIAISON_BOUND, liaison.id, {"unit_id": old_unit},
              {"unit_id": found.unit_id, "code": code,
               **({"platform_name": platform_name} if platform_name else {})})
    if msg.channel == "wecom" and ctx.config.wecom.secret:
        # WeCom's callbacks carry no name: the worker asks user/get for it.
        enqueue(ctx.session, JobKind.WECOM_USER_NAME, {"user_id": msg.user_id}, now=ctx.now)
    moved = "（已从原单位转出）" if old_unit and old_unit != found.unit_id else ""
    return [Reply(f"绑定成功{moved}：您现在是「{ctx.unit.name}」的联络员。\n"
                  "直接发送本月小结的文字和图片即可；发送「帮助」查看全部命令。")]


def platform_name_of(msg: Incoming) -> str:
    """The name the platform sent with the message (DingTalk's senderNick), or ""."""
    name = msg.payload.get("sender_name")
    return name.strip()[:100] if isinstance(name, str) else ""
