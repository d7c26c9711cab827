"""A unit's quarter total entered by hand (a quarter assessed outside the bot), with its
reason, on the unit's inputs page; audited under the office user's name."""
from __future__ import annotations

from flask import redirect, request, url_for

from bot.admin.inputs import form_quarter, render_inputs
from bot.admin.unit_page import load_unit
from bot.admin.web import actor, bp, flash_ok, now, unit_of_work
from bot.office.quarter_totals import clean_reason, parse_total, remove_total, set_total


def _back(unit_id: int, quarter) -> object:
    return redirect(url_for("admin.inputs", unit_id=unit_id, quarter=str(quarter)) + "#total")


@bp.post("/units/<int:unit_id>/quarter-total")
def save_quarter_total(unit_id: int):
    """Enter or change the quarter's total by hand, with its reason."""
    quarter = form_quarter()
    problems = []
    try:
        total = parse_total(request.form.get("total", ""))
    except ValueError as exc:
        problems.append(str(exc))
    try:
        reason = clean_reason(request.form.get("reason"))
    except ValueError as exc:
        problems.append(str(exc))
    if problems:
        return render_inputs(unit_id, quarter, total_problems=problems,
                             entered_total=request.form, status=400)
    with unit_of_work() as uow:
        unit = load_unit(uow.session, unit_id)
        changed = set_total(uow.session, unit, quarter, total, reason, now(), actor())
        uow.commit()
    flash_ok(f"已手工录入「{unit.name}」{quarter.label}总分 {total.normalize():f}：{reason}"
             if changed else "没有变化。")
    return _back(unit_id, quarter)


@bp.post("/units/<int:unit_id>/quarter-total/remove")
def remove_quarter_total(unit_id: int):
    """Remove the hand-entered total: the quarter is scored from its facts again."""
    quarter = form_quarter()
    with unit_of_work() as uow:
        unit = load_unit(uow.session, unit_id)
        removed = remove_total(uow.session, unit, quarter, now(), actor())
        uow.commit()
    flash_ok(f"已删除「{unit.name}」{quarter.label}手工录入的总分。" if removed
             else "这个季度没有手工录入的总分。")
    return _back(unit_id, quarter)
