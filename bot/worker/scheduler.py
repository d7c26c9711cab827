"""Scheduled jobs in the worker: a thin wrapper owns APScheduler and its timezone.

Every minute the leader fires the notices whose time has come (bot/worker/schedule.py). On
PostgreSQL a session-level advisory lock elects one leader among the workers; the
sent-log makes a duplicate harmless anyway. Once a day every worker's tick queues the
day's housekeeping (`HOUSEKEEPING`: the removal of refused files past their retention,
bot/rejected_files.py, and of evidence packs past their keeping, bot/office/pack_builds.py);
the day's dedup key keeps each once.
"""
from __future__ import annotations

import logging
from datetime import date, datetime

from apscheduler.schedulers.background import BackgroundScheduler
from sqlalchemy import text

from bot.jobs import JobKind
from bot.worker.notices import fire
from bot.worker.schedule import due_now
from scoring import LOCAL_TZ, WorkCalendar, local, missing_arrangements
from storage.db import UnitOfWork
from storage.queue import BULK, enqueue

log = logging.getLogger(__name__)
LOCK_KEY = 0x5B0A7  # the advisory lock every worker of a database competes for
HOUSEKEEPING = (JobKind.EXPIRE_REJECTED_FILES, JobKind.EXPIRE_EVIDENCE_PACKS)  # once a day
DAILY_AFTER = 3     # local hour from which the day's housekeeping is queued (the quiet night)


def queue_daily(services, kind: JobKind, now: datetime) -> bool:
    """Queue the day's run of `kind`, once a day from 03:00 (the day's dedup key);
    True once it is queued, by this call or an earlier one."""
    if local(now).hour < DAILY_AFTER:
        return False
    with UnitOfWork(services.session_factory) as uow:
        enqueue(uow.session, kind, {}, now=now, priority=BULK,
                dedup_key=f"{kind}:{local(now).date().isoformat()}")
        uow.commit()
    return True


class Leadership:
    """Whether this worker fires scheduled jobs: the holder of the advisory lock."""

    def __init__(self, engine):
        self.engine = engine
        self.conn = None

    def held(self) -> bool:
        """True if this process leads (always on SQLite: one worker there)."""
        if self.engine.dialect.name != "postgresql":
            return True
        if self.conn is not None:
            try:
                self.conn.exec_driver_sql("SELECT 1")
                return True
            except Exception:  # the connection died and the lock with it
                self.release()
        conn = self.engine.connect()
        # Advisory locks are the server's, not the database's: the second key keeps the
        # workers of different databases or schemas (other deployments, test runs) apart.
        got = conn.execute(text(
            "SELECT pg_try_advisory_lock(:k, hashtext(current_database() || '.' || current_schema()))"),
            {"k": LOCK_KEY}).scalar()
        conn.commit()
        if got:
            self.conn = conn
            return True
        conn.close()
        return False

    def release(self) -> None:
        """Give the lock up (closing the connection releases it)."""
        if self.conn is not None:
            try:
                self.conn.close()
            finally:
                self.conn = None


def run_due(services, leadership: Leadership) -> list:
    """Fire every occurrence due now, if this worker leads; return those fired."""
    if not services.config.reminders.enabled or not leadership.held():
        return []
    fired = []
    for occ in due_now(services.clock.now(), services.config.reminders,
                       services.conversation.rules.deadline):
        if fire(services, occ):
            fired.append(occ)
    return fired


class CalendarWatch:
    """Warn in the log, once a day, while a year's 放假调休安排 is due and unknown."""

    def __init__(self):
        self.warned_on: date | None = None

    def check(self, now: datetime, calendar: WorkCalendar) -> list[int]:
        """Log the warning if it is due today; return the years it named (empty: none)."""
        today = local(now).date()
        if self.warned_on == today:
            return []
        missing = missing_arrangements(today, calendar)
        if missing:
            self.warned_on = today
            years = "、".join(f"{y}年" for y in missing)
            log.warning("%s的放假调休安排还没有录入（法定日历包也不含），工作日只能按周一至周五判断，"
                        "提醒可能落在节假日：请在 /admin/calendar 录入", years)
        return missing


class Scheduler:
    """APScheduler, Asia/Shanghai, one job: the minute tick."""

    def __init__(self, services):
        self.services = services
        self.leadership = Leadership(services.engine)
        self.scheduler = BackgroundScheduler(timezone=LOCAL_TZ)
        self.calendar_watch = CalendarWatch()
        self.queued_on: dict[JobKind, date] = {}   # the day each housekeeping kind was queued

    def start(self) -> None:
        """Start ticking every minute."""
        self.scheduler.add_job(self.tick, "interval", seconds=60, id="notices",
                               max_instances=1, coalesce=True,
                               next_run_time=self.services.clock.now())
        self.scheduler.start()

    def tick(self) -> None:
        try:
            rules = self.services.conversation.rules
            self.calendar_watch.check(self.services.clock.now(), rules.deadline.calendar)
            for occ in run_due(self.services, self.leadership):
                log.info("fired %s %s", occ.name, occ.period)
        except Exception:  # the next tick tries again; the sent-log keeps it once
            log.exception("scheduled notices failed")
        for kind in HOUSEKEEPING:
            try:
                now = self.services.clock.now()
                if (self.queued_on.get(kind) != local(now).date()
                        and queue_daily(self.services, kind, now)):
                    self.queued_on[kind] = local(now).date()
            except Exception:  # the next tick tries again; the day's dedup key keeps it once
                log.exception("queueing the day's %s failed", kind)

    def stop(self) -> None:
        """Stop the scheduler and give up leadership."""
        self.scheduler.shutdown(wait=False)
        self.leadership.release()
