"""The office's commands: facts, waivers and exemptions, bonus and deductions, score tables."""
from __future__ import annotations

import sys
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from sqlalchemy import select

from bot import scores, tables
from bot.entries import add_bonus, add_deduction
from bot.rules import rules
from bot.services import build_services
from bot.undelivered import CHANNEL_WORDS, misses
from storage.db import migrate
from scoring import Month, Quarter, month_of
from storage import queries
from storage.db import UnitOfWork
from storage.models import MonthExcuse, Notice, Unit

BONUS_KINDS = {"host_event": None, "research_visit": ("central", "provincial", "municipal"),
               "endorsement": ("county", "municipal", "provincial", "central")}
DEDUCTION_KINDS = ("materials", "perfunctory", "falsified")


def add_parsers(sub) -> None:
    """Register the office's subcommands."""
    p = sub.add_parser("facts", help="office facts spreadsheet")
    fsub = p.add_subparsers(dest="facts_command", required=True)
    t = fsub.add_parser("template", help="write a spreadsheet with one row per unit")
    t.add_argument("--quarter", required=True)
    t.add_argument("file", type=Path)
    i = fsub.add_parser("import", help="read the spreadsheet back (all or nothing)")
    i.add_argument("file", type=Path)
    for name, help_text in (("waive", "excuse a unit's month afterwards (豁免)"),
                            ("exempt", "excuse a unit's month in advance (免报)")):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("unit")
        p.add_argument("month")
        p.add_argument("--reason", required=True)
    p = sub.add_parser("bonus", help="add a bonus entry (加分)")
    p.add_argument("unit")
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--kind", required=True, choices=sorted(BONUS_KINDS))
    p.add_argument("--level")
    p.add_argument("--date")
    p.add_argument("--note", default="")
    p = sub.add_parser("deduct", help="add a discretionary deduction (扣分)")
    p.add_argument("unit")
    p.add_argument("--year", type=int, required=True)
    p.add_argument("--points", required=True)
    p.add_argument("--kind", required=True, choices=DEDUCTION_KINDS)
    p.add_argument("--reason", required=True)
    p.add_argument("--date")
    p = sub.add_parser("remind", help="remind now every unit that owes this month's summary")
    p.add_argument("--dry-run", action="store_true", help="list who would get it, send nothing")
    p = sub.add_parser("notices", help="list the notices sent and failed")
    p.add_argument("--period", help="a month (2026-03) or quarter (2026Q1)")
    p.add_argument("--failed", action="store_true", help="only those that failed")
    p = sub.add_parser("scores", help="the quarter or year table")
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--quarter")
    group.add_argument("--year", type=int)
    p.add_argument("--format", choices=("table", "csv", "xlsx", "json"), default="table")
    p.add_argument("--output", type=Path, help="file to write (required for xlsx)")


def migrated_services(config):
    """Services on a database brought up to the newest schema first."""
    services = build_services(config)
    migrate(services.engine)
    return services


def fail(message: str) -> int:
    print(message, file=sys.stderr)
    return 2


def cmd_facts(args, config, actor: str) -> int:
    from bot.facts import FactsFileError, apply_facts, read_facts, write_template
    with migrated_services(config) as services, UnitOfWork(services.session_factory) as uow:
        if args.facts_command == "template":
            try:
                quarter = Quarter.parse(args.quarter)
            except ValueError as exc:
                return fail(f"季度写法不对：{exc}")
            n = write_template(uow.session, quarter, args.file)
            print(f"已写出 {quarter.label}模板：{args.file}（{n} 个单位）")
            return 0
        try:
            data = read_facts(uow.session, args.file)
        except FactsFileError as exc:
            return fail(f"导入失败，没有导入任何内容：\n{exc}")
        except OSError as exc:
            return fail(f"无法读取文件：{exc}")
        changed = apply_facts(uow.session, data, services.clock.now(), actor)
        uow.commit()
    stories = sum(len(v) for v in data.media.values())
    print(f"导入完成：{len(data.facts)} 行，其中 {changed} 个单位季度有变化；媒体宣传 {stories} 条")
    return 0


def cmd_excuse(args, config, actor: str) -> int:
    kind = "waived" if args.command == "waive" else "exempt"
    try:
        month = Month.parse(args.month)
    except ValueError as exc:
        return fail(f"月份写法不对：{exc}")
    if not args.reason.strip():
        return fail("必须写明原因（--reason）")
    with migrated_services(config) as services, UnitOfWork(services.session_factory) as uow:
        unit = queries.unit_by_name(uow.session, args.unit)
        if unit is None:
            return fail(f"没有名为「{args.unit}」的单位")
        now = services.clock.now()
        if kind == "waived" and month > month_of(now):
            return fail(f"{month.label}还没到，事先免报请用 exempt")
        row = queries.excuse(uow.session, unit.id, str(month))
        old = {"kind": row.kind, "reason": row.reason} if row else None
        if row is None:
            row = MonthExcuse(unit_id=unit.id, month=str(month), created_at=now,
                              created_by=actor, kind=kind, reason=args.reason)
            uow.session.add(row)
        row.kind, row.reason, row.created_by, row.created_at = kind, args.reason, actor, now
        queries.audit(uow.session, now, actor, kind, "month_excuse", f"{unit.id}:{month}", old,
                      {"kind": kind, "reason": args.reason})
        uow.commit()
    word = "豁免" if kind == "waived" else "免报"
    print(f"已将「{unit.name}」{month.label}的小结设为{word}：{args.reason}")
    return 0


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def cmd_bonus(args, config, actor: str) -> int:
    levels = BONUS_KINDS[args.kind]
    if levels is None and args.level:
        return fail(f"{args.kind} 没有级别，请去掉 --level")
    if levels is not None and args.level not in levels:
        return fail(f"--level 应为 {'、'.join(levels)} 之一")
    try:
        when = _date(args.date)
    except ValueError:
        return fail("--date 应写成 2026-03-15")
    with migrated_services(config) as services, UnitOfWork(services.session_factory) as uow:
        unit = queries.unit_by_name(uow.session, args.unit)
        if unit is None:
            return fail(f"没有名为「{args.unit}」的单位")
        add_bonus(uow.session, unit, args.year, kind=args.kind, level=args.level,
                  note=args.note, occurred_on=when, at=services.clock.now(), actor=actor)
        uow.commit()
    print(f"已为「{unit.name}」{args.year}年加分：{args.kind} {args.level or ''}".rstrip())
    return 0


def cmd_deduct(args, config, actor: str) -> int:
    try:
        points = Decimal(args.points)
        if not points.is_finite() or points <= 0:
            raise InvalidOperation
    except InvalidOperation:
        return fail("--points 应为正数，例如 1 或 0.5")
    if not args.reason.strip():
        return fail("必须写明原因（--reason）")
    try:
        when = _date(args.date)
    except ValueError:
        return fail("--date 应写成 2026-03-15")
    with migrated_services(config) as services, UnitOfWork(services.session_factory) as uow:
        unit = queries.unit_by_name(uow.session, args.unit)
        if unit is None:
            return fail(f"没有名为「{args.unit}」的单位")
        add_deduction(uow.session, unit, args.year, points=points, kind=args.kind,
                      reason=args.reason, occurred_on=when, at=services.clock.now(),
                      actor=actor)
        uow.commit()
    print(f"已为「{unit.name}」{args.year}年扣 {points} 分：{args.reason}")
    return 0


def cmd_scores(args, config, actor: str) -> int:
    if args.format == "xlsx" and not args.output:
        return fail("xlsx 格式需要 --output 文件名")
    with migrated_services(config) as services, UnitOfWork(services.session_factory) as uow:
        r, now = rules(config), services.clock.now()
        if args.quarter:
            try:
                quarter = Quarter.parse(args.quarter)
            except ValueError as exc:
                return fail(f"季度写法不对：{exc}")
            rows = scores.quarter_table(uow.session, quarter, now, r)
            title = f"{quarter.label}新时代文明实践工作考核得分"
            header, body = tables.quarter_rows(rows, r.rubric)
        else:
            rows = scores.year_table(uow.session, args.year, now, r)
            title = f"{args.year}年度新时代文明实践工作考核得分"
            header, body = tables.year_rows(rows)
    if args.format == "xlsx":
        if args.quarter:
            tables.quarter_xlsx(rows, r.rubric, title, args.output)
        else:
            tables.year_xlsx(rows, title, args.output)
        print(f"已写出 {args.output}（{len(rows)} 个单位）")
        return 0
    text = {"table": lambda: title + "\n" + tables.terminal(header, body),
            "csv": lambda: tables.to_csv(header, body),
            "json": lambda: tables.to_json(rows)}[args.format]()
    if args.output:
        args.output.write_text(text, encoding="utf-8-sig" if args.format == "csv" else "utf-8")
        print(f"已写出 {args.output}（{len(rows)} 个单位）")
    else:
        print(text)
    return 0


def cmd_remind(args, config, actor: str) -> int:
    from bot.notices import MANUAL, fire, plan
    from bot.schedule import Occurrence
    with migrated_services(config) as services:
        now = services.clock.now()
        occ = Occurrence(now, MANUAL, str(month_of(now)),
                         slot=int(now.timestamp()))
        with UnitOfWork(services.session_factory) as uow:
            planned = plan(uow.session, occ, now, rules(config), "")
            names = dict(uow.session.execute(select(Unit.id, Unit.name)).tuples().all())
        for entry in planned:
            print(f"{names[entry['unit_id']]}\t{entry['channel']}\t{'、'.join(entry['recipients'])}")
        units = len({e["unit_id"] for e in planned})
        if args.dry_run:
            print(f"（试运行）{occ.period} 将提醒 {units} 个单位、{len(planned)} 组联络员，未发送")
            return 0
        fire(services, occ)
        from bot.worker import Worker
        Worker(services).run_once()
        print(f"已提醒 {units} 个单位；发送结果用 python -m bot notices --period {occ.period} 查看")
    return 0


def cmd_notices(args, config, actor: str) -> int:
    from bot.handlers.texts import clock_text
    with migrated_services(config) as services, UnitOfWork(services.session_factory) as uow:
        query = select(Notice, Unit.name).join(Unit, isouter=True).order_by(Notice.id)
        if args.period:
            query = query.where(Notice.period == args.period)
        if args.failed:
            query = query.where(Notice.state == "failed")
        rows = uow.session.execute(query).all()
        missed = misses(uow.session, args.period) if args.failed else []
    for notice, name in rows:
        when = clock_text(notice.sent_at or notice.created_at)
        extra = f"\t失败：{notice.error}" if notice.state == "failed" else ""
        print(f"{when}\t{notice.kind}\t{notice.period}\t{name or '中心办公室'}\t"
              f"{notice.channel}\t{notice.state}\t{len(notice.recipients)}人{extra}")
    print(f"共 {len(rows)} 条")
    if args.failed:
        print(f"未送达 {len(missed)} 人次（时间、单位、联络员、渠道和账号、内容、原因）：")
        for m in missed:
            print(f"{clock_text(m.at)}\t{m.unit or '（未绑定单位）'}\t{m.liaison or '-'}\t"
                  f"{CHANNEL_WORDS.get(m.channel, m.channel)} {m.user_id}\t"
                  f"{m.what}{' ' + m.period if m.period else ''}\t{m.reason}")
    return 0


COMMANDS = {"remind": cmd_remind, "notices": cmd_notices, "facts": cmd_facts, "waive": cmd_excuse, "exempt": cmd_excuse,
            "bonus": cmd_bonus, "deduct": cmd_deduct, "scores": cmd_scores}
