"""`python -m bot calendar show YEAR`: the year's weekdays off and weekend days at work,
each with where its judgement comes from (the office, the config, the package)."""
from __future__ import annotations

from bot.cli_office import fail, migrated_services
from scoring import package_knows
from scoring.holidays import WEEKDAY_NAMES


def add_parsers(sub) -> None:
    """Register `calendar show`."""
    p = sub.add_parser("calendar", help="法定节假日和调休安排")
    csub = p.add_subparsers(dest="calendar_command", required=True)
    s = csub.add_parser("show", help="列出一年中放假的工作日和上班的周末，及其来源")
    s.add_argument("year", type=int, help="年份，例如 2027")


def cmd_calendar(args, config, actor: str, clock=None) -> int:
    if not 2000 <= args.year <= 2100:
        return fail(f"年份不对：{args.year}")
    with migrated_services(config, clock) as services:
        calendar = services.conversation.rules.deadline.calendar
    year = args.year
    if calendar.office_knows(year):
        print(f"{year}年：按办公室录入的放假调休安排判断（优先于法定日历包和配置文件）。")
    elif package_knows(year):
        print(f"{year}年：按法定日历包（chinesecalendar）判断，配置文件所列日子优先；办公室没有录入。")
    else:
        print(f"{year}年：办公室没有录入放假调休安排，法定日历包也不含该年；"
              "除配置文件所列日子外，只按周一至周五判断。请在办公室控制台「节假日安排」录入。")
    days = calendar.unusual_days(year)
    for day in days:
        kind = "上班" if day.workday else "休息"
        print(f"{day.day.isoformat()}\t周{WEEKDAY_NAMES[day.day.weekday()]}\t{kind}\t"
              f"{day.name or '—'}\t{day.source.label}（{day.source.value}）")
    off = sum(1 for d in days if not d.workday)
    print(f"共 {off} 个放假的工作日、{len(days) - off} 个上班的周末日。")
    overridden = calendar.overridden(year)
    if overridden:
        print("配置文件 [deadline] extra_holidays / extra_workdays 中的 "
              f"{'、'.join(d.isoformat() for d in overridden)} 已由办公室录入的安排取代。")
    return 0


COMMANDS = {"calendar": cmd_calendar}
