"""python -m bot quarter-total: a unit's quarter total entered by hand, with its reason
(a quarter assessed outside the bot), or removed again; audited."""
from __future__ import annotations

from bot.cli_office import fail, migrated_services
from bot.office.quarter_totals import clean_reason, parse_total, remove_total, set_total
from scoring import Quarter
from storage import queries
from storage.db import UnitOfWork


def add_parsers(sub) -> None:
    """Register the quarter-total subcommand."""
    p = sub.add_parser("quarter-total",
                       help="手工录入某单位的季度总分（在本系统之外考核的季度），或用 --remove 删除")
    p.add_argument("unit", help="单位全称")
    p.add_argument("quarter", help="季度，例如 2026Q1")
    p.add_argument("total", nargs="?", help="总分，例如 86.5")
    p.add_argument("--reason", help="手工录入的原因（必填）")
    p.add_argument("--remove", action="store_true", help="删除手工录入的总分")


def cmd_quarter_total(args, config, actor: str) -> int:
    try:
        quarter = Quarter.parse(args.quarter)
    except ValueError as exc:
        return fail(f"季度写法不对：{exc}")
    if args.remove == (args.total is not None):
        return fail("请给出总分（例如 86.5 --reason \"……\"），或用 --remove 删除手工总分")
    if not args.remove:
        try:
            total = parse_total(args.total)
        except ValueError as exc:
            return fail(str(exc))
        try:
            reason = clean_reason(args.reason)
        except ValueError as exc:
            return fail(f"{exc}（--reason）")
    with migrated_services(config) as services, UnitOfWork(services.session_factory) as uow:
        unit = queries.unit_by_name(uow.session, args.unit)
        if unit is None:
            return fail(f"没有名为「{args.unit}」的单位")
        at = services.clock.now()
        if args.remove:
            changed = remove_total(uow.session, unit, quarter, at, actor)
            message = (f"已删除「{unit.name}」{quarter.label}手工录入的总分" if changed
                       else f"「{unit.name}」{quarter.label}没有手工录入的总分")
        else:
            changed = set_total(uow.session, unit, quarter, total, reason, at, actor)
            message = (f"已手工录入「{unit.name}」{quarter.label}总分 {total.normalize():f}："
                       f"{reason}" if changed else "没有变化")
        uow.commit()
    print(message)
    return 0


COMMANDS = {"quarter-total": cmd_quarter_total}
