"""The quarter and year tables per category, ranked, each score opening its reasons; and
their exports (xlsx laid out like the rules' table, csv) through bot.tables."""
from __future__ import annotations

from io import BytesIO

from flask import abort, get_template_attribute, render_template, request, send_file
from markupsafe import Markup

from bot import score_sheets, scores, tables
from bot.admin.inputs import XLSX, current_quarter
from bot.admin.unit_page import chosen_quarter
from bot.admin.web import bp, memo, now, rules, unit_of_work
from bot.memo import Same
from bot.office.results import ScoreRow
from scoring import Rubric, month_of


def _quarter():
    return min(chosen_quarter(request.args.get("quarter"), current_quarter()),
               current_quarter())


def _year() -> int:
    this = month_of(now()).year
    year = request.args.get("year", type=int) or this
    return min(max(year, 2000), this)


def by_category(rows: list[ScoreRow], rubric: Rubric) -> list[tuple[str, str, list]]:
    """(category, title, rows ranked) for each category of the rubric that has units."""
    out = []
    for category, declared in rubric.categories.items():
        members = tables.ranked([r for r in rows if r.category == category], [category])
        if members:
            out.append((category, declared.title, members))
    return out


@bp.get("/scores")
def quarter_scores():
    """The quarter's table for each category."""
    quarter = _quarter()
    with unit_of_work() as uow:
        rows = scores.quarter_table(uow.session, quarter, now(), rules(), memo=memo())
    rubric = rules().rubric.for_quarter(quarter)
    groups = [(c, t, members, tables.groups(rubric, c), tables.quarter_columns(c, rubric))
              for c, t, members in by_category(rows, rubric)]
    return render_template("admin/scores.html", quarter=quarter, groups=groups,
                           cells=kept_cells(groups, rubric),
                           version=tables.version_line(rubric),
                           ended=scores.quarter_has_ended(quarter, now()),
                           earlier=quarter.prev(),
                           later=quarter.next() if quarter < current_quarter() else None)


@bp.get("/scores/year")
def year_scores():
    """The year's table for each category: mean of the assessed quarters that have ended
    + bonus − deductions."""
    year = _year()
    with unit_of_work() as uow:
        rows = scores.year_table(uow.session, year, now(), rules(), memo=memo())
    quarters = tuple((q, tables.quarter_name(q)) for q in tables.year_columns(rows))
    rubric = rules().rubric.for_year(year)
    cells = get_template_attribute("admin/_score.html", "year_cells")
    kept = {row.unit_id: memo().get("cells", (Same(row.result), quarters, row.unit_id),
                                    lambda r=row: cells(r.result, quarters, r.unit_id))
            for row in rows}
    return render_template("admin/year.html", year=year, groups=by_category(rows, rubric),
                           quarters=quarters, cells=kept,
                           version=tables.version_line(rubric), this_year=month_of(now()).year)


def kept_cells(groups, rubric: Rubric) -> dict[int, Markup]:
    """Each row's cells after its unit's name (admin/_score.html: result_cells), kept
    (bot.memo) under its result and the rubric version (its columns): a unit's result is
    kept while its inputs are unchanged and replaced when one changes, and the cells read
    nothing else. The year's cells likewise (year_scores)."""
    cells = get_template_attribute("admin/_score.html", "result_cells")
    return {row.unit_id: memo().get("cells", (Same(row.result), Same(rubric)),
                                    lambda r=row.result, c=columns: cells(r, c))
            for _, _, members, _, columns in groups for row in members}


def _export(rows, title: str, name: str, fmt: str, write_xlsx, flat):
    if fmt == "xlsx":
        out = BytesIO()
        write_xlsx(rows, title, out)
        out.seek(0)
        return send_file(out, mimetype=XLSX, as_attachment=True, download_name=f"{name}.xlsx")
    if fmt == "csv":
        header, body = flat(rows)
        data = BytesIO(tables.to_csv(header, body).encode("utf-8-sig"))
        return send_file(data, mimetype="text/csv", as_attachment=True,
                         download_name=f"{name}.csv")
    abort(404)


@bp.get("/scores/export.<fmt>")
def export_quarter(fmt: str):
    """The quarter's table as a file."""
    quarter = _quarter()
    with unit_of_work() as uow:
        rows = scores.quarter_table(uow.session, quarter, now(), rules(), memo=memo())
    params = rules().rubric.for_quarter(quarter)
    return _export(rows, f"{quarter.label}新时代文明实践工作考核得分", f"考核得分-{quarter}", fmt,
                   lambda r, t, out: score_sheets.quarter_xlsx(r, params, t, out),
                   lambda r: tables.quarter_rows(r, params))


@bp.get("/scores/year/export.<fmt>")
def export_year(fmt: str):
    """The year's table as a file."""
    year = _year()
    with unit_of_work() as uow:
        rows = scores.year_table(uow.session, year, now(), rules(), memo=memo())
    rubric = rules().rubric.for_year(year)
    return _export(rows, f"{year}年度新时代文明实践工作考核得分", f"年度考核得分-{year}", fmt,
                   lambda r, t, out: score_sheets.year_xlsx(r, rubric, t, out),
                   lambda r: tables.year_rows(r, rubric))
