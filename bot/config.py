"""Load the one config file into frozen dataclasses (bot/config_sections.py), validated
once at start-up.

Every key has a default (documented in config.example.toml); every key can also be
set from the environment as BOT_<SECTION>_<KEY> (e.g. BOT_WECOM_SECRET), which is how
secrets are meant to arrive. No other module reads os.environ.
"""
from __future__ import annotations

import dataclasses
import logging
import os
import tomllib
from datetime import date
from pathlib import Path
from typing import Any, Mapping

from bot.config_sections import Config
from scoring import RubricError
from scoring.params import with_overrides

log = logging.getLogger(__name__)


class ConfigError(Exception):
    """A config value is missing or wrong; the message names the key."""


DATE_LISTS = ("deadline.extra_holidays", "deadline.extra_workdays")
_CHECKS = {
    "admin.secret_key": lambda v: v == "" or len(v) >= 16,
    "admin.proxy_hops": lambda v: 0 <= v <= 5,
    "deadline.day": lambda v: 1 <= v <= 31,
    "summary.min_chars": lambda v: v >= 0,
    "summary.min_photos": lambda v: v >= 0,
    "summary.backfill_months": lambda v: v >= 1,
    "summary.backfill_hours": lambda v: v >= 1,
    "summary.refile_minutes": lambda v: v >= 1,
    "review.fix_working_days": lambda v: 0 <= v <= 60,
    "server.port": lambda v: 0 <= v <= 65535,
    "server.workers": lambda v: v >= 1,
    "server.threads": lambda v: v >= 1,
    "server.max_requests": lambda v: v >= 0,
    "server.max_requests_jitter": lambda v: v >= 0,
    "binding.code_ttl_hours": lambda v: v >= 1,
    "send_time.max_ahead_seconds": lambda v: 0 <= v <= 86400,
    "send_time.wecom_max_delay_seconds": lambda v: 0 <= v <= 86400,
    "send_time.dingtalk_max_delay_seconds": lambda v: 0 <= v <= 86400,
    "worker.max_attempts": lambda v: v >= 1,
    "worker.poll_seconds": lambda v: v > 0,
    "worker.lease_seconds": lambda v: v >= 3,
    "worker.threads": lambda v: 1 <= v <= 32,
    "files.photo_max_mb": lambda v: v >= 1,
    "files.photo_max_megapixels": lambda v: v >= 1,
    "files.document_max_mb": lambda v: v >= 1,
    "files.thumb_size": lambda v: 32 <= v <= 4096,
    "files.document_max_members": lambda v: v >= 1,
    "files.document_max_unpacked_mb": lambda v: v >= 1,
    "files.document_max_total_unpacked_mb": lambda v: v >= 1,
    "files.document_max_pages": lambda v: v >= 1,
    "files.document_max_seconds": lambda v: v > 0,
    "files.keep_rejected_days": lambda v: v >= 1,
    "evidence.keep_pack_days": lambda v: v >= 1,
    "wecom.encoding_aes_key": lambda v: v == "" or (len(v) == 43 and v.isalnum()),
    "reminders.schedule": lambda v: all(_is_slot(s, relative_ok=True) for s in v),
    "reminders.missed": lambda v: _is_slot(v, relative_ok=True),
    "reminders.digest": lambda v: all(_is_slot(s, relative_ok=True) for s in v),
    "reminders.quarter_result": lambda v: _is_clock(v),
    "reminders.quiet_start": lambda v: _is_clock(v),
    "reminders.quiet_end": lambda v: _is_clock(v),
    "reminders.grace_hours": lambda v: v > 0,
    "reminders.group_channel": lambda v: v in ("", "wecom", "dingtalk"),
    "mail.port": lambda v: 0 < v < 65536,
    "mail.security": lambda v: v in ("none", "starttls", "ssl"),
    "mail.to": lambda v: all("@" in a for a in v),
    "wecom.agent_id": lambda v: v >= 0,
    "wecom.api_base": lambda v: v.startswith(("https://", "http://")),
    "dingtalk.mode": lambda v: v in ("stream", "http"),
    "dingtalk.api_base": lambda v: v.startswith(("https://", "http://")),
    "dingtalk.oapi_base": lambda v: v.startswith(("https://", "http://")),
    "dingtalk.group_webhook_secret": lambda v: v == "" or v.startswith("SEC"),
}


def _is_clock(text: str) -> bool:
    hh, sep, mm = text.partition(":")
    return bool(sep) and hh.isdigit() and mm.isdigit() and int(hh) < 24 and int(mm) < 60


def _is_slot(text: str, relative_ok: bool) -> bool:
    """'20 09:10' (day of month) or '-1 16:10' / '+0 09:10' (days from the deadline date)."""
    day, _, clock = text.strip().partition(" ")
    if not _is_clock(clock.strip()):
        return False
    if day[:1] in "+-" and relative_ok:
        return day[1:].isdigit()
    return day.isdigit() and 1 <= int(day) <= 31


def load_config(path: str | os.PathLike | None = None,
                environ: Mapping[str, str] | None = None) -> Config:
    """Read the TOML file (if any), apply BOT_* environment overrides, validate."""
    environ = os.environ if environ is None else environ
    path = path or environ.get("BOT_CONFIG") or None
    raw: dict[str, Any] = {}
    if path:
        try:
            raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"config file not found: {path}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None
    return build_config(raw, environ)


def build_config(raw: Mapping[str, Any], environ: Mapping[str, str] | None = None) -> Config:
    """Build a validated Config from a parsed TOML mapping plus BOT_* env overrides."""
    environ = environ or {}
    sections: dict[str, Any] = {}
    explicit: set[str] = set()
    for f in dataclasses.fields(Config):
        if f.name == "explicit":
            continue
        given = raw.get(f.name, {})
        if not isinstance(given, Mapping):
            raise ConfigError(f"[{f.name}] must be a table")
        explicit |= {f"{f.name}.{key}" for key in given}
        if f.name == "rubric":
            sections["rubric"] = check_rubric(dict(given), environ.get("BOT_RUBRIC_FILE"))
            continue
        sections[f.name] = _build_section(f.name, f.default_factory, given, environ)
        explicit |= {f"{f.name}.{k}" for k in _keys(f.default_factory)
                     if f"BOT_{f.name}_{k}".upper() in environ}
    unknown = set(raw) - {f.name for f in dataclasses.fields(Config)}
    if unknown:
        raise ConfigError(f"unknown config section [{sorted(unknown)[0]}]")
    _say_deprecated(explicit, sections["rubric"])
    return Config(**sections, explicit=frozenset(explicit))


def _keys(cls) -> list[str]:
    return [f.name for f in dataclasses.fields(cls)]


# Config keys the rubric file now holds: they still override it, with a line in the log.
DEPRECATED = {"deadline.day": "due_day", "deadline.inclusive": "inclusive",
              "deadline.holiday_shift": "holiday_shift", "summary.min_chars": "min_chars",
              "summary.min_photos": "min_photos"}


def _say_deprecated(explicit: set[str], rubric: Mapping[str, Any]) -> None:
    for key in sorted(explicit & set(DEPRECATED)):
        log.warning("config %s is deprecated: the rubric file's [submissions] %s says it "
                    "(docs/rubric-file.md); the config's value still wins", key,
                    DEPRECATED[key])
    numbers = sorted(k for k in rubric if k != "file")
    if numbers:
        log.warning("config [rubric] %s is deprecated: write the numbers in a rubric file and "
                    "name it with [rubric] file (docs/rubric-file.md)", ", ".join(numbers))


def check_rubric(given: dict[str, Any], env_file: str | None = None) -> dict[str, Any]:
    """Read the rubric file `[rubric] file` names (or the packaged default) and apply the
    deprecated numbers beside it; a bad file or number stops start-up with one message."""
    file = env_file if env_file is not None else given.pop("file", "")
    given.pop("file", None)
    if not isinstance(file, str):
        raise ConfigError(f"config key rubric.file must be a path (text), got {file!r}")
    try:
        with_overrides(file or None, given)
    except RubricError as exc:
        raise ConfigError(str(exc)) from None
    except ValueError as exc:
        raise ConfigError(f"[rubric] {exc}") from None
    return {"file": file, **given}


def _build_section(name, cls, given: Mapping[str, Any], environ) -> Any:
    defaults = cls()
    values = {}
    known = {f.name: f for f in dataclasses.fields(cls)}
    for key in given:
        if key not in known:
            raise ConfigError(f"unknown config key {name}.{key}")
    for key, f in known.items():
        default = getattr(defaults, key)
        env_key = f"BOT_{name}_{key}".upper()
        if env_key in environ:
            value = _from_env(f"{name}.{key}", environ[env_key], default)
        elif key in given:
            value = given[key]
        else:
            value = default
        values[key] = _coerce(f"{name}.{key}", value, default)
        check = _CHECKS.get(f"{name}.{key}")
        if check and not check(values[key]):
            raise ConfigError(f"config key {name}.{key} has a bad value: {values[key]!r}")
    return cls(**values)


def _from_env(key: str, text: str, default: Any) -> Any:
    if isinstance(default, bool):
        if text.lower() in ("1", "true", "yes", "on"):
            return True
        if text.lower() in ("0", "false", "no", "off"):
            return False
        raise ConfigError(f"config key {key} (environment) must be true or false, got {text!r}")
    if isinstance(default, tuple):
        return [part.strip() for part in text.split(",") if part.strip()]
    return text


def _coerce(key: str, value: Any, default: Any) -> Any:
    try:
        if isinstance(default, bool):
            if not isinstance(value, bool):
                raise TypeError
            return value
        if isinstance(default, int):
            if isinstance(value, bool):
                raise TypeError
            return int(value)
        if isinstance(default, float):
            if isinstance(value, bool):
                raise TypeError
            return float(value)
        if isinstance(default, str):
            if not isinstance(value, str):
                raise TypeError
            return value
        if isinstance(default, tuple):
            if isinstance(value, str) or not isinstance(value, (list, tuple)):
                raise TypeError
            if key in DATE_LISTS:
                return tuple(v if isinstance(v, date) else date.fromisoformat(v) for v in value)
            if not all(isinstance(v, str) for v in value):
                raise TypeError
            return tuple(value)
    except (TypeError, ValueError):
        raise ConfigError(f"config key {key} has a bad value: {value!r}") from None
    return value
