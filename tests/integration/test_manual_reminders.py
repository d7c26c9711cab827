"""`python -m bot remind`, `notices` and `calendar show` on a real database, with a set clock.

Two units owe March 2026: 县委党校 (12 characters, no photo; liaisons 张三 on the console
and lisi on WeCom, whose name is not known) and 团县委 (nothing; one console liaison).
县妇联 is complete and gets nothing.
"""
from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.clock import FixedClock
from bot.office.arrangements import save_arrangement
from scoring import Arrangement, Holiday
from storage.db import UnitOfWork
from storage.models import AuditEntry, Liaison, Notice, OutboxMessage
from tests.conftest import SUMMARY, Dialogue, add_unit, jpeg_bytes, shanghai

SPRING_2027 = Arrangement(2027, (Holiday("春节", shanghai(2027, 2, 5).date(),
                                         shanghai(2027, 2, 13).date()),),
                          frozenset({shanghai(2027, 2, 20).date()}))


@pytest.fixture
def cfg(config, tmp_path):
    path = tmp_path / "bot.toml"
    path.write_text(f'[database]\nurl = "{config.database.url}"\n'
                    f'[files]\ndir = "{config.files.dir}"\n'
                    '[deadline]\nextra_holidays = ["2026-03-25"]\n'
                    'extra_workdays = ["2027-10-09"]\n', encoding="utf-8")
    return str(path)


@pytest.fixture
def owing(services, clock):
    clock.set(shanghai(2026, 3, 1, 9, 0, 0))
    add_unit(services, "县委党校", liaisons=["console:dangxiao", "wecom:lisi"])
    add_unit(services, "团县委", liaisons=["console:tuanwei"])
    add_unit(services, "县妇联", liaisons=["console:fulian"])
    with UnitOfWork(services.session_factory) as uow:
        uow.session.scalars(select(Liaison).where(
            Liaison.platform_user_id == "dangxiao")).one().display_name = "张三"
        uow.commit()
    chat = Dialogue(services)
    chat.say("console:dangxiao", "本月开展了两次敬老活动。")  # 12 characters
    chat.say("console:fulian", SUMMARY)
    chat.photo("console:fulian", jpeg_bytes(seed=2))


def remind(cfg, at, *flags):
    return main(["--config", cfg, "remind", *flags], clock=FixedClock(at))


def runs(services) -> list[dict]:
    with UnitOfWork(services.session_factory) as uow:
        return [e.new for e in uow.session.scalars(select(AuditEntry).where(
            AuditEntry.entity == "manual_reminder").order_by(AuditEntry.id))]


def sent(services) -> list[str]:
    with UnitOfWork(services.session_factory) as uow:
        return sorted(uow.session.scalars(select(OutboxMessage.user_id)))


@pytest.mark.parametrize("at, next_allowed", [
    (shanghai(2026, 3, 20, 4, 33, 0), "2026-03-20 08:30（周五）"),
    (shanghai(2026, 3, 20, 20, 0, 0), "2026-03-23 08:30（周一）"),
    (shanghai(2026, 3, 21, 10, 0, 0), "2026-03-23 08:30（周一）"),   # a Saturday
])
def test_remind_outside_the_quiet_hours_refuses_and_prints_the_next_allowed_time(
        cfg, services, owing, capsys, at, next_allowed):
    assert remind(cfg, at) == 2
    err = capsys.readouterr().err
    assert "不在提醒时段（工作日 08:30–20:00），没有发送" in err
    assert f"下一个可以发送的时间：{next_allowed}。确需现在发送，请加 --now" in err
    with UnitOfWork(services.session_factory) as uow:
        assert uow.session.scalars(select(Notice)).all() == []
    assert [r["outcome"] for r in runs(services)] == ["refused"]


def test_remind_with_now_sends_at_04_33_and_counts_units_and_liaisons(cfg, services, owing, capsys):
    assert remind(cfg, shanghai(2026, 3, 20, 4, 33, 0), "--now") == 0
    assert "已提醒 2 个单位、3 名联络员" in capsys.readouterr().out
    assert sent(services) == ["dangxiao", "tuanwei"]  # console; lisi's WeCom is not configured
    [run] = runs(services)
    assert run == {"outcome": "sent", "units": 2, "liaisons": 3, "forced": True,
                   "next_allowed": "2026-03-20T08:30:00+08:00", "skipped": 0}


def test_remind_within_the_quiet_hours_sends_without_being_told(cfg, services, owing, capsys):
    assert remind(cfg, shanghai(2026, 3, 20, 10, 0, 0)) == 0
    assert sent(services) == ["dangxiao", "tuanwei"]
    assert runs(services)[0]["outcome"] == "sent"


def test_a_dry_run_shows_what_each_unit_lacks_and_each_liaison_and_sends_nothing(
        cfg, services, owing, capsys):
    assert remind(cfg, shanghai(2026, 3, 20, 4, 33, 0), "--dry-run") == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "县委党校：文字 12/50 字，图片 0/1 张；联络员：张三（网页控制台）、lisi（企业微信）"
    assert out[1] == "团县委：文字 0/50 字，图片 0/1 张；联络员：tuanwei（网页控制台）"
    assert out[2] == "（试运行）2026年3月小结提醒将发给 2 个单位、3 名联络员，没有发送。"
    assert "实际发送会被拒绝；下一个可以发送的时间：2026-03-20 08:30（周五）" in out[3]
    assert sent(services) == []
    assert [r["outcome"] for r in runs(services)] == ["dry_run"]


def test_a_dry_run_says_when_the_month_was_judged_by_monday_to_friday_only(cfg, services, capsys):
    add_unit(services, "县委党校", liaisons=["console:dangxiao"])
    at = shanghai(2027, 2, 3, 10, 0, 0)
    remind(cfg, at, "--dry-run")
    assert "注意：2027年2月的截止日和提醒日只按周一至周五判断（2027年的放假调休安排尚未录入" \
        in capsys.readouterr().out
    with UnitOfWork(services.session_factory) as uow:
        save_arrangement(uow.session, SPRING_2027, at, "admin:chief")
        uow.commit()
    remind(cfg, at, "--dry-run")
    assert "周一至周五" not in capsys.readouterr().out


def test_notices_lists_what_was_sent_in_chinese(cfg, services, owing, capsys):
    remind(cfg, shanghai(2026, 3, 20, 10, 0, 0))
    capsys.readouterr()
    assert main(["--config", cfg, "notices", "--period", "2026-03"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert "\t手动提醒\t2026-03\t县委党校\t网页控制台\t已发送\t1 人" in lines[0]
    assert "\t手动提醒\t2026-03\t县委党校\t企业微信\t发送失败\t1 人\t失败原因：" in "\n".join(lines)
    assert lines[-1] == "共 3 条"


def test_calendar_show_names_each_unusual_day_and_where_it_comes_from(cfg, services, capsys):
    assert main(["--config", cfg, "calendar", "show", "2026"]) == 0
    out = capsys.readouterr().out
    assert "2026-02-16\t周一\t休息\t春节\t法定日历包（package）" in out
    assert "2026-02-14\t周六\t上班\t春节调休上班\t法定日历包（package）" in out
    assert "2026-03-25\t周三\t休息\t—\t配置文件（config）" in out
    main(["--config", cfg, "calendar", "show", "2027"])
    out = capsys.readouterr().out
    assert "2027年：办公室没有录入放假调休安排，法定日历包也不含该年" in out
    assert out.count("\n") == 3  # the config's Saturday 9 October is the only unusual day
    with UnitOfWork(services.session_factory) as uow:
        save_arrangement(uow.session, SPRING_2027, services.clock.now(), "admin:chief")
        uow.commit()
    main(["--config", cfg, "calendar", "show", "2027"])
    out = capsys.readouterr().out
    assert out.startswith("2027年：按办公室录入的放假调休安排判断")
    assert "2027-02-08\t周一\t休息\t春节\t办公室录入（office）" in out
    assert "2027-02-20\t周六\t上班\t调休上班\t办公室录入（office）" in out
    assert "共 6 个放假的工作日、1 个上班的周末日。" in out   # 5, 8–12 February
    assert "2027-10-09 已由办公室录入的安排取代" in out


def test_the_help_of_every_office_command_is_chinese(capsys):
    with pytest.raises(SystemExit) as done:
        main(["remind", "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("用法：python -m bot remind [-h] [--dry-run] [--now]")
    assert "显示本帮助并退出" in out and "不在提醒时段也立即发送" in out
    with pytest.raises(SystemExit):
        main(["waive", "县妇联"])
    assert "错误：缺少参数：month, --reason" in capsys.readouterr().err
