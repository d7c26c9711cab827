"""python -m bot: init, import-units, bind-code, on a real database."""
from __future__ import annotations

import subprocess
import sys

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from bot.cli import main
from storage.db import UnitOfWork
from storage.models import BindingCode, Liaison, Unit


@pytest.fixture
def cfg(config, tmp_path):
    path = tmp_path / "bot.toml"
    path.write_text(f'[database]\nurl = "{config.database.url}"\n'
                    f'[files]\ndir = "{config.files.dir}"\n', encoding="utf-8")
    return str(path)


def count(services, model, *where):
    with UnitOfWork(services.session_factory) as uow:
        return uow.session.scalar(select(func.count()).select_from(model).where(*where))


def test_init_imports_the_sample_units_on_a_fresh_database_only(cfg, services, capsys):
    assert main(["--config", cfg, "init", "--units", "examples/units.csv"]) == 0
    assert count(services, Unit) == 30
    assert count(services, Unit, Unit.category == "key") == 22
    assert count(services, Liaison, Liaison.channel == "console") == 30
    with UnitOfWork(services.session_factory) as uow:
        from storage.queries import unit_by_name
        unit_by_name(uow.session, "县委党校").category = "department"
        uow.commit()
    assert main(["--config", cfg, "init", "--units", "examples/units.csv"]) == 0
    assert count(services, Unit, Unit.category == "key") == 21  # not re-imported


def test_reimporting_updates_and_never_duplicates(cfg, services, tmp_path):
    path = tmp_path / "u.csv"
    path.write_text("name,category,liaisons\n县委党校,key,console:a;wecom:zhangsan\n", encoding="utf-8")
    assert main(["--config", cfg, "import-units", str(path)]) == 0
    path.write_text("name,category,liaisons\n县委党校,department,wecom:zhangsan;dingtalk:0123\n",
                    encoding="utf-8")
    assert main(["--config", cfg, "import-units", str(path)]) == 0
    assert count(services, Unit) == 1
    assert count(services, Unit, Unit.category == "department") == 1
    assert count(services, Liaison) == 3


def test_a_liaison_listed_under_another_unit_is_moved(cfg, services, tmp_path):
    path = tmp_path / "u.csv"
    path.write_text("name,category,liaisons\n甲,key,wecom:zs\n乙,key,\n", encoding="utf-8")
    main(["--config", cfg, "import-units", str(path)])
    path.write_text("name,category,liaisons\n乙,key,wecom:zs\n", encoding="utf-8")
    main(["--config", cfg, "import-units", str(path)])
    with UnitOfWork(services.session_factory) as uow:
        lz = uow.session.scalars(select(Liaison)).one()
        assert uow.session.get(Unit, lz.unit_id).name == "乙"


def test_bad_rows_are_reported_by_line_and_nothing_is_imported(cfg, services, tmp_path, capsys):
    path = tmp_path / "u.csv"
    path.write_text("name,category,liaisons\n县委党校,key,console:a\n县妇联,bureau,\n"
                    ",key,\n团县委,key,qq:123\n县委党校,key,\n", encoding="utf-8")
    assert main(["--config", cfg, "import-units", str(path)]) == 2
    err = capsys.readouterr().err
    starts = [line.split("：")[0] for line in err.splitlines()[1:]]
    assert starts == ["第3行", "第4行", "第5行", "第6行"]
    assert count(services, Unit) == 0


def test_a_wrong_header_is_refused(cfg, services, tmp_path, capsys):
    path = tmp_path / "u.csv"
    path.write_text("单位,类别\n县委党校,key\n", encoding="utf-8")
    assert main(["--config", cfg, "import-units", str(path)]) == 2
    assert "表头" in capsys.readouterr().err


def test_an_xlsx_unit_list_imports_like_a_csv(cfg, services, tmp_path):
    book = Workbook()
    sheet = book.active
    sheet.append(["name", "category", "liaisons"])
    sheet.append(["县科协", "key", "dingtalk:0123;console:kx"])
    sheet.append(["国网西乡县供电公司", "stationed", None])
    path = tmp_path / "u.xlsx"
    book.save(path)
    assert main(["--config", cfg, "import-units", str(path)]) == 0
    assert count(services, Unit) == 2 and count(services, Liaison) == 2


def test_a_gb18030_csv_from_excel_imports(cfg, services, tmp_path):
    path = tmp_path / "u.csv"
    path.write_bytes("name,category,liaisons\n县残联,key,console:cl\n".encode("gb18030"))
    assert main(["--config", cfg, "import-units", str(path)]) == 0
    assert count(services, Unit, Unit.name == "县残联") == 1


def test_bind_code_prints_a_fresh_single_use_code(cfg, services, capsys):
    main(["--config", cfg, "init", "--units", "examples/units.csv"])
    capsys.readouterr()
    assert main(["--config", cfg, "bind-code", "县妇联"]) == 0
    code = capsys.readouterr().out.strip()
    assert len(code) == 8
    assert count(services, BindingCode, BindingCode.code == code) == 1
    assert main(["--config", cfg, "bind-code", "不存在的单位"]) == 2


def test_a_bad_config_stops_the_cli_naming_the_key(tmp_path, capsys):
    path = tmp_path / "bad.toml"
    path.write_text("[deadline]\nday = 40\n", encoding="utf-8")
    assert main(["--config", str(path), "init"]) == 2
    assert "deadline.day" in capsys.readouterr().err


def test_python_dash_m_bot_runs_as_a_program(cfg):
    result = subprocess.run([sys.executable, "-m", "bot", "--config", cfg, "init"],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert "数据库" in result.stdout


def test_a_unit_list_names_categories_by_the_configured_rubric_id_title_or_short_word(
        cfg, services, tmp_path):
    with open(cfg, "a", encoding="utf-8") as f:
        f.write('[rubric]\nfile = "example-district"\n')
    path = tmp_path / "u.csv"
    path.write_text("name,category,liaisons\n城关分中心,分中心,\n东街所,station,\n"
                    "西街站,实践所站,\n", encoding="utf-8")
    assert main(["--config", cfg, "import-units", str(path)]) == 0
    assert count(services, Unit, Unit.category == "sub_centre") == 1
    assert count(services, Unit, Unit.category == "station") == 2


def test_a_category_the_rubric_does_not_have_is_refused_naming_the_ones_it_has(
        cfg, services, tmp_path, capsys):
    path = tmp_path / "u.csv"
    path.write_text("name,category,liaisons\n城关分中心,分中心,\n", encoding="utf-8")
    assert main(["--config", cfg, "import-units", str(path)]) == 2
    err = capsys.readouterr().err
    assert "第2行：类别「分中心」不对，应为 重点（key）、部门（department）、驻县（stationed）" in err
    assert count(services, Unit) == 0
