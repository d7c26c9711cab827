"""The charts page: on time / late / missing per month, and the score distribution per
category, both drawn here as SVG."""
from __future__ import annotations

from flask import render_template, request
from markupsafe import Markup

from bot import scores
from bot.admin.charts import Series, histogram, stacked_bars
from bot.admin.inputs import current_quarter
from bot.admin.unit_page import chosen_quarter
from bot.admin.web import bp, memo, now, rules, unit_of_work
from bot.office.grid import month_grid, months_until, tally, unit_rows
from bot.rules import category_titles
from scoring import month_of
from scoring.words import STATUS_LABELS

STATUS_COLORS = (("on_time", "#15803d"), ("late", "#d97706"), ("missing", "#b91c1c"),
                 ("waived", "#6b7280"), ("exempt", "#9ca3af"), ("pending", "#cbd5e1"))


def month_chart(counts: dict[str, dict[str, int]], months) -> str:
    """Stacked bars of each month's statuses."""
    labels = [f"{m.year % 100:02d}年{m.month}月" for m in months]
    series = [Series(STATUS_LABELS[status], color, [counts[str(m)].get(status, 0) for m in months])
              for status, color in STATUS_COLORS]
    return stacked_bars(labels, series, title="各月小结报送情况（单位数）")


@bp.get("/charts")
def charts():
    """Both charts; the months chart covers the last 12 months."""
    at = now()
    quarter = min(chosen_quarter(request.args.get("quarter"), current_quarter()),
                  current_quarter())
    months = months_until(month_of(at), 12)
    with unit_of_work() as uow:
        units = unit_rows(uow.session)
        counts = tally(month_grid(uow.session, units, months, at, rules(), memo()), months)
        rows = scores.quarter_table(uow.session, quarter, at, rules(), memo=memo())
    spread = []
    for category, title in category_titles(rules().rubric).items():
        values = [r.result.percent for r in rows
                  if r.category == category and r.assessed]
        if values:
            svg = histogram(values, title=f"{quarter.label}{title}得分率分布（%）")
            spread.append((title, len(values), Markup(svg)))
    return render_template("admin/charts.html", months_svg=Markup(month_chart(counts, months)),
                           spread=spread, quarter=quarter, earlier=quarter.prev(),
                           later=quarter.next() if quarter < current_quarter() else None,
                           counts=counts, months=months)
