"""Liaisons of a unit: bind a platform user, move one to another unit, remove one; codes."""
from __future__ import annotations

from datetime import timedelta

from flask import abort, redirect, request, url_for

from bot import audit
from bot.admin.unit_page import load_unit
from bot.admin.web import actor, bp, flash_error, flash_ok, now, services, unit_of_work
from bot.messages import CHANNEL_WORDS
from bot.office.units import PHONE, new_binding_code
from bot.people import words_of
from scoring import local
from storage import queries
from storage.models import CHANNELS, Liaison, Unit


def back(unit_id: int):
    return redirect(url_for("admin.unit_page", unit_id=unit_id) + "#liaisons")


@bp.post("/units/<int:unit_id>/liaisons")
def bind_liaison(unit_id: int):
    """Bind a platform user to this unit (moving it if it was bound elsewhere)."""
    channel = request.form.get("channel", "")
    uid = request.form.get("user_id", "").strip()
    display = request.form.get("display_name", "").strip()[:100]
    phone = request.form.get("phone", "").strip()
    if channel not in CHANNELS or not uid or len(uid) > 128:
        flash_error("请选择平台，并填写联络员的平台账号（不超过128个字符）。")
        return back(unit_id)
    if phone and not PHONE.match(phone):
        flash_error(f"电话「{phone}」不像电话号码：只能有数字、空格、+、-、括号、转和 #，3 到 30 个字符。")
        return back(unit_id)
    at = now()
    with unit_of_work() as uow:
        unit = load_unit(uow.session, unit_id)
        lz = queries.liaison(uow.session, channel, uid)
        if lz is None:
            lz = Liaison(channel=channel, platform_user_id=uid, created_at=at)
            uow.session.add(lz)
        old = {"unit_id": lz.unit_id, "display_name": lz.display_name, "phone": lz.phone}
        lz.unit_id = unit.id
        lz.display_name = display or lz.display_name or ""
        lz.phone = phone or lz.phone or ""
        audit.record(uow.session, at, actor(), audit.LIAISON_BOUND, f"{channel}:{uid}", old,
                     {"unit_id": unit.id, "display_name": lz.display_name,
                      "phone": lz.phone}, unit_id=unit.id)
        uow.commit()
    flash_ok(f"已将 {CHANNEL_WORDS[channel]} 用户「{uid}」绑定到「{unit.name}」。")
    return back(unit_id)


def _liaison(session, liaison_id: int) -> Liaison:
    lz = session.get(Liaison, liaison_id)
    if lz is None or lz.unit_id is None:
        abort(404)
    return lz


def _reassign(lz: Liaison, unit_id: int | None, kind: str, session, at) -> None:
    """Point the liaison at `unit_id` (None: unbound), audited as `kind` on the unit it
    now belongs to, else the one it left."""
    source = lz.unit_id
    audit.record(session, at, actor(), kind, f"{lz.channel}:{lz.platform_user_id}",
                 {"unit_id": source}, {"unit_id": unit_id}, unit_id=unit_id or source)
    lz.unit_id = unit_id


@bp.post("/liaisons/<int:liaison_id>/move")
def move_liaison(liaison_id: int):
    """Move a liaison to another unit."""
    at = now()
    with unit_of_work() as uow:
        lz = _liaison(uow.session, liaison_id)
        source = lz.unit_id
        target = uow.session.get(Unit, request.form.get("unit_id", type=int) or 0)
        if target is None:
            flash_error("请选择要转到的单位。")
            return back(source)
        _reassign(lz, target.id, audit.LIAISON_MOVED, uow.session, at)
        uow.commit()
        flash_ok(f"联络员「{words_of(lz)}」已转到「{target.name}」。")
    return back(source)


@bp.post("/liaisons/<int:liaison_id>/remove")
def remove_liaison(liaison_id: int):
    """Unbind a liaison (the record and everything it sent stay)."""
    at = now()
    with unit_of_work() as uow:
        lz = _liaison(uow.session, liaison_id)
        source = lz.unit_id
        _reassign(lz, None, audit.LIAISON_UNBOUND, uow.session, at)
        uow.commit()
        flash_ok(f"已解除联络员「{words_of(lz)}」的绑定。")
    return back(source)


@bp.post("/units/<int:unit_id>/codes")
def issue_code(unit_id: int):
    """Issue a single-use binding code for this unit."""
    ttl = timedelta(hours=services().config.binding.code_ttl_hours)
    with unit_of_work() as uow:
        unit = load_unit(uow.session, unit_id)
        code = new_binding_code(uow.session, unit, now(), ttl, actor())
        uow.commit()
    until = local(code.expires_at).strftime("%Y-%m-%d %H:%M")
    flash_ok(f"绑定码 {code.code}（单次有效，{until} 前使用）：请联络员向机器人发送「绑定 {code.code}」。")
    return back(unit_id)
