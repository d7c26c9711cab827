"""The worker's half of a WeCom photo or file (bot/channels/media.py does the work)."""
from __future__ import annotations

from typing import Any

from bot.channels import media as media_job
from bot.channels.wecom.api import MediaExpired, MediaTooLarge, NotMedia
from bot.channels.wecom.callback import media_key


SOURCE = media_job.MediaSource(
    name="WeCom", client=lambda services: services.wecom,
    download=lambda client, payload: client.get_media(payload["media_id"]),
    work_key=media_key, permanent=(MediaExpired, MediaTooLarge),
    reasons={MediaTooLarge: "文件太大，超过 {max_mb}MB",
             MediaExpired: "企业微信上的文件已过期（只保留 3 天）",
             NotMedia: "企业微信多次返回的是错误信息而不是文件"},
    not_configured="[wecom] secret/agent_id not configured: cannot download media",
    fallback_name=lambda payload: payload["media_id"][:40])


def download_and_handle(payload: dict[str, Any], services) -> None:
    """Work item `wecom_media`: fetch the media, run the handler, push its receipt."""
    media_job.download_and_handle(SOURCE, payload, services)
