"""The office's commands: facts, waivers and exemptions, bonus and deductions, score tables."""
from __future__ import annotations

import sys
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path

from bot import score_sheets, scores, tables
from bot.bootstrap import build_services
from bot.office.entries import EntryRefused, add_bonus, add_deduction, set_excuse
from bot.office.facts import FactsFileError, apply_facts
from bot.office.facts_reader import read_facts
from bot.office.facts_sheet import write_template
from bot.rules import rubric_versions
from scoring import Month, Quarter
from storage import queries
from storage.db import UnitOfWork, migrate


def add_parsers(sub) -> None:
    """Register the office's subcommands."""
    p = sub.add_parser("facts", help="考核事实表格：导出模板、导入")
    fsub = p.add_subparsers(dest="facts_command", required=True)
    t = fsub.add_parser("template", help="写出每个单位一行的表格（含已录入的内容）")
    t.add_argument("--quarter", required=True, help="季度，例如 2026Q1")
    t.add_argument("file", type=Path, help="写出的 xlsx 文件")
    i = fsub.add_parser("import", help="导入填好的表格（有一处错误就全部不导入）")
    i.add_argument("file", type=Path, help="填好的 xlsx 文件")
    for name, help_text in (("waive", "事后豁免某单位某月的小结"),
                            ("exempt", "事先免报某单位某月的小结")):
        p = sub.add_parser(name, help=help_text)
        p.add_argument("unit", help="单位全称")
        p.add_argument("month", help="月份，例如 2026-02")
        p.add_argument("--reason", required=True, help="原因（必填）")
    p = sub.add_parser("bonus", help="录入一条加分")
    p.add_argument("unit", help="单位全称")
    p.add_argument("--year", type=int, required=True, help="计入的年度")
    p.add_argument("--kind", required=True,
                   help="加分类别：评分细则 [year.bonus] 中的键（python -m scoring check 列出）")
    p.add_argument("--level", help="级别（分级别的类别必填）：评分细则 [year] levels 中的键")
    p.add_argument("--date", help="发生日期，例如 2026-03-15")
    p.add_argument("--note", default="", help="备注")
    p = sub.add_parser("deduct", help="录入一条扣分（须写明原因）")
    p.add_argument("unit", help="单位全称")
    p.add_argument("--year", type=int, required=True, help="计入的年度")
    p.add_argument("--points", required=True, help="扣分分值，例如 1 或 0.5")
    p.add_argument("--kind", required=True,
                   help="扣分类别：评分细则 [year.deductions] 中的键（python -m scoring check 列出）")
    p.add_argument("--reason", required=True, help="原因（必填）")
    p.add_argument("--date", help="发生日期，例如 2026-03-15")
    p = sub.add_parser("scores", help="季度或年度得分表")
    group = p.add_mutually_exclusive_group(required=True)
    group.add_argument("--quarter", help="季度，例如 2026Q1")
    group.add_argument("--year", type=int, help="年度，例如 2026")
    p.add_argument("--format", choices=("table", "csv", "xlsx", "json"), default="table",
                   help="输出格式（默认 table：终端表格）")
    p.add_argument("--output", type=Path, help="写入的文件（xlsx 格式必填）")


def migrated_services(config, clock=None):
    """Services on a database brought up to the newest schema first (a test may set the clock)."""
    services = build_services(config, clock=clock)
    migrate(services.engine)
    return services


def fail(message: str) -> int:
    print(message, file=sys.stderr)
    return 2


def cmd_facts(args, config, actor: str) -> int:
    with migrated_services(config) as services, UnitOfWork(services.session_factory) as uow:
        rubric = services.conversation.current_rules.get(uow.session).rubric
        if args.facts_command == "template":
            try:
                quarter = Quarter.parse(args.quarter)
            except ValueError as exc:
                return fail(f"季度写法不对：{exc}")
            n = write_template(uow.session, quarter, args.file, rubric.for_quarter(quarter))
            print(f"已写出 {quarter.label}模板：{args.file}（{n} 个单位）")
            return 0
        try:
            data = read_facts(uow.session, args.file, rubric)
        except FactsFileError as exc:
            return fail(f"导入失败，没有导入任何内容：\n{exc}")
        except OSError as exc:
            return fail(f"无法读取文件：{exc}")
        changed = apply_facts(uow.session, data, services.clock.now(), actor)
        uow.commit()
    stories = sum(len(v) for v in data.media.values())
    print(f"导入完成：{len(data.facts)} 行，其中 {changed} 个单位季度有变化；媒体宣传 {stories} 条")
    for warning in data.warnings:
        print(f"请核实：{warning}")
    return 0


def cmd_excuse(args, config, actor: str) -> int:
    kind = "waived" if args.command == "waive" else "exempt"
    try:
        month = Month.parse(args.month)
    except ValueError as exc:
        return fail(f"月份写法不对：{exc}")
    if not args.reason.strip():
        return fail("必须写明原因（--reason）")
    word = "豁免" if kind == "waived" else "免报"
    try:
        return _on_unit(config, args.unit, lambda session, unit, at: set_excuse(
            session, unit, month, kind=kind, reason=args.reason, at=at, actor=actor),
            f"已将「{args.unit}」{month.label}的小结设为{word}：{args.reason}")
    except EntryRefused as exc:
        return fail(f"{exc}（命令 exempt）")


def _date(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def _kinds(words: dict, what: str) -> str:
    return f"{what}应为 " + "、".join(f"{k}（{w}）" for k, w in words.items()) + " 之一"


def cmd_bonus(args, config, actor: str) -> int:
    year = rubric_versions(config).for_year(args.year).year   # the version scoring the year
    if args.kind not in year.bonus:
        return fail(_kinds({k: b.label for k, b in year.bonus.items()}, "--kind "))
    levels = year.bonus[args.kind].levels()
    if not levels and args.level:
        return fail(f"{args.kind} 没有级别，请去掉 --level")
    if levels and args.level not in levels:
        return fail(_kinds({lv: year.levels.get(lv, lv) for lv in levels}, "--level "))
    try:
        when = _date(args.date)
    except ValueError:
        return fail("--date 应写成 2026-03-15")
    return _on_unit(config, args.unit, lambda session, unit, at: add_bonus(
        session, unit, args.year, kind=args.kind, level=args.level, note=args.note,
        occurred_on=when, at=at, actor=actor),
        f"已为「{args.unit}」{args.year}年加分：{args.kind} {args.level or ''}".rstrip())


def cmd_deduct(args, config, actor: str) -> int:
    kinds = rubric_versions(config).for_year(args.year).year.deductions
    if args.kind not in kinds:
        return fail(_kinds(kinds, "--kind "))
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
    return _on_unit(config, args.unit, lambda session, unit, at: add_deduction(
        session, unit, args.year, points=points, kind=args.kind, reason=args.reason,
        occurred_on=when, at=at, actor=actor),
        f"已为「{args.unit}」{args.year}年扣 {points} 分：{args.reason}")


def _on_unit(config, name: str, change, done: str) -> int:
    """Apply `change(session, unit, now)` to the unit named `name` and commit; say `done`."""
    with migrated_services(config) as services, UnitOfWork(services.session_factory) as uow:
        unit = queries.unit_by_name(uow.session, name)
        if unit is None:
            return fail(f"没有名为「{name}」的单位")
        change(uow.session, unit, services.clock.now())
        uow.commit()
    print(done)
    return 0


def cmd_scores(args, config, actor: str) -> int:
    if args.format == "xlsx" and not args.output:
        return fail("xlsx 格式需要 --output 文件名")
    with migrated_services(config) as services, UnitOfWork(services.session_factory) as uow:
        r, now = services.conversation.current_rules.get(uow.session), services.clock.now()
        if args.quarter:
            try:
                quarter = Quarter.parse(args.quarter)
            except ValueError as exc:
                return fail(f"季度写法不对：{exc}")
            rows = scores.quarter_table(uow.session, quarter, now, r)
            title = f"{quarter.label}新时代文明实践工作考核得分"
            header, body = tables.quarter_rows(rows, r.rubric.for_quarter(quarter))
        else:
            rows = scores.year_table(uow.session, args.year, now, r)
            title = f"{args.year}年度新时代文明实践工作考核得分"
            header, body = tables.year_rows(rows, r.rubric.for_year(args.year))
    if args.format == "xlsx":
        if args.quarter:
            score_sheets.quarter_xlsx(rows, r.rubric.for_quarter(quarter), title, args.output)
        else:
            score_sheets.year_xlsx(rows, r.rubric.for_year(args.year), title, args.output)
        print(f"已写出 {args.output}（{len(rows)} 个单位）")
        return 0
    version = r.rubric.for_quarter(quarter) if args.quarter else r.rubric.for_year(args.year)
    text = {"table": lambda: "\n".join((title, tables.version_line(version), tables.terminal(
                header[:-1], [b[:-1] for b in body]))),
            "csv": lambda: tables.to_csv(header, body),
            "json": lambda: tables.to_json(rows)}[args.format]()
    if args.output:
        args.output.write_text(text, encoding="utf-8-sig" if args.format == "csv" else "utf-8")
        print(f"已写出 {args.output}（{len(rows)} 个单位）")
    else:
        print(text)
    return 0


COMMANDS = {"facts": cmd_facts, "waive": cmd_excuse, "exempt": cmd_excuse,
            "bonus": cmd_bonus, "deduct": cmd_deduct, "scores": cmd_scores}
