"""`python -m bot remind` and `python -m bot notices`: reminders by hand, the sent-log."""
from __future__ import annotations

import sys

from sqlalchemy import select

from bot.cli_office import migrated_services
from bot.handlers.texts import clock_text
from bot.messages import CHANNEL_WORDS
from bot.worker import Worker
from bot.worker.manual_reminders import ManualRun, audit_run, owing_now
from bot.worker.notices import fire
from bot.worker.schedule import next_allowed
from bot.worker.undelivered import misses
from scoring import LOCAL_TZ
from scoring.holidays import WEEKDAY_NAMES
from storage.db import UnitOfWork
from storage.models import Notice, Unit

KIND_WORDS = {"reminder": "截止前提醒", "manual": "手动提醒", "missed": "逾期提醒",
              "digest": "办公室汇总", "quarter_result": "季度结果"}
STATE_WORDS = {"pending": "待发送", "sent": "已发送", "recorded": "已记录（未配置群机器人）",
               "failed": "发送失败"}


def add_parsers(sub) -> None:
    """Register `remind` and `notices`."""
    p = sub.add_parser("remind", help="现在提醒本月小结还没报齐的单位（仅限提醒时段）",
                       description="现在提醒本月小结还没报齐的单位。不在提醒时段（工作日的"
                                   " [reminders] quiet_start 至 quiet_end）时拒绝发送，"
                                   "并给出下一个可以发送的时间。")
    p.add_argument("--dry-run", action="store_true",
                   help="只列出每个单位还差什么、会提醒哪些联络员，不发送")
    p.add_argument("--now", action="store_true", help="不在提醒时段也立即发送")
    p = sub.add_parser("notices", help="列出已发送和发送失败的提醒与通知")
    p.add_argument("--period", help="月份（2026-03）或季度（2026Q1）")
    p.add_argument("--failed", action="store_true", help="只列出发送失败的")


def when(at) -> str:
    """A local instant with its weekday: 2026-03-20 08:30（周五）."""
    local = at.astimezone(LOCAL_TZ)
    return f"{local:%Y-%m-%d %H:%M}（周{WEEKDAY_NAMES[local.weekday()]}）"


def print_run(run: ManualRun) -> None:
    """Each unit that owes: what its month holds and who would be reminded."""
    for unit in run.units:
        print(f"{unit.name}：{unit.holds}；联络员：{'、'.join(r.label for r in unit.liaisons)}")
    if run.weekdays_only:
        years = "、".join(sorted({f"{d.year}年" for d in run.weekdays_only}))
        print(f"注意：{run.month.label}的截止日和提醒日只按周一至周五判断（{years}的放假调休安排"
              "尚未录入，法定日历包也不含），请在办公室控制台「节假日安排」录入。")


def cmd_remind(args, config, actor: str, clock=None) -> int:
    with migrated_services(config, clock) as services:
        now, rules = services.clock.now(), services.conversation.rules
        cfg = services.config.reminders
        allowed = next_allowed(now, cfg, rules.deadline)  # None: now is within the hours
        refused = allowed is not None and not args.now
        with UnitOfWork(services.session_factory) as uow:
            run = owing_now(uow.session, now, rules)
            outcome = "dry_run" if args.dry_run else "refused" if refused else "sent"
            audit_run(uow.session, run, now, actor, outcome, forced=args.now,
                      next_allowed=allowed.isoformat() if allowed else None)
            uow.commit()
        hours = f"工作日 {cfg.quiet_start}–{cfg.quiet_end}"
        if args.dry_run:
            print_run(run)
            print(f"（试运行）{run.month.label}小结提醒将发给 {run.counts}，没有发送。")
            if refused:
                print(f"现在（{when(now)}）不在提醒时段（{hours}），实际发送会被拒绝；"
                      f"下一个可以发送的时间：{when(allowed)}。")
            return 0
        if refused:
            print(f"现在（{when(now)}）不在提醒时段（{hours}），没有发送。\n"
                  f"下一个可以发送的时间：{when(allowed)}。确需现在发送，请加 --now。",
                  file=sys.stderr)
            return 2
        fire(services, run.occurrence(now))
        Worker(services).run_once()
        print(f"已提醒 {run.counts}；发送结果用 python -m bot notices --period {run.month} 查看。")
    return 0


def cmd_notices(args, config, actor: str, clock=None) -> int:
    with migrated_services(config, clock) as services, UnitOfWork(services.session_factory) as uow:
        query = select(Notice, Unit.name).join(Unit, isouter=True).order_by(Notice.id)
        if args.period:
            query = query.where(Notice.period == args.period)
        if args.failed:
            query = query.where(Notice.state == "failed")
        rows = uow.session.execute(query).all()
        missed = misses(uow.session, args.period) if args.failed else []
    for notice, name in rows:
        at = clock_text(notice.sent_at or notice.created_at)
        extra = f"\t失败原因：{notice.error}" if notice.state == "failed" else ""
        channel = CHANNEL_WORDS.get(notice.channel, "仅记录" if notice.channel == "log"
                                    else notice.channel)
        print(f"{at}\t{KIND_WORDS.get(notice.kind, notice.kind)}\t{notice.period}\t"
              f"{name or '中心办公室'}\t{channel}\t{STATE_WORDS.get(notice.state, notice.state)}\t"
              f"{len(notice.recipients)} 人{extra}")
    print(f"共 {len(rows)} 条")
    if args.failed:
        print(f"未送达 {len(missed)} 人次（时间、单位、联络员、渠道和账号、内容、原因）：")
        for m in missed:
            print(f"{clock_text(m.at)}\t{m.unit or '（未绑定单位）'}\t{m.liaison or '-'}\t"
                  f"{CHANNEL_WORDS.get(m.channel, m.channel)} {m.user_id}\t"
                  f"{m.what}{' ' + m.period if m.period else ''}\t{m.reason}")
    return 0


COMMANDS = {"remind": cmd_remind, "notices": cmd_notices}
