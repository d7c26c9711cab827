"""The demo history and account, `init` on a fresh database, and `admin create-user`."""
from __future__ import annotations

import io
from collections import Counter

import pytest
from sqlalchemy import func, select

from bot.bootstrap import build_services
from bot.cli import main
from bot.config import load_config
from bot.demo import load_demo
from bot.office.accounts import sign_in as check_sign_in
from bot.office.accounts import user_by_name
from bot.office.demo_account import demo_password
from bot.office.grid import month_grid, months_until, unit_rows
from bot.rules import rules
from scoring import Month
from storage.db import UnitOfWork
from storage.models import (AdminUser, AuditEntry, InboundMessage, QuarterFactValue, StoredFile,
                            Unit)
from tests.conftest import add_unit


@pytest.fixture
def demo(services):
    for name, category in (("县委党校", "key"), ("团县委", "key"), ("县人社局", "department"),
                           ("县气象局", "stationed"), ("县妇联", "key")):
        add_unit(services, name, category, [f"console:{name}"])
    return load_demo(services)


def count(services, model, *where) -> int:
    with UnitOfWork(services.session_factory) as uow:
        return uow.session.scalar(select(func.count()).select_from(model).where(*where))


def test_the_demo_gives_every_unit_a_history_of_every_kind_and_the_facts(services, demo):
    assert demo.units == 5 and demo.messages > 40
    months = months_until(Month(2026, 2), 8)   # July 2025 to February 2026
    with UnitOfWork(services.session_factory) as uow:
        units = unit_rows(uow.session)
        grid = month_grid(uow.session, units, months, services.clock.now(),
                          rules(services.config))
        paths = uow.session.scalars(select(StoredFile.path)).all()
        actors = set(uow.session.scalars(select(AuditEntry.actor)))
    statuses = Counter(cell.status for cell in grid.values())
    assert statuses["on_time"] > 10 and statuses["late"] and statuses["missing"]
    assert None not in statuses                 # units were registered before July 2025
    assert count(services, StoredFile, StoredFile.kind == "photo") > 10
    assert all(services.files.path(p).is_file() for p in paths)
    for quarter in ("2025Q4", "2026Q1"):   # every unit's facts of both quarters
        with UnitOfWork(services.session_factory) as uow:
            assert len(set(uow.session.scalars(select(QuarterFactValue.unit_id).where(
                QuarterFactValue.quarter == quarter)))) == 5
    assert actors == {"demo"}


def test_after_the_demo_its_admin_signs_in_and_scores_are_real(services, demo, dialogue):
    assert demo.admin == "demo" and demo.password == demo_password(services)
    with UnitOfWork(services.session_factory) as uow:
        assert check_sign_in(uow.session, "demo", demo.password, "127.0.0.1",
                             services.clock.now()).user is not None
        assert user_by_name(uow.session, "demo").role == "admin"
        uow.commit()
    [reply] = dialogue.say("console:县委党校", "查分 2025Q4")
    assert "2025年第四季度考核得分" in reply and "总分" in reply
    assert "待中心办公室录入" not in reply        # every fact of an ended quarter is in
    before = count(services, InboundMessage)
    again = load_demo(services)                  # once only: never over real summaries
    assert again.messages == 0 and count(services, InboundMessage) == before
    assert count(services, AdminUser) == 1


def fresh_config(tmp_path, demo: bool) -> str:
    (tmp_path / "units.csv").write_text(
        "name,category,liaisons\n县委党校,key,console:a\n县人社局,department,console:b\n",
        encoding="utf-8")
    path = tmp_path / "bot.toml"
    path.write_text(f'[database]\nurl = "sqlite:///{tmp_path}/fresh.db"\n'
                    f'[files]\ndir = "{tmp_path}/files"\n'
                    f'[admin]\ndemo = {"true" if demo else "false"}\n', encoding="utf-8")
    return str(path)


def test_init_on_a_fresh_database_loads_the_demo_and_prints_the_password(tmp_path, capsys):
    cfg = fresh_config(tmp_path, demo=True)
    assert main(["--config", cfg, "init", "--units", str(tmp_path / "units.csv")]) == 0
    out = capsys.readouterr().out
    password = (tmp_path / "demo_admin_password").read_text().strip()
    assert "已载入演示数据：2 个单位" in out and f"密码：{password}" in out
    assert main(["--config", cfg, "init"]) == 0          # not fresh: the password again
    assert f"密码：{password}" in capsys.readouterr().out


def test_init_without_the_demo_leaves_a_clean_database(tmp_path, capsys):
    cfg = fresh_config(tmp_path, demo=False)
    assert main(["--config", cfg, "init", "--units", str(tmp_path / "units.csv")]) == 0
    assert "演示" not in capsys.readouterr().out
    assert not (tmp_path / "demo_admin_password").exists()


def test_turning_the_demo_off_retires_its_account(tmp_path, capsys):
    assert main(["--config", fresh_config(tmp_path, demo=True), "init"]) == 0
    assert (tmp_path / "demo_admin_password").exists()
    assert main(["--config", fresh_config(tmp_path, demo=False), "init"]) == 0
    assert "演示账号 demo 已停用" in capsys.readouterr().out
    assert not (tmp_path / "demo_admin_password").exists()
    config = load_config(tmp_path / "bot.toml", environ={})
    with build_services(config) as services, UnitOfWork(services.session_factory) as uow:
        assert user_by_name(uow.session, "demo").active is False
        assert check_sign_in(uow.session, "demo", "whatever", "127.0.0.1",
                             services.clock.now()).user is None


def test_admin_create_user_reads_the_password_from_stdin(services, config, tmp_path,
                                                         monkeypatch, capsys):
    path = tmp_path / "bot.toml"
    path.write_text(f'[database]\nurl = "{config.database.url}"\n', encoding="utf-8")
    cfg = str(path)
    monkeypatch.setattr("sys.stdin", io.StringIO("long-enough-1\n"))
    assert main(["--config", cfg, "admin", "create-user", "王五", "--role", "viewer",
                 "--password-stdin"]) == 0
    assert "已创建只读账号「王五」" in capsys.readouterr().out
    monkeypatch.setattr("sys.stdin", io.StringIO("long-enough-2\n"))
    assert main(["--config", cfg, "admin", "create-user", "王五", "--role", "admin",
                 "--password-stdin"]) == 2
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["--config", cfg, "admin", "create-user", "赵六", "--role", "admin",
                 "--password-stdin"]) == 2
    assert "至少 8 个字符" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("a-new-password\n"))
    assert main(["--config", cfg, "admin", "set-password", "王五", "--password-stdin"]) == 0
    with UnitOfWork(services.session_factory) as uow:
        user = user_by_name(uow.session, "王五")
        assert user.role == "viewer" and user.password_hash.startswith(("scrypt:", "pbkdf2:"))
        assert "a-new-password" not in user.password_hash
        assert check_sign_in(uow.session, "王五", "a-new-password", "1.2.3.4",
                             services.clock.now()).user is not None
        assert uow.session.scalars(select(AuditEntry.action).where(
            AuditEntry.entity == "admin_user")).all() == ["create", "password"]
    assert count(services, Unit) == 0
