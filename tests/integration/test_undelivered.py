"""Notices and receipts a platform did not deliver (DingTalk's invalidStaffIdList and
filteredStaffIdList, against the fake DingTalk): failed with the platform's reason, one
row per recipient, listed by `python -m bot notices --failed` and on /admin/undelivered."""
from __future__ import annotations

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import JSON, Column, DateTime, Integer, MetaData, String, Table, Text, select
from sqlalchemy.orm import Session

from bot.app import create_app
from bot.bootstrap import build_services
from bot.channels.outbox import push
from bot.cli import main
from bot.config import build_config
from bot.messages import Reply
from bot.worker import Worker
from bot.worker.notices import fire
from bot.worker.schedule import REMINDER, Occurrence
from storage.db import UnitOfWork, alembic_config, make_engine
from storage.models import Liaison, Notice, OutboxMessage, UndeliveredRecipient
from tests.admin_support import VIEWER, make_users, sign_in
from tests.conftest import add_unit, shanghai
from tests.fakes.dingtalk_api import FakeDingtalkApi
from tests.fakes.dingtalk_client import APP_KEY, APP_SECRET


@pytest.fixture
def fake_api(clock):
    with FakeDingtalkApi(APP_KEY, APP_SECRET, clock=clock) as api:
        api.filtered_users = {"WangWu", "ZhaoLiu"}
        api.invalid_users = {"LiSi"}
        yield api


@pytest.fixture
def dt_services(db_url, tmp_path, clock, fake_api):
    config = build_config({
        "database": {"url": db_url}, "files": {"dir": str(tmp_path / "files")},
        "dingtalk": {"app_key": APP_KEY, "app_secret": APP_SECRET, "mode": "http",
                     "api_base": fake_api.url, "oapi_base": fake_api.url}})
    with build_services(config, clock=clock) as services:
        yield services


@pytest.fixture
def sent(dt_services, clock):
    """March's reminder to 甲 (ZhangSan reached, WangWu filtered), 乙 (LiSi invalid) and 丙
    (ZhaoLiu filtered), and a receipt to ZhaoLiu."""
    clock.set(shanghai(2026, 3, 1, 9, 0, 0))
    add_unit(dt_services, "甲", liaisons=["dingtalk:ZhangSan", "dingtalk:WangWu"])
    add_unit(dt_services, "乙", liaisons=["dingtalk:LiSi"])
    add_unit(dt_services, "丙", liaisons=["dingtalk:ZhaoLiu"])
    with UnitOfWork(dt_services.session_factory) as uow:
        for liaison in uow.session.scalars(select(Liaison)):
            liaison.display_name = {"WangWu": "王五", "LiSi": "李四", "ZhaoLiu": "赵六"}.get(
                liaison.platform_user_id, "")
        uow.commit()
    clock.set(shanghai(2026, 3, 20, 9, 10, 0))
    # Fired directly: the scheduler's leader election is another test's subject.
    fire(dt_services, Occurrence(clock.now(), REMINDER, "2026-03", slot=1))
    with UnitOfWork(dt_services.session_factory) as uow:
        push(uow.session, "dingtalk", "ZhaoLiu", [Reply("已记录：图片 1 张")], clock.now())
        uow.commit()
    worker = Worker(dt_services)
    worker.run_once(limit=50)
    clock.advance(seconds=5)
    worker.run_once(limit=50)
    return dt_services


def notices_by_unit(services) -> dict[str, Notice]:
    with UnitOfWork(services.session_factory) as uow:
        rows = uow.session.scalars(select(Notice).where(Notice.kind == "reminder")).all()
        return {tuple(n.recipients)[0]: n for n in rows}


def test_a_notice_whose_recipient_was_filtered_is_failed_with_the_platform_s_reason(sent):
    by_first = notices_by_unit(sent)
    jia, yi, bing = by_first["ZhangSan"], by_first["LiSi"], by_first["ZhaoLiu"]
    assert jia.state == "failed" and jia.sent_at is not None   # ZhangSan has it
    assert jia.error.startswith("2 人中 1 人未送达：WangWu（") and "filteredStaffIdList" in jia.error
    assert yi.state == "failed" and yi.sent_at is None
    with UnitOfWork(sent.session_factory) as uow:
        rows = uow.session.execute(select(UndeliveredRecipient.notice_id,
                                          UndeliveredRecipient.user_id,
                                          UndeliveredRecipient.reason)
                                   .order_by(UndeliveredRecipient.user_id)).all()
    assert [(n, u) for n, u, _ in rows] == [(yi.id, "LiSi"), (jia.id, "WangWu"),
                                            (bing.id, "ZhaoLiu")]
    assert "invalidStaffIdList" in rows[0].reason and "过滤" in rows[1].reason


def test_a_filtered_member_s_receipt_is_failed_with_the_reason_not_retried(sent):
    with UnitOfWork(sent.session_factory) as uow:
        [row] = uow.session.scalars(select(OutboxMessage)).all()
    assert row.state == "failed" and row.sent_at is None
    assert row.error.startswith("未送达 ZhaoLiu：") and "filteredStaffIdList" in row.error


def test_notices_failed_lists_each_undelivered_liaison_with_unit_time_and_reason(
        sent, tmp_path, capsys):
    cfg = tmp_path / "bot.toml"
    cfg.write_text(f'[database]\nurl = "{sent.config.database.url}"\n'
                   f'[files]\ndir = "{sent.config.files.dir}"\n', encoding="utf-8")
    capsys.readouterr()
    assert main(["--config", str(cfg), "notices", "--failed"]) == 0
    out = capsys.readouterr().out
    assert "共 3 条" in out and "未送达 4 人次" in out
    rows = [line.split("\t") for line in out.splitlines()]
    lines = {(cells[1], cells[4]): cells for cells in rows
             if cells[0].startswith("2026-03-20") and len(cells) == 6}
    assert set(lines) == {("甲", "报送提醒 2026-03"), ("乙", "报送提醒 2026-03"),
                          ("丙", "报送提醒 2026-03"), ("丙", "回执或回复")}
    jia, yi = lines["甲", "报送提醒 2026-03"], lines["乙", "报送提醒 2026-03"]
    assert jia[2:4] == ["王五", "钉钉 WangWu"] and "filteredStaffIdList" in jia[5]
    assert yi[2:4] == ["李四", "钉钉 LiSi"] and "invalidStaffIdList" in yi[5]
    assert lines["丙", "回执或回复"][2:4] == ["赵六", "钉钉 ZhaoLiu"]
    assert "ZhangSan" not in "".join("".join(v) for v in lines.values())


def test_the_office_console_lists_the_undelivered_for_every_signed_in_user(sent):
    make_users(sent)
    client = create_app(services=sent).test_client()
    assert client.get("/admin/undelivered").status_code == 302   # sign in first
    sign_in(client, VIEWER)
    html = client.get("/admin/undelivered").get_data(as_text=True)
    assert "未送达的通知" in html and "共 4 人次" in html
    assert html.count("<tr><td>2026-03-20 09:10:") == 4
    for words in ("甲", "王五", "<code>WangWu</code>", "报送提醒 2026-03", "filteredStaffIdList",
                  "乙", "李四", "invalidStaffIdList", "丙", "赵六", "回执或回复"):
        assert words in html
    assert "<code>ZhangSan</code>" not in html
    assert 'href="/admin/undelivered"' in client.get("/admin/board").get_data(as_text=True)


@pytest.mark.parametrize("period, rows", [("2026-03", 4), ("2026Q1", 4), ("2026-04", 0),
                                          ("<script>", 4), ("9" * 40, 4)])
def test_the_console_list_is_filtered_by_month_or_quarter(sent, period, rows):
    make_users(sent)
    client = create_app(services=sent).test_client()
    sign_in(client)
    page = client.get("/admin/undelivered", query_string={"period": period})
    assert page.status_code == 200
    assert f"共 {rows} 人次" in page.get_data(as_text=True)


def test_the_migration_moves_the_old_invalid_lists_to_one_row_per_recipient(db_url, clock):
    cfg = alembic_config(db_url)
    before = ScriptDirectory.from_config(cfg).get_revision("0013").down_revision
    engine = make_engine(db_url)
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, before)
        old = Table("notices", MetaData(), Column("id", Integer, primary_key=True),
                    Column("key", String(200)), Column("kind", String(30)),
                    Column("period", String(10)), Column("channel", String(20)),
                    Column("recipients", JSON), Column("text", Text),
                    Column("state", String(20)), Column("attempts", Integer),
                    Column("invalid", JSON), Column("created_at", DateTime(timezone=True)),
                    Column("sent_at", DateTime(timezone=True)))
        common = dict(kind="reminder", period="2026-03", channel="wecom", text="提醒",
                      state="sent", attempts=1, created_at=clock.now(), sent_at=clock.now())
        with engine.begin() as conn:
            conn.execute(old.insert(), [
                dict(common, key="a", recipients=["zs", "ghost"], invalid=["ghost"]),
                dict(common, key="b", recipients=["ls"], invalid=None)])
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
        with Session(engine) as session:
            rows = session.execute(select(Notice.key, UndeliveredRecipient.user_id)
                                   .join(Notice)).all()
    finally:
        engine.dispose()
    assert rows == [("a", "ghost")]
