"""The month board: units × months, each cell a status with its completion time."""
from __future__ import annotations

from flask import render_template, request

from bot.admin import owe_list
from bot.admin.web import bp, memo, now, rules, unit_of_work
from bot.office.grid import month_grid, months_until, tally, unit_rows
from bot.rules import category_titles
from scoring import Month, deadline, month_of

SPANS = (3, 6, 12)


def chosen_month(text: str | None, default: Month) -> Month:
    """A month from a query argument, else the default."""
    try:
        return Month.parse(text) if text else default
    except ValueError:
        return default


@bp.get("/board")
def board():
    """Who has sent what, and when."""
    at = now()
    current = month_of(at)
    end = min(chosen_month(request.args.get("end"), current), current)
    span = request.args.get("span", type=int)
    span = span if span in SPANS else 6
    category = request.args.get("category") or None
    if category not in category_titles(rules().rubric):
        category = None
    if request.args.get("owe"):
        return owe_list.page(category, span=span, spans=SPANS, end=end, current=current,
                             due=deadline(current, rules().deadline), now=at)
    months = months_until(end, span)
    with unit_of_work() as uow:
        units = unit_rows(uow.session, category)
        grid = month_grid(uow.session, units, months, at, rules(), memo())
    columns = [(str(m), str(m.quarter)) for m in months]
    rows = [(u, [grid[(u.id, m)] for m, _ in columns]) for u in units]
    later = min(_shift(end, span), current) if end < current else None
    return render_template(
        "admin/board.html", rows=rows, columns=columns, zip=zip, months=months,
        counts=tally(grid, months), category=category, span=span, spans=SPANS, end=end,
        earlier=_shift(end, -span), later=later, current=current,
        due=deadline(current, rules().deadline), now=at, owe=False)


def _shift(month: Month, by: int) -> Month:
    for _ in range(abs(by)):
        month = month.next() if by > 0 else month.prev()
    return month
