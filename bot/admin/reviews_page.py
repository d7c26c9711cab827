"""Reviews and appeals in the office console: return a unit's month with a reason, mark it
reviewed (both on the unit page), the open appeals (their count on every page, a list
page) and their decision. The use cases are bot/office/reviews.py and appeals.py."""
from __future__ import annotations

from flask import g, redirect, render_template, request, url_for
from sqlalchemy import select

from bot.admin.unit_page import QUARTER_YEARS, load_unit
from bot.admin.web import (actor, bp, flash_error, flash_ok, now, rules, services,
                           unit_of_work)
from bot.office import appeals as appeal_cases
from bot.office import reviews as review_cases
from bot.review_words import RETURN_REASONS
from bot.summaries import month_state
from scoring import Month
from storage.db import read_then_write
from storage.models import Appeal, Liaison, Unit


@bp.before_request
def count_open_appeals():
    """The open appeals' count for the navigation, read before the page opens its own
    transaction, on a connection that takes no write lock (storage.db.read_then_write)."""
    if g.get("admin") is not None:
        with services().engine.connect() as conn:
            g.open_appeals = appeal_cases.open_count(read_then_write(conn))
    return None


@bp.app_context_processor
def appeal_words():
    """What every page's navigation and the unit page's review form use."""
    return {"open_appeals": g.get("open_appeals", 0), "return_reasons": RETURN_REASONS}


def _back(unit_id: int, month: str):
    return redirect(url_for("admin.unit_page", unit_id=unit_id,
                            quarter=str(Month.parse(month).quarter)) + f"#m-{month}")


def _month(text: str) -> Month | None:
    """A month of the URL, within the years the unit page shows; else None."""
    try:
        month = Month.parse(text)
    except ValueError:
        return None
    return month if month.year in QUARTER_YEARS else None


@bp.post("/units/<int:unit_id>/months/<month>/return")
def return_month(unit_id: int, month: str):
    """Return the unit's month with the reasons picked and a note; the liaisons are told."""
    chosen = _month(month)
    if chosen is None:
        flash_error("月份不对。")
        return redirect(url_for("admin.unit_page", unit_id=unit_id))
    picked = [k for k in request.form.getlist("reasons") if k in RETURN_REASONS]
    note = (request.form.get("note") or "").strip()[:1000]
    at = now()
    with unit_of_work() as uow:
        unit = load_unit(uow.session, unit_id)
        try:
            row = review_cases.return_month(uow.session, unit, chosen, reasons=picked,
                                            note=note, at=at, actor=actor(), rules=rules())
        except review_cases.ReviewRefused as exc:
            flash_error(str(exc))
            return _back(unit_id, str(chosen))
        uow.commit()
    flash_ok(f"已退回「{unit.name}」{chosen.label}的小结（原因：{row.reason}），已通知联络员。")
    return _back(unit_id, str(chosen))


@bp.post("/units/<int:unit_id>/months/<month>/reviewed")
def mark_reviewed(unit_id: int, month: str):
    """Mark the unit's month reviewed (已审核)."""
    chosen = _month(month)
    if chosen is None:
        flash_error("月份不对。")
        return redirect(url_for("admin.unit_page", unit_id=unit_id))
    with unit_of_work() as uow:
        unit = load_unit(uow.session, unit_id)
        try:
            review_cases.mark_reviewed(uow.session, unit, chosen, at=now(), actor=actor(),
                                       rules=rules())
        except review_cases.ReviewRefused as exc:
            flash_error(str(exc))
            return _back(unit_id, str(chosen))
        uow.commit()
    flash_ok(f"已将「{unit.name}」{chosen.label}的小结标记为已审核。")
    return _back(unit_id, str(chosen))


@bp.get("/appeals")
def appeals():
    """The appeals: open ones first (oldest first, with the decision form), then decided."""
    show_all = request.args.get("show") == "all"
    at = now()
    with unit_of_work() as uow:
        session = uow.session
        query = select(Appeal).order_by(Appeal.created_at, Appeal.id)
        if not show_all:
            query = query.where(Appeal.state == appeal_cases.OPEN)
        rows = session.scalars(query).all()
        ids = {r.unit_id for r in rows}
        units = {u.id: u for u in session.scalars(select(Unit).where(Unit.id.in_(ids)))}
        liaisons = {lz.id: lz.display_name or lz.platform_user_id
                    for lz in session.scalars(select(Liaison).where(
                        Liaison.id.in_({r.liaison_id for r in rows} - {None})))}
        standing = {r.id: month_state(session, r.unit_id, Month.parse(r.month), at,
                                      rules().deadline, rules().completion).status
                    for r in rows if r.state == appeal_cases.OPEN}
    rows = sorted(rows, key=lambda r: r.state != appeal_cases.OPEN)
    return render_template("admin/appeals.html", appeals=rows, units=units,
                           liaisons=liaisons, standing=standing, show_all=show_all,
                           state_words=appeal_cases.STATE_WORDS, month=Month.parse)


@bp.post("/appeals/<int:appeal_id>/decide")
def decide_appeal(appeal_id: int):
    """Waive the appeal's month or keep its judgement, with a reason; the liaisons are told."""
    decision = request.form.get("decision", "")
    reason = (request.form.get("reason") or "").strip()[:1000]
    with unit_of_work() as uow:
        row = uow.session.get(Appeal, appeal_id)
        if row is None:
            flash_error("这条申诉已不存在。")
            return redirect(url_for("admin.appeals"))
        try:
            appeal_cases.decide(uow.session, row, decision=decision, reason=reason, at=now(),
                                actor=actor(), rules=rules())
        except appeal_cases.AppealRefused as exc:
            flash_error(str(exc))
            return redirect(url_for("admin.appeals") + f"#appeal-{appeal_id}")
        uow.commit()
        word = appeal_cases.STATE_WORDS[row.state]
    flash_ok(f"申诉 #{appeal_id} 已处理：{word}，已通知联络员。")
    return redirect(url_for("admin.appeals"))
