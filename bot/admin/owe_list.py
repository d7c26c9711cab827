"""Who still owes the open month (the board's 只看未报齐): what each unit lacks and when it was
last reminded; the list as xlsx; and the button that reminds exactly those units, after a
confirmation naming the count, through the one manual path the CLI uses
(bot/worker/manual_reminders.py `remind_now`)."""
from __future__ import annotations

from io import BytesIO

from flask import redirect, render_template, request, send_file, url_for

from bot.admin.inputs import XLSX
from bot.admin.web import actor, bp, flash_error, flash_ok, now, rules, services, unit_of_work
from bot.office.owe_sheet import last_words, write_xlsx
from bot.rules import category_titles
from bot.worker.manual_reminders import owe_list, owing_now, refusal, remind_now
from bot.worker.manual_results import last_run
from bot.worker.schedule import next_allowed
from scoring import local


def chosen_category() -> str | None:
    """The category filter of the request (query or form), if it names one of the
    rubric's."""
    category = request.values.get("category") or None
    return category if category in rules().rubric.categories() else None


def back(category: str | None):
    return redirect(url_for("admin.board", owe=1, category=category or "") + "#owe")


def page(category: str | None, **shared):
    """The board showing only the units that still owe the open month."""
    at = now()
    with unit_of_work() as uow:
        month, owing = owe_list(uow.session, at, rules(), category)
        run = owing_now(uow.session, at, rules(), [u.unit_id for u in owing])
        last = last_run(uow.session, month)
    cfg = services().config.reminders
    return render_template(
        "admin/board.html", owe=True, month=month, owing=owing, run=run, last=last,
        last_words=last_words, completion=rules().completion, reminders=cfg,
        outside=next_allowed(at, cfg, rules().deadline), category=category, **shared)


@bp.get("/board/owe.xlsx")
def owe_export():
    """The units that still owe the open month, as a sheet (the category as on the page)."""
    with unit_of_work() as uow:
        month, owing = owe_list(uow.session, now(), rules(), chosen_category())
    out = BytesIO()
    write_xlsx(month, owing, category_titles(rules().rubric), out)
    out.seek(0)
    name = f"{month.label}未报齐单位-{local(now()):%Y%m%d}.xlsx"
    return send_file(out, mimetype=XLSX, as_attachment=True, download_name=name)


@bp.post("/board/remind")
def remind():
    """Step 1: the units the reminder would reach, to confirm; refused outside the hours."""
    category, at = chosen_category(), now()
    with unit_of_work() as uow:
        _, owing = owe_list(uow.session, at, rules(), category)
        ids = [u.unit_id for u in owing]
        run = owing_now(uow.session, at, rules(), ids)
    if next_allowed(at, services().config.reminders, rules().deadline) is not None:
        return _refused(category, remind_now(services(), actor(), unit_ids=ids))
    if not run.units:
        flash_error("没有可以提醒的单位：还没报齐的单位今天都已提醒过，或没有绑定联络员。")
        return back(category)
    return render_template("admin/remind_confirm.html", run=run, category=category)


@bp.post("/board/remind/confirm")
def remind_confirm():
    """Step 2: remind the units confirmed (those still owing and not reminded today)."""
    category = chosen_category()
    ids = [int(v) for v in request.form.getlist("unit") if v.isdigit()]
    done = remind_now(services(), actor(), unit_ids=ids)
    if done.outcome == "refused":
        return _refused(category, done)
    skipped = (f"（{len(done.run.skipped)} 个单位今天已提醒过，没有再提醒）"
               if done.run.skipped else "")
    flash_ok(f"已提醒 {done.run.counts}{skipped}。提醒由后台任务发送，发送结果见本页"
             "「上次手动提醒」。")
    return back(category)


def _refused(category: str | None, done):
    flash_error(refusal(now(), done.next_allowed, services().config.reminders))
    return back(category)
