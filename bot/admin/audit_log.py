"""The audit log page: each change as a Chinese sentence, filtered by unit, person, kind of
change and date, a page at a time; the same filter exported to xlsx (bot/office/audit_log.py)."""
from __future__ import annotations

from io import BytesIO

from flask import abort, make_response, render_template, request, send_file

from bot.admin.inputs import XLSX
from bot.admin.web import bp, error_page, now, rules, unit_of_work
from bot.office.audit_log import (EARLIEST, LATEST, AuditFilter, FilterError, choices, count,
                                  every_line, lines, write_xlsx)
from scoring import local

PAGE = 100


def _filter() -> AuditFilter:
    try:
        return AuditFilter.read(request.args)
    except FilterError as exc:
        abort(make_response(error_page(400, "筛选条件有误", str(exc))))


@bp.get("/audit")
def audit():
    """Newest first, a page at a time; past the last page is 404."""
    chosen = _filter()
    page = max(request.args.get("page", type=int) or 1, 1)
    with unit_of_work() as uow:
        total = count(uow.session, chosen)
        if page > 1 and (page - 1) * PAGE >= total:
            abort(404)   # past the last page (also a number no database offset takes)
        found = lines(uow.session, chosen, rules().rubric, (page - 1) * PAGE, PAGE)
        options = choices(uow.session)
    return render_template("admin/audit.html", lines=found, page=page, chosen=chosen,
                           options=options, total=total, earliest=EARLIEST, latest=LATEST,
                           pages=max((total + PAGE - 1) // PAGE, 1))


@bp.get("/audit/export.xlsx")
def audit_export():
    """Every entry the filter finds, as a sheet (the filter as on the page)."""
    chosen = _filter()
    out = BytesIO()
    with unit_of_work() as uow:
        write_xlsx(every_line(uow.session, chosen, rules().rubric), out)
    out.seek(0)
    name = f"审计日志-{local(now()):%Y%m%d}.xlsx"
    return send_file(out, mimetype=XLSX, as_attachment=True, download_name=name)
