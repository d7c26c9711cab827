"""Every kind of durable work by name, and what a job is.

A producer queues work under one of these names (`storage.queue.enqueue`); the
composition root (bot/bootstrap.py `job_table`) maps every name to the function that
does it; the worker (bot/worker.py) refuses to start when a name has no function, so a
kind nobody registered fails at start-up, not when its first item is claimed.
"""
from __future__ import annotations

import enum
from typing import Any, Callable


class JobKind(enum.StrEnum):
    """The `kind` of a work item, as stored."""

    WECOM_MEDIA = "wecom_media"              # download a WeCom photo or file, then its receipt
    DINGTALK_MEDIA = "dingtalk_media"        # the same for DingTalk
    DINGTALK_REPLY = "dingtalk_reply"        # answer a robot message through its sessionWebhook
    OUTBOX_FLUSH = "outbox_flush"            # send a member's pending answers as one message
    REPROCESS_INBOUND = "reprocess_inbound"  # handle again a message whose handling failed
    READ_DOCUMENT = "read_document"          # read the text of a received Word or PDF file
    DELIVER_NOTICES = "deliver_notices"      # send a batch of reminders or results
    MAIL_SUMMARY = "mail_summary"            # mail a completed month to the office
    WECOM_USER_NAME = "wecom_user_name"      # record the name WeCom shows for a bound member
    EXPIRE_REJECTED_FILES = "expire_rejected_files"   # remove refused files past retention
    BUILD_EVIDENCE_PACK = "build_evidence_pack"       # write every unit's quarter into one zip
    EXPIRE_EVIDENCE_PACKS = "expire_evidence_packs"   # remove built packs past their keeping


Job = Callable[[dict[str, Any], Any], None]   # (payload, services) -> None; raises to retry


class PermanentError(Exception):
    """Work that can never succeed: the worker records it failed, with no more retries."""
