"""Evidence packs (台账) for download: one unit's quarter, or every unit's at once."""
from __future__ import annotations

import tempfile

from flask import abort, render_template, request, send_file

from bot.admin.inputs import current_quarter
from bot.admin.unit_page import chosen_quarter
from bot.admin.web import bp, now, rules, services, unit_of_work
from bot.office.cells import file_name
from bot.office.evidence import write_all_packs, write_unit_pack
from bot.office.grid import unit_rows

SPOOL = 32 * 1024 * 1024   # a bigger pack spills from memory to a temporary file


def _quarter():
    return min(chosen_quarter(request.args.get("quarter"), current_quarter()),
               current_quarter())


@bp.get("/evidence")
def evidence():
    """The list of packs for a quarter."""
    with unit_of_work() as uow:
        units = unit_rows(uow.session)
    quarter = _quarter()
    return render_template("admin/evidence.html", units=units, quarter=quarter,
                           earlier=quarter.prev(),
                           later=quarter.next() if quarter < current_quarter() else None)


def _zip(write, name: str):
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL)
    try:
        with unit_of_work() as uow:
            write(uow.session, out)
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return send_file(out, mimetype="application/zip", as_attachment=True, download_name=name)


@bp.get("/evidence/<int:unit_id>.zip")
def unit_pack(unit_id: int):
    """One unit's pack for the quarter."""
    quarter = _quarter()
    with unit_of_work() as uow:
        found = [u for u in unit_rows(uow.session) if u.id == unit_id]
    if not found:
        abort(404)
    svc = services()
    return _zip(lambda session, out: write_unit_pack(session, svc.files, unit_id, quarter,
                                                     now(), rules(), out),
                f"{file_name(found[0].name, 160)}-{quarter}-台账.zip")


@bp.get("/evidence/all.zip")
def all_packs():
    """Every active unit's pack for the quarter, with an overview sheet."""
    quarter = _quarter()
    svc = services()
    return _zip(lambda session, out: write_all_packs(session, svc.files, quarter, now(),
                                                     rules(), out),
                f"全部单位-{quarter}-台账.zip")
