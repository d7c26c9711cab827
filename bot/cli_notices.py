"""`python -m bot remind` and `python -m bot notices`: reminders by hand, the sent-log."""
from __future__ import annotations

import sys

from sqlalchemy import select

from bot.cli_office import migrated_services
from bot.handlers.texts import clock_text
from bot.messages import CHANNEL_WORDS
from bot.worker import Worker
from bot.worker.manual_reminders import ManualRun, refusal, remind_now, when
from bot.worker.manual_results import STATE_WORDS
from bot.worker.undelivered import misses
from bot.worker.unit_notices import KIND_WORDS as OFFICE_NOTICE_WORDS
from storage.db import UnitOfWork
from storage.models import Notice, Unit

KIND_WORDS = {"reminder": "截止前提醒", "manual": "手动提醒", "missed": "逾期提醒",
              "digest": "办公室汇总", "quarter_result": "季度结果", **OFFICE_NOTICE_WORDS}


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


def print_run(run: ManualRun) -> None:
    """Each unit that owes: what its month holds and who would be reminded; who is left out."""
    for unit in run.units:
        print(f"{unit.name}：{unit.holds}；联络员：{'、'.join(r.label for r in unit.liaisons)}")
    if run.skipped:
        print(f"今天已提醒过，不再提醒（每个单位每天至多一次）：{'、'.join(u.name for u in run.skipped)}")
    if run.unreachable:
        print(f"没有绑定联络员，无法提醒：{'、'.join(u.name for u in run.unreachable)}")
    if run.weekdays_only:
        years = "、".join(sorted({f"{d.year}年" for d in run.weekdays_only}))
        print(f"注意：{run.month.label}的截止日和提醒日只按周一至周五判断（{years}的放假调休安排"
              "尚未录入，法定日历包也不含），请在办公室控制台「节假日安排」录入。")


def cmd_remind(args, config, actor: str, clock=None) -> int:
    with migrated_services(config, clock) as services:
        done = remind_now(services, actor, dry_run=args.dry_run, force=args.now)
        run, allowed, now = done.run, done.next_allowed, services.clock.now()
        cfg = services.config.reminders
        if args.dry_run:
            print_run(run)
            print(f"（试运行）{run.month.label}小结提醒将发给 {run.counts}，没有发送。")
            if allowed is not None and not args.now:
                print(f"现在（{when(now)}）不在提醒时段（工作日 {cfg.quiet_start}–{cfg.quiet_end}），"
                      f"实际发送会被拒绝；下一个可以发送的时间：{when(allowed)}。")
            return 0
        if done.outcome == "refused":
            print(refusal(now, allowed, cfg) + "确需现在发送，请加 --now。", file=sys.stderr)
            return 2
        Worker(services).run_once()
        print(f"已提醒 {run.counts}；发送结果用 python -m bot notices --period {run.month} 查看。")
        if run.skipped:
            print(f"今天已提醒过，没有再提醒：{'、'.join(u.name for u in run.skipped)}")
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
