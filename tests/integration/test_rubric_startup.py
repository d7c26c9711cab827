"""Start-up reads the rubric file the config names: a broken file, or a new version that
drops a fact the office has entered values for, stops init (and serve, worker) with a
message saying which."""
from __future__ import annotations

from decimal import Decimal

import pytest

from bot.cli import main
from scoring.versions import packaged
from tests.conftest import add_unit
from tests.facts_kit import put_facts

XIXIANG = packaged("xixiang-2022").read_text(encoding="utf-8")
RENAMED = (XIXIANG.replace('version = "2022"', 'version = "2027"')
           .replace('effective_from = "2022Q1"', 'effective_from = "2027Q1"')
           .replace("awareness_rate", "phone_awareness"))
MAPPED = RENAMED.replace("[overrides]", '[previous]\nrenamed = { awareness_rate = '
                                        '"phone_awareness" }\n\n[overrides]')


@pytest.fixture
def versions(tmp_path):
    folder = tmp_path / "rubric"
    folder.mkdir()
    (folder / "2022.toml").write_text(XIXIANG, encoding="utf-8")
    (folder / "2027.toml").write_text(RENAMED, encoding="utf-8")
    return folder


def cfg(config, tmp_path, rubric) -> str:
    path = tmp_path / "bot.toml"
    path.write_text(f'[database]\nurl = "{config.database.url}"\n'
                    f'[files]\ndir = "{config.files.dir}"\n'
                    f'[rubric]\nfile = "{rubric}"\n', encoding="utf-8")
    return str(path)


def enter_awareness(services, quarter: str) -> int:
    unit_id = add_unit(services, "县妇联")
    put_facts(services, unit_id, quarter, awareness_rate=Decimal("76.5"))
    return unit_id


def test_init_stops_on_a_broken_rubric_file_naming_it(config, tmp_path, capsys):
    broken = tmp_path / "broken.toml"
    broken.write_text(XIXIANG.replace("due_day = 25", "due_day = 0"), encoding="utf-8")
    assert main(["--config", cfg(config, tmp_path, broken), "init"]) == 2
    err = capsys.readouterr().err
    assert str(broken) in err and "submissions.summary.due_day = 0" in err
    assert err.count("\n") == 1


def test_a_version_that_renames_an_entered_fact_stops_init(config, services, tmp_path, versions,
                                                           capsys):
    enter_awareness(services, "2027Q1")
    assert main(["--config", cfg(config, tmp_path, versions), "init"]) == 2
    err = capsys.readouterr().err
    assert "awareness_rate（知晓率）" in err and "2027.toml" in err


def test_values_entered_before_the_new_version_or_a_mapping_let_init_go_on(
        config, services, tmp_path, versions):
    unit_id = enter_awareness(services, "2026Q4")
    assert main(["--config", cfg(config, tmp_path, versions), "init"]) == 0
    put_facts(services, unit_id, "2027Q2", awareness_rate=Decimal(80))
    (versions / "2027.toml").write_text(MAPPED, encoding="utf-8")
    assert main(["--config", cfg(config, tmp_path, versions), "init"]) == 0
