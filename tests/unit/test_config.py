"""The config: defaults, file, environment overrides, and refusals that name the key."""
from __future__ import annotations

from datetime import date

import pytest

from bot.config import ConfigError, build_config, load_config


def test_defaults_are_the_embedded_sqlite_and_local_folder():
    config = build_config({})
    assert config.database.url == "sqlite:///var/bot.db"
    assert config.files.dir == "var/files"
    assert config.console.enabled is True
    assert (config.deadline.day, config.deadline.inclusive) == (25, False)
    assert (config.summary.min_chars, config.summary.min_photos) == (50, 1)


def test_the_example_file_documents_exactly_the_defaults():
    assert load_config("config.example.toml", environ={}) == build_config({})


def test_the_environment_overrides_the_file(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[wecom]\nsecret = "from-file"\n[console]\nenabled = true\n', encoding="utf-8")
    config = load_config(path, environ={"BOT_WECOM_SECRET": "from-env",
                                        "BOT_CONSOLE_ENABLED": "false",
                                        "BOT_DEADLINE_EXTRA_HOLIDAYS": "2027-10-04,2027-10-05"})
    assert config.wecom.secret == "from-env"
    assert config.console.enabled is False
    assert config.deadline.extra_holidays == (date(2027, 10, 4), date(2027, 10, 5))


def test_bot_config_in_the_environment_names_the_file(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[deadline]\nday = 20\n', encoding="utf-8")
    assert load_config(environ={"BOT_CONFIG": str(path)}).deadline.day == 20


@pytest.mark.parametrize("raw, key", [
    ({"deadline": {"day": 32}}, "deadline.day"),
    ({"deadline": {"inclusive": "yes"}}, "deadline.inclusive"),
    ({"summary": {"min_chars": "many"}}, "summary.min_chars"),
    ({"deadline": {"extra_holidays": ["2027-13-01"]}}, "deadline.extra_holidays"),
    ({"wecom": {"encoding_aes_key": "short"}}, "wecom.encoding_aes_key"),
    ({"wecom": {"agent_id": True}}, "wecom.agent_id"),
    ({"database": {"uri": "x"}}, "database.uri"),
    ({"databse": {}}, "databse"),
    ({"rubric": {"no_such_number": 1}}, "no_such_number"),
])
def test_a_bad_value_stops_start_up_naming_the_key(raw, key):
    with pytest.raises(ConfigError, match=key.replace(".", r"\.")):
        build_config(raw)


def test_a_bad_boolean_in_the_environment_names_the_key():
    with pytest.raises(ConfigError, match=r"console\.enabled"):
        load_config(environ={"BOT_CONSOLE_ENABLED": "maybe"})


def test_a_missing_or_broken_file_is_reported(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.toml", environ={})
    bad = tmp_path / "bad.toml"
    bad.write_text("[database\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(bad, environ={})
