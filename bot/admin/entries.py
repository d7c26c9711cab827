"""Waivers and exemptions of months, bonus entries and deductions of the year: each with
its reason, each change in the audit log under the office user's name."""
from __future__ import annotations

from flask import redirect, request, url_for

from bot import audit
from bot.admin.unit_page import load_unit
from bot.admin.web import actor, bp, flash_error, flash_ok, now, rules, unit_of_work
from bot.office import entries
from bot.office.forms import bonus_values, deduction_values
from scoring import Month
from storage.models import BonusEntry, Deduction

EXCUSE_LABELS = entries.EXCUSE_WORDS


def back(unit_id: int, quarter: str, anchor: str):
    return redirect(url_for("admin.inputs", unit_id=unit_id, quarter=quarter) + anchor)


@bp.post("/units/<int:unit_id>/excuses")
def set_excuse(unit_id: int):
    """Waive a month afterwards or exempt it in advance, with a reason."""
    kind, reason = request.form.get("kind", ""), (request.form.get("reason") or "").strip()
    try:
        month = Month.parse(request.form.get("month", ""))
    except ValueError:
        flash_error("月份不对。")
        return redirect(url_for("admin.unit_page", unit_id=unit_id))
    quarter = str(month.quarter)
    at = now()
    with unit_of_work() as uow:
        unit = load_unit(uow.session, unit_id)
        try:
            entries.set_excuse(uow.session, unit, month, kind=kind, reason=reason, at=at,
                               actor=actor())
        except entries.EntryRefused as exc:
            flash_error(str(exc))
            return back(unit_id, quarter, "#excuses")
        uow.commit()
    flash_ok(f"已将「{unit.name}」{month.label}的小结设为{EXCUSE_LABELS[kind]}：{reason}")
    return back(unit_id, quarter, "#excuses")


@bp.post("/units/<int:unit_id>/excuses/<month>/remove")
def remove_excuse(unit_id: int, month: str):
    """Take a waiver or exemption back; the month is judged by its materials again."""
    try:
        month = Month.parse(month)
    except ValueError:
        flash_error("月份不对。")
        return redirect(url_for("admin.unit_page", unit_id=unit_id))
    with unit_of_work() as uow:
        unit = load_unit(uow.session, unit_id)
        row = entries.remove_excuse(uow.session, unit, month, at=now(), actor=actor())
        if row is not None:
            uow.commit()
            flash_ok(f"已撤销「{unit.name}」{month.label}的{EXCUSE_LABELS[row.kind]}。")
    return back(unit_id, str(month.quarter), "#excuses")


@bp.post("/units/<int:unit_id>/bonus")
def add_bonus(unit_id: int):
    """Add a bonus occurrence (加分) of the quarter's year."""
    return _add(unit_id, bonus_values, entries.add_bonus, "#bonus",
                lambda unit, year, v, version: f"已为「{unit.name}」{year}年加分："
                                               f"{version.year.bonus[v['kind']].label}")


@bp.post("/units/<int:unit_id>/deductions")
def add_deduction(unit_id: int):
    """Add a discretionary deduction (扣分) of the quarter's year, with its reason."""
    return _add(unit_id, deduction_values, entries.add_deduction, "#deductions",
                lambda unit, year, v, version: f"已为「{unit.name}」{year}年扣 {v['points']} 分："
                                               f"{version.year.deductions[v['kind']]}")


def _add(unit_id: int, read_values, add, anchor: str, done):
    """Check the form (its kinds: the rubric version that scores the form's year), add the
    entry for that year, say what was done."""
    quarter = request.form.get("quarter", "")
    year = request.form.get("year", type=int)
    if not year or not 2000 <= year <= 9999:
        flash_error("年份不对")
        return back(unit_id, quarter, anchor)
    version = rules().rubric.for_year(year)
    values, problems = read_values(request.form, version)
    if problems:
        flash_error("；".join(problems))
        return back(unit_id, quarter, anchor)
    at = now()
    with unit_of_work() as uow:
        unit = load_unit(uow.session, unit_id)
        add(uow.session, unit, year, at=at, actor=actor(), **values)
        uow.commit()
    flash_ok(done(unit, year, values, version))
    return back(unit_id, quarter, anchor)


@bp.post("/bonus/<int:entry_id>/delete")
def delete_bonus(entry_id: int):
    """Remove a bonus entry made by mistake; audited with what it was."""
    return _delete(BonusEntry, entry_id, audit.BONUS_DELETED, "#bonus",
                   lambda e: {"year": e.year, "kind": e.kind, "level": e.level, "note": e.note})


@bp.post("/deductions/<int:entry_id>/delete")
def delete_deduction(entry_id: int):
    """Remove a deduction made by mistake; audited with what it was."""
    return _delete(Deduction, entry_id, audit.DEDUCTION_DELETED, "#deductions",
                   lambda e: {"year": e.year, "points": str(e.points), "kind": e.kind,
                              "reason": e.reason})


def _delete(model, entry_id: int, change: audit.Change, anchor: str, describe):
    quarter = request.form.get("quarter", "")
    with unit_of_work() as uow:
        entry = uow.session.get(model, entry_id)
        if entry is None:
            flash_error("这条记录已不存在。")
            return redirect(url_for("admin.board"))
        unit_id = entry.unit_id
        audit.record(uow.session, now(), actor(), change, entry.id, describe(entry), None,
                     unit_id=unit_id)
        uow.session.delete(entry)
        uow.commit()
    flash_ok("已删除。")
    return back(unit_id, quarter, anchor)
