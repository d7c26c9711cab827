"""The composition root: wire the real parts (or a test's clock) from one Config, and the
one table of work: which function does each kind of work item (bot/jobs.py)."""
from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

from bot.channels import outbox
from bot.channels.dingtalk import media as dingtalk_media
from bot.channels.dingtalk import reply as dingtalk_reply
from bot.channels.dingtalk.api import DingtalkApi
from bot.channels.dingtalk.sender import build_dingtalk
from bot.channels.sending import Sender
from bot.channels.wecom import media as wecom_media
from bot.channels.wecom import names as wecom_names
from bot.channels.wecom.api import WecomApi
from bot.channels.wecom.sender import build_wecom
from bot.clock import SystemClock
from bot.config_sections import Config
from bot.conversation import Conversation
from bot.document_text import read_document
from bot.jobs import Job, JobKind
from bot.memo import Memo
from bot.office.pack_builds import build_pack, expire_packs
from bot.rejected_files import expire_rejected_files
from bot.worker.mail import mail_summary
from bot.worker.notices import deliver as deliver_notices
from storage.db import make_engine, make_session_factory
from storage.files import DocumentLimits, FileLimits, FileStore


@dataclass
class Services:
    config: Config
    engine: Engine
    session_factory: sessionmaker[Session]
    files: FileStore
    clock: object
    conversation: Conversation
    wecom: WecomApi | None = None                              # [wecom] secret set
    dingtalk: DingtalkApi | None = None                        # [dingtalk] keys set
    senders: dict[str, Sender] = field(default_factory=dict)   # channel -> active messages
    jobs: dict[str, Job] = field(default_factory=dict)         # work item kind -> its job
    memo: Memo = field(default_factory=Memo)                   # the office pages' results

    def close(self) -> None:
        """Release database connections and platform clients."""
        if self.wecom is not None:
            self.wecom.close()
        if self.dingtalk is not None:
            self.dingtalk.close()
        self.engine.dispose()

    def __enter__(self) -> "Services":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def job_table() -> dict[str, Job]:
    """Every kind of work item and the function that does it."""
    return {
        JobKind.WECOM_MEDIA: wecom_media.download_and_handle,
        JobKind.DINGTALK_MEDIA: dingtalk_media.download_and_handle,
        JobKind.DINGTALK_REPLY: dingtalk_reply.send_reply,
        JobKind.OUTBOX_FLUSH: outbox.flush,
        JobKind.REPROCESS_INBOUND: outbox.reprocess_and_push,
        JobKind.READ_DOCUMENT: read_document,
        JobKind.DELIVER_NOTICES: deliver_notices,
        JobKind.MAIL_SUMMARY: mail_summary,
        JobKind.EXPIRE_REJECTED_FILES: expire_rejected_files,
        JobKind.WECOM_USER_NAME: wecom_names.record_name,
        JobKind.BUILD_EVIDENCE_PACK: build_pack,
        JobKind.EXPIRE_EVIDENCE_PACKS: expire_packs,
    }


def file_limits(config: Config) -> FileLimits:
    """The photo and document limits from [files]."""
    f, mib = config.files, 1024 * 1024
    reading = DocumentLimits(max_members=f.document_max_members,
                             max_member_bytes=f.document_max_unpacked_mb * mib,
                             max_total_bytes=f.document_max_total_unpacked_mb * mib,
                             max_pages=f.document_max_pages,
                             max_seconds=f.document_max_seconds)
    return FileLimits(photo_max_bytes=f.photo_max_mb * mib,
                      photo_max_pixels=f.photo_max_megapixels * 1_000_000,
                      document_max_bytes=f.document_max_mb * mib,
                      thumb_size=f.thumb_size, document=reading)


def build_services(config: Config, clock=None) -> Services:
    """Build everything the web app, the worker and the CLI share."""
    clock = clock or SystemClock()
    engine = make_engine(config.database.url)
    factory = make_session_factory(engine)
    files = FileStore(config.files.dir, file_limits(config))
    services = Services(config=config, engine=engine, session_factory=factory, files=files,
                        clock=clock, conversation=Conversation(factory, files, config, clock),
                        jobs=job_table())
    try:
        wecom = build_wecom(config, factory, clock)
        if wecom is not None:
            services.wecom, services.senders["wecom"] = wecom
        dingtalk = build_dingtalk(config, factory, clock)
        if dingtalk is not None:
            services.dingtalk, services.senders["dingtalk"] = dingtalk
    except Exception:
        services.close()
        raise
    return services
