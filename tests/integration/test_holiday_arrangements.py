"""The office's 放假调休安排 for a year the package does not know (2027), on a real database:
entered in /admin, audited, moving a reminder, the banner from 1 November, the worker's
daily warning.

The deployment here reminds on the 5th, the 20th and the last day. With nothing known
about 2027, Friday 5 February is a working day and the reminder goes out then; the
office's arrangement makes 5–13 February 春节 and Saturday the 20th a make-up day.
"""
from __future__ import annotations

import logging

import pytest
from sqlalchemy import select

from bot.app import create_app
from bot.bootstrap import build_services
from bot.config import build_config
from bot.worker import Worker
from bot.worker.scheduler import Leadership, Scheduler, run_due
from storage.db import UnitOfWork
from storage.models import AuditEntry, HolidayArrangement, OutboxMessage
from tests.admin_support import VIEWER, make_users, post, sign_in
from tests.conftest import add_unit, shanghai

ARRANGEMENT_2027 = {
    "holiday_name": ["元旦", "春节", "清明节", ""],
    "holiday_first": ["2027-01-01", "2027-02-05", "2027-04-03", ""],
    "holiday_last": ["2027-01-03", "2027-02-13", "2027-04-05", ""],
    "workday": ["2027-02-20", ""],
}


@pytest.fixture
def services(db_url, tmp_path, clock):
    config = build_config({"database": {"url": db_url}, "files": {"dir": str(tmp_path / "f")},
                           "reminders": {"schedule": ["5 09:10", "20 09:10", "-1 16:10"]}})
    svc = build_services(config, clock=clock)
    yield svc
    svc.close()


@pytest.fixture
def client(services, clock):
    clock.set(shanghai(2027, 1, 10, 10, 0, 0))
    make_users(services)
    add_unit(services, "县委党校", liaisons=["console:dangxiao"])
    client = create_app(services=services).test_client()
    sign_in(client)
    return client


def reminders_of(html: str, month: str) -> str:
    row = html.split(f'<tr data-month="{month}">', 1)[1].split("</tr>", 1)[0]
    return row.split('<td class="times">', 1)[1].split("</td>", 1)[0]


def enter(client, data=ARRANGEMENT_2027):
    return post(client, "/admin/calendar/2027", data, page="/admin/calendar?year=2027")


def reminded(services) -> list[str]:
    with UnitOfWork(services.session_factory) as uow:
        return list(uow.session.scalars(select(OutboxMessage.user_id)))


def test_an_arrangement_the_office_enters_moves_a_reminder_off_a_new_holiday(services, client, clock):
    page = client.get("/admin/calendar?year=2027").get_data(as_text=True)
    assert "2027年的放假调休安排还没有录入" in page
    assert reminders_of(page, "2027-02") == "02-05 09:10、02-19 09:10、02-24 16:10"
    answer = enter(client)
    assert answer.status_code == 302
    page = client.get("/admin/calendar?year=2027").get_data(as_text=True)
    assert "已保存2027年放假调休安排" in page
    # Off the new holiday to the Thursday before it; onto the make-up Saturday.
    assert reminders_of(page, "2027-02") == "02-04 09:10、02-20 09:10、02-24 16:10"
    assert "2027-02-08</td><td>周一</td>\n        <td>休息</td><td>春节</td><td>办公室录入" in page
    fired = run_due_at(services, shanghai(2027, 2, 4, 9, 10, 0))
    assert [o.name for o in fired] == ["reminder0"] and reminded(services) == ["dangxiao"]
    assert run_due_at(services, shanghai(2027, 2, 5, 9, 10, 0)) == []


def run_due_at(services, at):
    """The worker's minute tick at `at`, then its delivery."""
    services.clock.set(at)
    leadership = Leadership(services.engine)
    try:
        fired = run_due(services, leadership)
    finally:
        leadership.release()
    Worker(services).run_once(limit=50)
    return fired


def test_entering_an_arrangement_is_audited_with_the_office_users_name(services, client):
    enter(client)
    changed = dict(ARRANGEMENT_2027, workday=["2027-02-20", "2027-02-21"])
    enter(client, changed)
    with UnitOfWork(services.session_factory) as uow:
        entries = uow.session.scalars(select(AuditEntry).where(
            AuditEntry.entity == "holiday_arrangement").order_by(AuditEntry.id)).all()
        stored = uow.session.get(HolidayArrangement, 2027)
    assert [(e.action, e.actor, e.entity_id) for e in entries] == [
        ("create", "admin:chief", "2027"), ("update", "admin:chief", "2027")]
    assert entries[0].new["holidays"][1] == {"name": "春节", "first": "2027-02-05",
                                             "last": "2027-02-13"}
    assert entries[1].old["workdays"] == ["2027-02-20"]
    assert stored.workdays == ["2027-02-20", "2027-02-21"]


def test_a_holiday_that_ends_before_it_begins_is_refused_and_nothing_is_stored(services, client):
    bad = dict(ARRANGEMENT_2027, holiday_last=["2027-01-03", "2027-02-01", "2027-04-05", ""])
    answer = enter(client, bad)
    html = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert "春节的结束日 2027-02-01 早于开始日 2027-02-05" in html
    assert 'value="2027-02-01"' in html  # what was typed stays in the form
    with UnitOfWork(services.session_factory) as uow:
        assert uow.session.get(HolidayArrangement, 2027) is None


def test_a_make_up_day_on_a_weekday_is_refused(client):
    answer = enter(client, dict(ARRANGEMENT_2027, workday=["2027-02-19"]))
    assert "调休上班日 2027-02-19 是周五，本来就上班" in answer.get_data(as_text=True)


def test_a_viewer_may_read_the_arrangement_but_not_enter_one(services, client):
    viewer = create_app(services=services).test_client()
    sign_in(viewer, VIEWER)
    assert viewer.get("/admin/calendar?year=2027").status_code == 200
    answer = post(viewer, "/admin/calendar/2027", ARRANGEMENT_2027, page="/admin/calendar")
    assert answer.status_code == 403


def test_removing_an_arrangement_gives_the_year_back_to_monday_to_friday(services, client):
    enter(client)
    post(client, "/admin/calendar/2027/delete", page="/admin/calendar?year=2027")
    page = client.get("/admin/calendar?year=2027").get_data(as_text=True)
    assert reminders_of(page, "2027-02") == "02-05 09:10、02-19 09:10、02-24 16:10"
    with UnitOfWork(services.session_factory) as uow:
        [entry] = uow.session.scalars(select(AuditEntry).where(AuditEntry.action == "delete"))
    assert entry.entity == "holiday_arrangement" and entry.new is None


def test_from_1_november_the_console_says_next_years_arrangement_is_missing(services, client, clock):
    clock.set(shanghai(2026, 10, 31, 23, 0, 0))
    assert 'id="calendar-missing"' not in client.get("/admin/board").get_data(as_text=True)
    clock.set(shanghai(2026, 11, 1, 8, 0, 0))
    board = client.get("/admin/board").get_data(as_text=True)
    assert "2027年的放假调休安排还没有录入" in board
    assert 'href="/admin/calendar?year=2027"' in board
    enter(client)
    assert 'id="calendar-missing"' not in client.get("/admin/board").get_data(as_text=True)


def test_the_worker_warns_once_a_day_while_next_years_arrangement_is_missing(services, clock, caplog):
    scheduler = Scheduler(services)
    caplog.set_level(logging.WARNING, logger="bot.worker.scheduler")
    for at in (shanghai(2026, 10, 31, 9, 0, 0), shanghai(2026, 11, 1, 0, 1, 0),
               shanghai(2026, 11, 1, 12, 0, 0), shanghai(2026, 11, 2, 9, 0, 0)):
        clock.set(at)
        scheduler.tick()
    scheduler.leadership.release()
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 2  # 1 and 2 November, once each
    assert warnings[0].startswith("2027年的放假调休安排还没有录入")
