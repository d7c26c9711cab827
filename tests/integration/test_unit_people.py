"""People, not platform ids: the unit list's liaison names and phones, and every place that
names a liaison (the unit page, the audit log, `remind --dry-run`) says who it is."""
from __future__ import annotations

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from bot.app import create_app
from bot.cli import main
from bot.clock import FixedClock
from storage.db import UnitOfWork
from storage.models import AuditEntry, Liaison, Unit
from tests.admin_support import make_users, sign_in
from tests.conftest import shanghai

CHINESE = ("单位名称,类别,联络员账号,联络员姓名,联络员电话\n"
           "县委党校,重点,wecom:zhangsan;console:dangxiao,张三,13800000001\n"
           "团县委,key,dingtalk:0123;wecom:lisi,王五；李四,0916-6212345；13800000002\n"
           "县妇联,department,,,\n")


@pytest.fixture
def cfg(config, tmp_path):
    path = tmp_path / "bot.toml"
    path.write_text(f'[database]\nurl = "{config.database.url}"\n'
                    f'[files]\ndir = "{config.files.dir}"\n', encoding="utf-8")
    return str(path)


def import_units(cfg, tmp_path, text: str, name: str = "u.csv") -> int:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return main(["--config", cfg, "import-units", str(path)])


def people(services) -> dict[str, tuple[str, str, str]]:
    """channel:id -> (unit, name, phone)."""
    with UnitOfWork(services.session_factory) as uow:
        return {f"{lz.channel}:{lz.platform_user_id}": (unit, lz.display_name, lz.phone)
                for lz, unit in uow.session.execute(
                    select(Liaison, Unit.name).join(Unit, Unit.id == Liaison.unit_id))}


def test_a_chinese_unit_list_gives_each_account_its_person_s_name_and_phone(
        cfg, services, tmp_path, capsys):
    assert import_units(cfg, tmp_path, CHINESE) == 0
    assert people(services) == {
        "wecom:zhangsan": ("县委党校", "张三", "13800000001"),    # one name for every account
        "console:dangxiao": ("县委党校", "张三", "13800000001"),
        "dingtalk:0123": ("团县委", "王五", "0916-6212345"),      # one per account, in order
        "wecom:lisi": ("团县委", "李四", "13800000002")}
    assert "新增单位 3 个" in capsys.readouterr().out


def test_an_xlsx_with_chinese_headers_reads_a_phone_typed_as_a_number(cfg, services, tmp_path):
    book = Workbook()
    book.active.append(["单位名称", "类别", "联络员账号", "联络员姓名", "联络员电话"])
    book.active.append(["县科协", "key", "dingtalk:0456", "赵六", 13800000003])
    book.active.append(["县残联", "key", "dingtalk:0789", None, 13800000004.0])
    book.save(tmp_path / "u.xlsx")
    assert main(["--config", cfg, "import-units", str(tmp_path / "u.xlsx")]) == 0
    assert people(services) == {"dingtalk:0456": ("县科协", "赵六", "13800000003"),
                                "dingtalk:0789": ("县残联", "", "13800000004")}


def test_an_old_file_without_names_still_imports_and_keeps_the_names_known(
        cfg, services, tmp_path):
    import_units(cfg, tmp_path, CHINESE)
    assert import_units(cfg, tmp_path, "name,category,liaisons\n"
                                       "县委党校,key,wecom:zhangsan;console:dangxiao\n") == 0
    assert people(services)["wecom:zhangsan"] == ("县委党校", "张三", "13800000001")


def test_a_new_phone_on_reimport_is_kept_and_audited_in_words(cfg, services, tmp_path):
    import_units(cfg, tmp_path, CHINESE)
    assert import_units(cfg, tmp_path, "单位名称,类别,联络员账号,联络员电话\n"
                                       "县委党校,key,wecom:zhangsan,13900000009\n") == 0
    assert people(services)["wecom:zhangsan"] == ("县委党校", "张三", "13900000009")
    with UnitOfWork(services.session_factory) as uow:
        [entry] = uow.session.scalars(select(AuditEntry).where(
            AuditEntry.action == "update", AuditEntry.entity == "liaison")).all()
        assert (entry.old, entry.new) == ({"display_name": "张三", "phone": "13800000001"},
                                          {"display_name": "张三", "phone": "13900000009"})


@pytest.mark.parametrize("row, problem", [
    ("县委党校,key,,张三,", "第2行：填了联络员姓名，但没有联络员账号"),
    ("县委党校,key,wecom:a;wecom:b;wecom:c,张三;李四,", "第2行：联络员姓名有 2 个，账号有 3 个"),
    ("县委党校,key,wecom:a,张三,请打办公室", "第2行：联络员电话「请打办公室」不像电话号码"),
])
def test_names_and_phones_that_fit_no_account_are_refused_by_line(
        cfg, services, tmp_path, capsys, row, problem):
    assert import_units(cfg, tmp_path, f"单位名称,类别,联络员账号,联络员姓名,联络员电话\n{row}\n") == 2
    assert problem in capsys.readouterr().err
    assert people(services) == {}


def test_an_unknown_column_is_refused_with_the_headers_to_use(cfg, services, tmp_path, capsys):
    assert import_units(cfg, tmp_path, "单位名称,类别,联络人手机\n县委党校,key,138\n") == 2
    err = capsys.readouterr().err
    assert "第1行：不认识的列「联络人手机」" in err and "联络员电话" in err


def set_names(services, names: dict[str, tuple[str, str]]) -> None:
    with UnitOfWork(services.session_factory) as uow:
        for lz in uow.session.scalars(select(Liaison)):
            lz.display_name, lz.platform_name = names.get(lz.platform_user_id, ("", ""))
        uow.commit()


def test_the_dry_run_names_each_liaison_by_name_else_platform_name_else_id(
        cfg, services, tmp_path, capsys):
    import_units(cfg, tmp_path, "name,category,liaisons\n"
                                "县委党校,key,wecom:zhangsan;dingtalk:0123;console:dangxiao\n")
    set_names(services, {"zhangsan": ("张三", "张老三"), "0123": ("", "王五")})
    capsys.readouterr()
    main(["--config", cfg, "remind", "--dry-run"], clock=FixedClock(shanghai(2026, 3, 20, 10)))
    assert capsys.readouterr().out.splitlines()[0] == (
        "县委党校：文字 0/50 字，图片 0/1 张；联络员：张三（企业微信）、王五（钉钉）、"
        "dangxiao（网页控制台）")


def test_the_unit_page_and_the_audit_log_name_the_liaisons(cfg, services, tmp_path):
    import_units(cfg, tmp_path, CHINESE)
    set_names(services, {"zhangsan": ("张三", "张老三"), "0123": ("", "王五")})
    make_users(services)
    client = create_app(services=services).test_client()
    sign_in(client)
    with UnitOfWork(services.session_factory) as uow:
        unit_id = uow.session.scalars(select(Unit.id).where(Unit.name == "县委党校")).one()
    html = client.get(f"/admin/units/{unit_id}").get_data(as_text=True)
    assert "<td>张三</td>" in html and "<td>张老三</td>" in html and "13800000001" in html
    assert "<td>dangxiao</td>" in html    # the console account nobody named: its id
    log = client.get("/admin/audit").get_data(as_text=True)
    assert "将联络员王五绑定到「团县委」" in log
    assert "电话记为「0916-6212345」" in log
