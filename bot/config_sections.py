"""The config file's sections: every key with its default (documented, key by key, in
config.example.toml). bot/config.py reads a file into them and checks the values."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any, Mapping


@dataclass(frozen=True)
class DatabaseConfig:
    url: str = "sqlite:///var/bot.db"


@dataclass(frozen=True)
class FilesConfig:
    dir: str = "var/files"
    photo_max_mb: int = 20
    photo_max_megapixels: int = 50
    document_max_mb: int = 20
    thumb_size: int = 480
    document_max_members: int = 1000
    document_max_unpacked_mb: int = 10
    document_max_total_unpacked_mb: int = 50
    document_max_pages: int = 1000
    document_max_seconds: float = 20.0
    keep_rejected_days: int = 180


@dataclass(frozen=True)
class ConsoleConfig:
    enabled: bool = True


@dataclass(frozen=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 2
    threads: int = 4
    max_upload_mb: int = 25
    max_requests: int = 2000
    max_requests_jitter: int = 200


@dataclass(frozen=True)
class DeadlineConfig:
    day: int = 25
    inclusive: bool = False
    holiday_shift: bool = False
    extra_holidays: tuple[date, ...] = ()
    extra_workdays: tuple[date, ...] = ()


@dataclass(frozen=True)
class SummaryConfig:
    min_chars: int = 50
    min_photos: int = 1
    backfill_months: int = 12
    backfill_hours: int = 24
    refile_minutes: int = 30


@dataclass(frozen=True)
class ReviewConfig:
    fix_working_days: int = 3   # a returned summary fixed within this many working days keeps its time


@dataclass(frozen=True)
class SendTimeConfig:
    max_ahead_seconds: int = 120
    wecom_max_delay_seconds: int = 120
    dingtalk_max_delay_seconds: int = 300


@dataclass(frozen=True)
class BindingConfig:
    code_ttl_hours: int = 168


@dataclass(frozen=True)
class WorkerConfig:
    poll_seconds: float = 2.0
    max_attempts: int = 6
    backoff_seconds: float = 30.0
    lease_seconds: int = 30
    threads: int = 4


@dataclass(frozen=True)
class WecomConfig:
    corp_id: str = ""
    agent_id: int = 0
    secret: str = ""
    token: str = ""
    encoding_aes_key: str = ""
    api_base: str = "https://qyapi.weixin.qq.com"
    webhook_key: str = ""


@dataclass(frozen=True)
class DingtalkConfig:
    app_key: str = ""
    app_secret: str = ""
    robot_code: str = ""
    mode: str = "stream"
    api_base: str = "https://api.dingtalk.com"
    oapi_base: str = "https://oapi.dingtalk.com"
    group_webhook_token: str = ""
    group_webhook_secret: str = ""


@dataclass(frozen=True)
class RemindersConfig:
    enabled: bool = True
    schedule: tuple[str, ...] = ("20 09:10", "23 09:10", "-1 16:10")
    missed: str = "+0 09:10"
    digest: tuple[str, ...] = ("-1 16:20", "+0 09:20")
    quarter_result: str = "09:30"
    quiet_start: str = "08:30"
    quiet_end: str = "20:00"
    grace_hours: float = 6.0
    name_in_group: bool = False
    group_channel: str = ""


@dataclass(frozen=True)
class MailConfig:
    enabled: bool = False
    host: str = "localhost"
    port: int = 25
    security: str = "none"
    user: str = ""
    password: str = ""
    sender: str = ""
    to: tuple[str, ...] = ()
    timeout_seconds: float = 30.0


@dataclass(frozen=True)
class EvidenceConfig:
    keep_pack_days: int = 7


@dataclass(frozen=True)
class AdminConfig:
    secret_key: str = ""
    secure_cookies: bool = False
    demo: bool = True
    proxy_hops: int = 0


@dataclass(frozen=True)
class Config:
    database: DatabaseConfig = field(default_factory=DatabaseConfig)
    files: FilesConfig = field(default_factory=FilesConfig)
    console: ConsoleConfig = field(default_factory=ConsoleConfig)
    server: ServerConfig = field(default_factory=ServerConfig)
    deadline: DeadlineConfig = field(default_factory=DeadlineConfig)
    summary: SummaryConfig = field(default_factory=SummaryConfig)
    review: ReviewConfig = field(default_factory=ReviewConfig)
    send_time: SendTimeConfig = field(default_factory=SendTimeConfig)
    binding: BindingConfig = field(default_factory=BindingConfig)
    worker: WorkerConfig = field(default_factory=WorkerConfig)
    wecom: WecomConfig = field(default_factory=WecomConfig)
    dingtalk: DingtalkConfig = field(default_factory=DingtalkConfig)
    reminders: RemindersConfig = field(default_factory=RemindersConfig)
    mail: MailConfig = field(default_factory=MailConfig)
    admin: AdminConfig = field(default_factory=AdminConfig)
    evidence: EvidenceConfig = field(default_factory=EvidenceConfig)
    # [rubric]: "file" (a rubric file or a folder of its versions; "" the packaged default)
    # and the deprecated numbers that override it
    rubric: Mapping[str, Any] = field(default_factory=lambda: {"file": ""})
    # the "section.key"s the file or the environment set (not compared: the example file
    # that writes the defaults out equals no file at all)
    explicit: frozenset[str] = field(default=frozenset(), compare=False)
