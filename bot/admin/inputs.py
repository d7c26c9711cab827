"""The office's inputs for a unit's quarter (every rubric fact, media stories), and the
facts spreadsheet: the same template and import as `python -m bot facts`."""
from __future__ import annotations

import tempfile
from io import BytesIO
from pathlib import Path, PurePath

from flask import redirect, render_template, request, send_file, url_for
from sqlalchemy import select

from bot import audit
from bot.admin.unit_page import chosen_quarter, load_unit, unit_score
from bot.admin.web import actor, bp, flash_error, flash_ok, memo, now, rules, unit_of_work
from bot.office.fact_fields import loaded, story_levels, unit_fields
from bot.office.fact_values import as_stored, last_change, unit_values
from bot.office.facts import FactsFileError, FactsImport, apply_facts
from bot.office.facts_reader import read_facts
from bot.office.facts_sheet import write_template
from bot.office.forms import EXCUSE_WORDS, fact_values, form_rows, story_values, warnings
from bot.office.quarter_totals import hand_total
from bot.office.rubric_words import RubricWords
from scoring import Quarter, month_of
from storage.models import BonusEntry, Deduction, MediaStory, MonthExcuse

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def render_inputs(unit_id: int, quarter: Quarter, entered=None, problems=(), status=200,
                  entered_total=None, total_problems=(), warnings=()):
    """The inputs page; `entered` (`entered_total`) keeps what was typed when the facts
    form (the hand-entered total's form) had problems or warnings to confirm."""
    at = now()
    with unit_of_work() as uow:
        session = uow.session
        unit = load_unit(session, unit_id)
        total = hand_total(session, unit.id, quarter)
        stored = unit_values(session, unit.id, quarter)
        changed = last_change(session, unit.id, quarter)
        stories = session.scalars(select(MediaStory).where(
            MediaStory.unit_id == unit.id, MediaStory.quarter == str(quarter))
            .order_by(MediaStory.id)).all()
        bonus = session.scalars(select(BonusEntry).where(
            BonusEntry.unit_id == unit.id, BonusEntry.year == quarter.year)
            .order_by(BonusEntry.id)).all()
        deductions = session.scalars(select(Deduction).where(
            Deduction.unit_id == unit.id, Deduction.year == quarter.year)
            .order_by(Deduction.id)).all()
        excuses = {e.month: e for e in session.scalars(select(MonthExcuse).where(
            MonthExcuse.unit_id == unit.id,
            MonthExcuse.month.in_([str(m) for m in quarter.months()])))}
        score = unit_score(session, unit, quarter, at)
    version = rules().rubric.for_quarter(quarter)
    fields = unit_fields(version, unit.category)
    typed = {f.key: loaded(f, stored.get(f.fact)) for f in fields}
    return render_template(
        "admin/inputs.html", unit=unit, quarter=quarter, changed=changed,
        rows=form_rows(fields, typed, entered), problems=problems, warnings=warnings,
        rubric=version, stories=stories, bonus=bonus, deductions=deductions,
        excuses=excuses, score=score, current=month_of(at), level_words=story_levels(version),
        year_rules=rules().rubric.for_year(quarter.year).year,
        entry_words=RubricWords.of(rules().rubric),
        excuse_words=EXCUSE_WORDS, earlier=quarter.prev(), later=quarter.next(),
        total=total, total_text=f"{total.total.normalize():f}" if total else "",
        total_problems=total_problems,
        entered_total=entered_total or ({"total": f"{total.total.normalize():f}",
                                         "reason": total.reason} if total else {})), status


def current_quarter() -> Quarter:
    return month_of(now()).quarter


def form_quarter() -> Quarter:
    return chosen_quarter(request.values.get("quarter"), current_quarter())


@bp.get("/units/<int:unit_id>/inputs")
def inputs(unit_id: int):
    """Every input of a unit's quarter on one page."""
    return render_inputs(unit_id, form_quarter())


@bp.post("/units/<int:unit_id>/facts")
def save_facts(unit_id: int):
    """Store the quarter's facts (blank: not entered yet); audited."""
    quarter = form_quarter()
    with unit_of_work() as uow:
        category = load_unit(uow.session, unit_id).category
    version = rules().rubric.for_quarter(quarter)
    fields = unit_fields(version, category)
    values, problems = fact_values(request.form, fields)
    if problems:
        return render_inputs(unit_id, quarter, entered=request.form, problems=problems,
                             status=400)
    doubts = warnings(version, fields, values)
    if doubts and request.form.get("confirm") != "1":
        return render_inputs(unit_id, quarter, entered=request.form, warnings=doubts)
    with unit_of_work() as uow:
        unit = load_unit(uow.session, unit_id)
        changed = apply_facts(uow.session, FactsImport(
            facts=[(unit, quarter, as_stored(fields, values))]), now(), actor())
        uow.commit()
    flash_ok(f"已保存「{unit.name}」{quarter.label}的考核事实。" if changed else "没有变化。")
    return redirect(url_for("admin.inputs", unit_id=unit_id, quarter=str(quarter)))


@bp.post("/units/<int:unit_id>/stories")
def add_story(unit_id: int):
    """Add a media story of the quarter; audited."""
    quarter = form_quarter()
    levels = story_levels(rules().rubric.for_quarter(quarter))
    values, problems = story_values(request.form, levels)
    at = now()
    if problems:
        flash_error("；".join(problems))
    else:
        with unit_of_work() as uow:
            unit = load_unit(uow.session, unit_id)
            story = MediaStory(unit_id=unit.id, quarter=str(quarter), created_at=at,
                               created_by=actor(), **values)
            uow.session.add(story)
            uow.session.flush()
            audit.record(uow.session, at, actor(), audit.STORY_ADDED, story.id, None,
                         {**values, "unit": unit.name, "quarter": str(quarter),
                          "published_on": str(values["published_on"] or "")}, unit_id=unit.id)
            uow.commit()
        flash_ok(f"已添加媒体宣传：{values['story']}（{levels[values['level']]}）")
    return redirect(url_for("admin.inputs", unit_id=unit_id, quarter=str(quarter)) + "#media")


@bp.post("/stories/<int:story_id>/delete")
def delete_story(story_id: int):
    """Remove a media story entered by mistake; audited with what it was."""
    with unit_of_work() as uow:
        story = uow.session.get(MediaStory, story_id)
        if story is None:
            flash_error("这条媒体宣传已不存在。")
            return redirect(url_for("admin.board"))
        unit_id, quarter = story.unit_id, story.quarter
        audit.record(uow.session, now(), actor(), audit.STORY_DELETED, story.id,
                     {"story": story.story, "level": story.level, "quarter": quarter}, None,
                     unit_id=unit_id)
        uow.session.delete(story)
        uow.commit()
    flash_ok("已删除这条媒体宣传。")
    return redirect(url_for("admin.inputs", unit_id=unit_id, quarter=quarter) + "#media")


@bp.get("/facts")
def facts_page():
    """Download the quarter's template; upload it filled in."""
    return render_template("admin/facts.html", quarter=form_quarter(), problems=(),
                           current=current_quarter())


@bp.get("/facts/template.xlsx")
def facts_template():
    """The spreadsheet with one row per unit and what is entered so far."""
    quarter = form_quarter()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "facts.xlsx"
        with unit_of_work() as uow:
            write_template(uow.session, quarter, path, rules().rubric.for_quarter(quarter),
                           memo())
        data = path.read_bytes()
    return send_file(_bytes(data), mimetype=XLSX, as_attachment=True,
                     download_name=f"考核事实模板-{quarter}.xlsx")


@bp.post("/facts/import")
def facts_import():
    """Read the filled-in spreadsheet back, all or nothing; audited like the CLI's import."""
    upload = request.files.get("file")
    quarter = form_quarter()
    suffix = PurePath(upload.filename or "").suffix.lower() if upload else ""
    if upload is None or suffix not in (".xlsx", ".csv"):
        return render_template("admin/facts.html", quarter=quarter, current=current_quarter(),
                               problems=["请选择用模板填好的 .xlsx（或 .csv）文件。"]), 400
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"upload{suffix}"
        upload.save(path)
        with unit_of_work() as uow:
            try:
                data = read_facts(uow.session, path, rules().rubric)
            except FactsFileError as exc:
                return render_template("admin/facts.html", quarter=quarter,
                                       current=current_quarter(), problems=exc.problems), 400
            except Exception as exc:  # an untrusted file: whatever breaks reading it is its fault
                return render_template("admin/facts.html", quarter=quarter,
                                       current=current_quarter(),
                                       problems=[f"无法读取这个文件：{exc}"]), 400
            changed = apply_facts(uow.session, data, now(), actor())
            uow.commit()
    stories = sum(len(v) for v in data.media.values())
    flash_ok(f"导入完成：{len(data.facts)} 行，其中 {changed} 个单位季度有变化；媒体宣传 {stories} 条。")
    for warning in data.warnings:
        flash_error(f"请核实：{warning}")
    return redirect(url_for("admin.facts_page", quarter=str(quarter)))


def _bytes(data: bytes) -> BytesIO:
    return BytesIO(data)
