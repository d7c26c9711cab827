"""Who still owes the open month, and a reminder in one click, on a real database
(the units of tests/admin_support.py `owe_history`)."""
from __future__ import annotations

import re
from io import BytesIO

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot.app import create_app
from bot.bootstrap import build_services
from bot.cli import main
from bot.config import build_config
from bot.worker import Worker
from bot.worker.manual_reminders import owing_now
from bot.worker.notices import fire
from bot.worker.schedule import REMINDER, Occurrence
from storage.db import UnitOfWork
from storage.models import AuditEntry, Notice, OutboxMessage, Unit
from tests.admin_support import VIEWER, make_users, owe_history, post, sign_in
from tests.conftest import add_unit, shanghai

OWE = "/admin/board?owe=1"


@pytest.fixture
def units(services):
    make_users(services)
    return owe_history(services)


@pytest.fixture
def client(services, units):
    client = create_app(services=services).test_client()
    sign_in(client)
    return client


def rows(html: str) -> dict[str, str]:
    """The owe list's rows by unit, as text without tags."""
    table = html.split('id="owe-list"')[1].split("</table>")[0]
    return {m.group(1): re.sub(r"<[^>]+>", " ", m.group(2))
            for m in re.finditer(r'<tr data-unit="([^"]+)">(.*?)</tr>', table, re.S)}


def notices(services) -> list[tuple[str, str, str]]:
    with UnitOfWork(services.session_factory) as uow:
        return sorted(uow.session.execute(select(Unit.name, Notice.channel, Notice.kind)
                                          .join(Unit, Unit.id == Notice.unit_id)).tuples())


def remind(client, category: str = "") -> str:
    """The button, then the confirmation's button, as the browser sends them."""
    first = post(client, "/admin/board/remind", {"category": category}, page=OWE)
    html = first.get_data(as_text=True)
    ids = re.findall(r'name="unit" value="(\d+)"', html)
    done = post(client, "/admin/board/remind/confirm", {"category": category, "unit": ids},
                page=OWE, follow_redirects=True)
    return done.get_data(as_text=True)


def test_the_owe_list_shows_only_the_units_that_owe_the_open_month_and_what_each_lacks(client):
    found = rows(client.get(OWE).get_data(as_text=True))
    assert list(found) == ["县人社局", "县委党校", "团县委"]      # 县妇联 is complete
    assert "文字 12/50 字" in found["县委党校"] and "图片 0/1 张" in found["县委党校"]
    assert "文字 38 字、图片 1 张" in found["县委党校"]
    assert "文字 95/50 字" in found["县人社局"] and "还差" not in found["县人社局"]
    assert "图片 1 张" in found["县人社局"] and "没有绑定联络员，无法提醒" in found["县人社局"]
    assert "未到期" in found["团县委"] and "文字 0/50 字" in found["团县委"]


def test_the_owe_list_names_each_liaison_with_the_phone(client):
    found = rows(client.get(OWE).get_data(as_text=True))
    assert "张三（网页控制台）  13800000001" in found["县委党校"]
    assert "李四（企业微信）" in found["县委党校"] and "lisi" not in found["县委党校"]
    assert "tuanwei（网页控制台）" in found["团县委"]


def test_the_owe_list_filters_by_category(client):
    found = rows(client.get(OWE + "&category=department").get_data(as_text=True))
    assert list(found) == ["县人社局"]


def test_the_minimums_come_from_the_rules_in_force(db_url, tmp_path, clock):
    config = build_config({"database": {"url": db_url}, "files": {"dir": str(tmp_path / "f")},
                           "summary": {"min_chars": 80, "min_photos": 2}})
    with build_services(config, clock=clock) as services:
        make_users(services)
        owe_history(services)
        client = create_app(services=services).test_client()
        sign_in(client)
        found = rows(client.get(OWE).get_data(as_text=True))
    assert "文字 12/80 字" in found["县委党校"] and "图片 0/2 张" in found["县委党校"]
    assert "文字 68 字、图片 2 张" in found["县委党校"]
    assert "文字 95/80 字" in found["县人社局"]


def test_the_owe_list_exports_to_xlsx_with_what_each_lacks_and_who_to_call(client, units):
    resp = client.get("/admin/board/owe.xlsx")
    assert resp.status_code == 200
    assert "2026年3月未报齐单位" in resp.headers["Content-Disposition"] or \
        "filename*=UTF-8''2026" in resp.headers["Content-Disposition"]
    sheet = load_workbook(BytesIO(resp.data)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == ["单位", "类别", "月份", "状态", "文字（字）", "至少（字）", "图片（张）",
                         "至少（张）", "还差", "联络员", "联络员电话", "最近提醒", "最近提醒结果"]
    by_unit = {row[0]: row for row in values[1:]}
    assert list(by_unit) == ["县人社局", "县委党校", "团县委"]
    assert by_unit["县委党校"][2:11] == ["2026年3月", "未到期", 12, 50, 0, 1, "文字 38 字、图片 1 张",
                                      "张三（网页控制台）、李四（企业微信）", "张三 13800000001"]
    assert by_unit["县人社局"][9] == "（没有绑定）"
    assert by_unit["团县委"][11:] == ["未提醒", None]


def test_the_button_asks_first_naming_the_count_and_sends_nothing_yet(client, services):
    html = post(client, "/admin/board/remind", {"category": ""}, page=OWE).get_data(as_text=True)
    assert "将提醒 2 个单位，确定？" in html
    assert "1 个单位没有绑定联络员，无法提醒" in html
    assert notices(services) == []


def test_confirming_reminds_exactly_those_units_privately_and_is_audited(client, services):
    html = remind(client)
    assert "已提醒 2 个单位、3 名联络员" in html
    assert notices(services) == [("县委党校", "console", "manual"), ("县委党校", "wecom", "manual"),
                                 ("团县委", "console", "manual")]
    page = client.get(OWE).get_data(as_text=True)
    assert "待发送 3，已发送 0，发送失败 0" in page     # the worker has not run yet
    Worker(services).run_once()
    with UnitOfWork(services.session_factory) as uow:
        assert sorted(uow.session.scalars(select(OutboxMessage.user_id))) == ["dangxiao",
                                                                             "tuanwei"]
        [entry] = uow.session.scalars(select(AuditEntry).where(
            AuditEntry.entity == "manual_reminder")).all()
        assert entry.actor == "admin:chief"
        assert entry.new == {"outcome": "sent", "units": 2, "liaisons": 3, "skipped": 0,
                             "forced": False, "next_allowed": None}
    page = client.get(OWE).get_data(as_text=True)
    assert "待发送 0，已发送 2，发送失败 1" in page
    last = page.split('id="last-run"')[1]
    assert "李四（企业微信）" in last and "渠道 wecom 未配置，无法发送" in last
    assert "2026-03-20 10:00 已发送" in rows(page)["团县委"].replace("  ", " ")


def test_the_category_chosen_is_the_units_reminded(client, services, units):
    remind(client, "department")   # its one unit has no liaison: nothing to remind
    assert notices(services) == []
    page = post(client, "/admin/board/remind", {"category": "department"}, page=OWE,
                follow_redirects=True).get_data(as_text=True)
    assert "没有可以提醒的单位" in page


def test_a_unit_is_reminded_at_most_once_a_day(client, services, clock, units):
    remind(client)
    html = post(client, "/admin/board/remind", {"category": ""}, page=OWE,
                follow_redirects=True).get_data(as_text=True)
    assert "没有可以提醒的单位：还没报齐的单位今天都已提醒过" in html
    again = post(client, "/admin/board/remind/confirm",
                 {"unit": [str(units["党校"]), str(units["团委"])]}, page=OWE,
                 follow_redirects=True).get_data(as_text=True)
    assert "已提醒 0 个单位、0 名联络员（2 个单位今天已提醒过，没有再提醒）" in again
    assert len(notices(services)) == 3
    clock.set(shanghai(2026, 3, 23, 9, 0, 0))          # Monday
    assert "将提醒 2 个单位，确定？" in post(client, "/admin/board/remind", {"category": ""},
                                            page=OWE).get_data(as_text=True)


def test_a_scheduled_reminder_today_counts_as_the_day_s_reminder(client, services, clock):
    clock.set(shanghai(2026, 3, 20, 9, 10, 0))
    fire(services, Occurrence(clock.now(), REMINDER, "2026-03", 0))
    clock.set(shanghai(2026, 3, 20, 11, 0, 0))
    found = rows(client.get(OWE).get_data(as_text=True))
    assert "2026-03-20 09:10" in found["县委党校"] and "今天已提醒" in found["县委党校"]
    html = post(client, "/admin/board/remind", {"category": ""}, page=OWE,
                follow_redirects=True).get_data(as_text=True)
    assert "没有可以提醒的单位" in html


def test_the_cli_goes_the_same_way_and_skips_a_unit_reminded_today(client, services, tmp_path,
                                                                   config, capsys):
    remind(client)
    path = tmp_path / "bot.toml"
    path.write_text(f'[database]\nurl = "{config.database.url}"\n'
                    f'[files]\ndir = "{config.files.dir}"\n', encoding="utf-8")
    assert main(["--config", str(path), "remind"], clock=services.clock) == 0
    out = capsys.readouterr().out
    assert "已提醒 0 个单位、0 名联络员" in out and "今天已提醒过，没有再提醒：县委党校、团县委" in out
    assert len(notices(services)) == 3


@pytest.mark.parametrize("at, next_allowed", [
    (shanghai(2026, 3, 20, 20, 30, 0), "2026-03-23 08:30（周一）"),
    (shanghai(2026, 3, 21, 10, 0, 0), "2026-03-23 08:30（周一）"),   # a Saturday
])
def test_outside_the_quiet_hours_the_button_is_refused_in_chinese(client, services, clock,
                                                                  at, next_allowed):
    clock.set(at)
    html = post(client, "/admin/board/remind", {"category": ""}, page=OWE,
                follow_redirects=True).get_data(as_text=True)
    assert "不在提醒时段（工作日 08:30–20:00），没有发送" in html
    assert f"下一个可以发送的时间：{next_allowed}" in html
    assert notices(services) == []
    with UnitOfWork(services.session_factory) as uow:
        [entry] = uow.session.scalars(select(AuditEntry).where(
            AuditEntry.entity == "manual_reminder")).all()
        assert entry.new["outcome"] == "refused" and entry.new["units"] == 2


def test_a_confirmation_that_arrives_after_the_quiet_hours_sends_nothing(client, services,
                                                                        clock, units):
    clock.set(shanghai(2026, 3, 20, 20, 0, 0))
    html = post(client, "/admin/board/remind/confirm", {"unit": [str(units["团委"])]},
                page=OWE, follow_redirects=True).get_data(as_text=True)
    assert "不在提醒时段" in html and notices(services) == []


def test_a_viewer_sees_the_list_but_may_not_remind(services, units):
    client = create_app(services=services).test_client()
    sign_in(client, VIEWER)
    page = client.get(OWE).get_data(as_text=True)
    assert "县委党校" in page and 'id="remind"' not in page
    assert post(client, "/admin/board/remind", {"category": ""}, page=OWE).status_code == 403
    assert notices(services) == []


def test_two_runs_on_one_day_record_one_reminder_per_unit_and_platform(services, units, clock):
    with UnitOfWork(services.session_factory) as uow:
        run = owing_now(uow.session, clock.now(), services.conversation.rules)
    assert fire(services, run.occurrence(clock.now())) == 3
    clock.advance(seconds=30)   # a second run that read the list before the first was recorded
    assert fire(services, run.occurrence(clock.now())) == 0
    assert len(notices(services)) == 3


def test_a_unit_or_liaison_that_reads_as_a_formula_stays_text_in_the_export(client, services):
    add_unit(services, '=HYPERLINK("http://evil.example","点我")', liaisons=["console:@SUM(1)"])
    sheet = load_workbook(BytesIO(client.get("/admin/board/owe.xlsx").data)).active
    [row] = [r for r in sheet.iter_rows(min_row=2) if r[0].value.startswith("=")]
    assert row[0].data_type == "s" and row[9].value == "@SUM(1)（网页控制台）"
    assert row[9].data_type == "s"
