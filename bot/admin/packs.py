"""Evidence packs (台账): one unit's quarter as a download (small: built in the request),
every unit's at once built by the worker (asked for here, its progress shown, downloaded
when ready), and the quarter's flagged photos. Every download and request is audited."""
from __future__ import annotations

import tempfile

from flask import abort, redirect, render_template, request, send_file, url_for

from bot import audit
from bot.admin.inputs import current_quarter
from bot.admin.unit_page import chosen_quarter
from bot.admin.web import (actor, bp, error_page, flash_ok, now, rules, services,
                           unit_of_work)
from bot.office.audit_words import size
from bot.office.cells import file_name
from bot.office.evidence import write_unit_pack
from bot.office.flags import quarter_flagged
from bot.office.grid import unit_rows
from bot.office.pack_builds import downloadable, keep, pack_views, request_pack

SPOOL = 32 * 1024 * 1024   # a bigger unit's pack spills from memory to a temporary file


def _quarter():
    return min(chosen_quarter(request.values.get("quarter"), current_quarter()),
               current_quarter())


@bp.app_template_filter("size")
def size_filter(n: int | None) -> str:
    """A file's size: 812 KB, 3.6 MB, 3.42 GB."""
    return size(n)


@bp.get("/evidence")
def evidence():
    """The quarter's packs: each unit's, every unit's (built by the worker), the flags."""
    quarter = _quarter()
    with unit_of_work() as uow:
        units = unit_rows(uow.session)
        packs = pack_views(uow.session, now(), keep(services()))
    return render_template("admin/evidence.html", units=units, quarter=quarter, packs=packs,
                           pending=any(p.pending for p in packs),
                           keep_days=services().config.evidence.keep_pack_days,
                           earlier=quarter.prev(),
                           later=quarter.next() if quarter < current_quarter() else None)


@bp.post("/evidence/packs")
def ask_for_pack():
    """Queue every unit's pack of the quarter for the worker."""
    quarter = _quarter()
    with unit_of_work() as uow:
        pack, new = request_pack(uow.session, quarter, actor(), now())
        uow.commit()
    flash_ok(f"已提交生成{quarter.label}全部单位台账（证据包 #{pack.id}），后台生成完成后可在下面下载。"
             if new else f"{quarter.label}的全部单位台账（证据包 #{pack.id}）已在生成，请稍候。")
    return redirect(url_for("admin.evidence", quarter=str(quarter)))


@bp.get("/evidence/packs/<int:pack_id>.zip")
def pack_download(pack_id: int):
    """A pack the worker built, while it is kept."""
    svc = services()
    with unit_of_work() as uow:
        pack = downloadable(uow.session, pack_id, now(), keep(svc))
        if pack is None:
            return error_page(404, "证据包不可下载",
                              "这个证据包不存在、还没有生成完成，或已过保留期被删除，请在台账页面重新生成。")
        try:
            path = svc.files.path(pack.path)
        except ValueError:
            path = None
        if path is None or not path.is_file():
            return error_page(404, "证据包不可下载", "证据包文件已不在服务器上，请在台账页面重新生成。")
        audit.record(uow.session, now(), actor(), audit.PACK_DOWNLOADED, pack.id,
                     new={"quarter": pack.quarter, "size_bytes": pack.size_bytes})
        uow.commit()
    return send_file(path, mimetype="application/zip", as_attachment=True,
                     download_name=f"全部单位-{pack.quarter}-台账.zip", conditional=True)


@bp.get("/evidence/<int:unit_id>.zip")
def unit_pack(unit_id: int):
    """One unit's pack for the quarter."""
    quarter = _quarter()
    with unit_of_work() as uow:
        found = [u for u in unit_rows(uow.session) if u.id == unit_id]
    if not found:
        abort(404)
    svc = services()
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL)
    try:
        with unit_of_work() as uow:
            write_unit_pack(uow.session, svc.files, unit_id, quarter, now(), rules(), out)
        with unit_of_work() as uow:
            audit.record(uow.session, now(), actor(), audit.UNIT_PACK_DOWNLOADED,
                         f"{unit_id}:{quarter}", new={"quarter": str(quarter)}, unit_id=unit_id)
            uow.commit()
    except BaseException:
        out.close()
        raise
    out.seek(0)
    return send_file(out, mimetype="application/zip", as_attachment=True,
                     download_name=f"{file_name(found[0].name, 160)}-{quarter}-台账.zip")


@bp.get("/photo-flags")
def photo_flags_page():
    """Every flagged photo of the quarter: unit, month, time, why, its thumbnail."""
    quarter = _quarter()
    with unit_of_work() as uow:
        photos = quarter_flagged(uow.session, quarter)
    return render_template("admin/photo_flags.html", photos=photos, quarter=quarter,
                           earlier=quarter.prev(),
                           later=quarter.next() if quarter < current_quarter() else None)
