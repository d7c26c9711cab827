"""The worker's half of a DingTalk picture or file (bot/channels/media.py does the work).

The receipt goes into the outbox like WeCom's (coalesced per member); the DingTalk
sender delivers it through the member's live one-to-one sessionWebhook when there is
one, else by batchSend.
"""
from __future__ import annotations

from typing import Any

from bot.channels import media as media_job
from bot.channels.dingtalk.api import MediaTooLarge, MediaUnavailable, NotMedia, QuotaExceeded
from bot.channels.dingtalk.inbox import media_key


SOURCE = media_job.MediaSource(
    name="DingTalk", client=lambda services: services.dingtalk,
    download=lambda client, payload: client.download(payload["download_code"]),
    work_key=media_key, permanent=(MediaUnavailable, MediaTooLarge, QuotaExceeded),
    reasons={MediaTooLarge: "文件太大，超过 {max_mb}MB",
             MediaUnavailable: "钉钉上的文件已失效",
             QuotaExceeded: "本单位钉钉本月的接口调用次数已用完，请联系中心办公室",
             NotMedia: "钉钉多次返回的是错误信息而不是文件"},
    not_configured="[dingtalk] app_key/app_secret not configured: cannot download")


def download_and_handle(payload: dict[str, Any], services) -> None:
    """Work item `dingtalk_media`: fetch the file, run the handler, push its receipt."""
    media_job.download_and_handle(SOURCE, payload, services)
