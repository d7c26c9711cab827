"""The DingTalk server APIs on requests: accessToken, messageFiles/download,
oToMessages/batchSend, a conversation's sessionWebhook, the custom group robot, and the
Stream gateway's connections/open.

The dingtalk-stream SDK's helpers are not used for any of this: they make blocking
calls without timeouts (inside async handlers), keep the token per process, and take
their base URL from an environment variable read at import. This client takes
api_base/oapi_base from [dingtalk], always passes a timeout, keeps the token in the
database for every process (refreshed five minutes before it expires, and at most once
per call when DingTalk refuses it), and tells a used-up monthly API quota (90020) from
a failure that a retry may cure.
"""
from __future__ import annotations

import logging
from typing import Any, Callable
from urllib.parse import quote_plus

import requests

from bot.channels.clients import (
    Answer,
    ApiClient,
    Media,
    disposition_filename,
    media_type,
    not_media,
)
from bot.channels.dingtalk.sign import webhook_sign
from bot.channels.sending import PlatformError

log = logging.getLogger(__name__)

TOKEN_CODES = {"InvalidAuthentication", "InvalidAccessToken", "AccessTokenExpired", 40014, 42001}
THROTTLE_CODES = {90002, 90018, 90019, 130101, 410100}   # over a rate limit ("send too fast")
QUOTA_CODES = {90020, "90020", "Forbidden.AccessDenied.ApiCountLimitForOrg"}
MAX_USERS_PER_CALL = 20                                   # oToMessages/batchSend userIds
STREAM_UA = "summary-bot/dingtalk-stream-0.24.3"


class DingtalkError(PlatformError):
    """DingTalk refused or could not be reached.

    `transient`: a later retry may help; `retry_now`: worth retrying within this call
    (busy, 5xx, network) rather than later (a throttle lasts minutes).
    """

    def __init__(self, message: str, *, code: int | str | None = None, status: int | None = None,
                 transient: bool = False, retry_now: bool = False, token_error: bool = False):
        super().__init__(message, code=code, transient=transient)  # type: ignore[arg-type]
        self.status = status
        self.retry_now = retry_now
        self.token_error = token_error
        self.calls = 0


class QuotaExceeded(DingtalkError):
    """The organisation's monthly API quota is used up (90020). Not transient."""


class MediaUnavailable(DingtalkError):
    """messageFiles/download refused the downloadCode (expired or wrong). Permanent."""


class NotMedia(DingtalkError):
    """The download link answered an error page or JSON instead of the file."""


class MediaTooLarge(DingtalkError):
    """The download is bigger than we accept. Permanent."""


class DingtalkApi(ApiClient):
    """One internal app's API client (clients.ApiClient: timeouts, token, retries)."""

    error, too_large = DingtalkError, MediaTooLarge

    def __init__(self, *, api_base: str, oapi_base: str, app_key: str, app_secret: str,
                 robot_code: str, **common: Any):
        super().__init__(**common)
        self.api_base = api_base.rstrip("/")
        self.oapi_base = oapi_base.rstrip("/")
        self.app_key, self.app_secret = app_key, app_secret
        self.robot_code = robot_code or app_key

    def download(self, download_code: str) -> Media:
        """Fetch a received picture or file: a download URL for its code, then the bytes.

        Raises:
            MediaUnavailable: DingTalk refused the code; ask the member to send it again.
            MediaTooLarge: bigger than `max_media_bytes`.
            NotMedia: the link answered JSON or HTML, not the file (retried later).
            QuotaExceeded: the monthly API quota is used up.
            DingtalkError: anything else (transient or not).
        """
        body = {"downloadCode": download_code, "robotCode": self.robot_code}
        try:
            answer = self._api("/v1.0/robot/messageFiles/download", body)
        except DingtalkError as exc:
            if (type(exc) is DingtalkError and exc.status and 400 <= exc.status < 500
                    and not exc.transient and not exc.token_error):
                raise MediaUnavailable(str(exc), code=exc.code, status=exc.status) from None
            raise
        url = answer.data.get("downloadUrl")
        if not isinstance(url, str) or not url.startswith(("https://", "http://")):
            raise DingtalkError("messageFiles/download: no downloadUrl", transient=True)
        return self._fetch_file(url)

    def batch_send(self, user_ids: list[str], msg_key: str, msg_param: str) -> Answer:
        """One oToMessages/batchSend to at most 20 members; `msg_param` is a JSON string."""
        if not 0 < len(user_ids) <= MAX_USERS_PER_CALL:
            raise ValueError("batchSend takes 1 to 20 userIds")
        return self._api("/v1.0/robot/oToMessages/batchSend",
                         {"robotCode": self.robot_code, "userIds": list(user_ids),
                          "msgKey": msg_key, "msgParam": msg_param})

    def post_session(self, url: str, body: dict[str, Any]) -> Answer:
        """POST a reply to a conversation's sessionWebhook (no token; ~90 minutes valid)."""
        if not url.startswith(self.oapi_base + "/"):
            raise DingtalkError("sessionWebhook is not on [dingtalk] oapi_base")
        return self._retrying("sessionWebhook", lambda: self._post(url, body))

    def post_robot(self, access_token: str, secret: str, body: dict[str, Any],
                   timestamp_ms: int) -> Answer:
        """POST to a custom group robot; with a secret the URL is signed (加签)."""
        url = f"{self.oapi_base}/robot/send?access_token={quote_plus(access_token)}"
        if secret:
            url += f"&timestamp={timestamp_ms}&sign={webhook_sign(timestamp_ms, secret)}"
        return self._retrying("robot/send", lambda: self._post(url, body))

    def open_connection(self, topic: str) -> dict[str, str]:
        """A Stream endpoint and its one-use ticket (gateway/connections/open)."""
        body = {"clientId": self.app_key, "clientSecret": self.app_secret,
                "subscriptions": [{"type": "CALLBACK", "topic": topic}],
                "ua": STREAM_UA, "localIp": ""}
        data = self._retrying("connections/open", lambda: self._post(
            self.api_base + "/v1.0/gateway/connections/open", body)).data
        if not all(isinstance(data.get(k), str) and data[k] for k in ("endpoint", "ticket")):
            raise DingtalkError("connections/open: no endpoint or ticket", transient=True)
        return {"endpoint": data["endpoint"], "ticket": data["ticket"]}

    def _api(self, path: str, body: dict[str, Any]) -> Answer:
        """A token-authenticated api.dingtalk.com POST: one token refresh, bounded retries."""
        def call(token: str) -> dict:
            return self._post(self.api_base + path, body, {"x-acs-dingtalk-access-token": token})
        return self._retrying(path.rsplit("/v1.0/", 1)[-1], lambda: self._with_token(call))

    def _fetch_token(self) -> tuple[str, int]:
        if not (self.app_key and self.app_secret):
            raise DingtalkError("[dingtalk] app_key and app_secret are not set")
        try:
            data = self._retrying("oauth2/accessToken", lambda: self._post(
                self.api_base + "/v1.0/oauth2/accessToken",
                {"appKey": self.app_key, "appSecret": self.app_secret})).data
        except DingtalkError as exc:
            if exc.token_error or (exc.status and 400 <= exc.status < 500 and not exc.transient):
                raise DingtalkError(f"{exc} (check [dingtalk] app_key and app_secret)",
                                    code=exc.code, status=exc.status) from None
            raise
        token, expires = data.get("accessToken"), data.get("expireIn")
        if not isinstance(token, str) or not token:
            raise DingtalkError("oauth2/accessToken: no accessToken", transient=True)
        log.info("fetched a new DingTalk access token")
        return token, int(expires) if isinstance(expires, int) and expires > 0 else 7200

    def _with_token(self, call: Callable[[str], dict]) -> dict:
        """Run `call(token)`; on a token error refresh once and run it again, no more."""
        token = self.token()
        try:
            return call(token)
        except DingtalkError as exc:
            if not exc.token_error:
                raise
            log.warning("DingTalk refused the access token (%s); refreshing once", exc.code)
            return call(self.tokens.refresh(self._fetch_token, stale=token))

    def _retry_now(self, exc: PlatformError) -> bool:
        # Some transient failures (a rate limit) are not worth retrying within the call.
        return exc.retry_now if isinstance(exc, DingtalkError) else exc.transient

    def _post(self, url: str, body: dict[str, Any], headers: dict[str, str] | None = None) -> dict:
        what = url.split("?")[0].removeprefix(self.api_base).removeprefix(self.oapi_base)
        resp = self._request("POST", url, self.timeout, what, json=body, headers=headers)
        with resp:
            status = resp.status_code
            try:
                data = resp.json()
            except ValueError:
                data = None
        if not isinstance(data, dict):
            # The per-IP limit answers HTML for five minutes; a proxy error may too.
            raise DingtalkError(f"{what}: HTTP {status}, not a JSON object", status=status,
                                transient=True, retry_now=status >= 500)
        if status == 200 and data.get("errcode") in (None, 0):
            return data
        raise _error(what, status, data)

    def _request(self, method: str, url: str, timeout, what: str, **kwargs) -> requests.Response:
        try:
            return self.http.request(method, url, timeout=timeout, **kwargs)
        except requests.RequestException as exc:
            raise DingtalkError(f"{what}: {type(exc).__name__}", transient=True,
                                retry_now=True) from None

    def _fetch_file(self, url: str) -> Media:
        with self._request("GET", url, self.media_timeout, "downloadUrl", stream=True) as resp:
            if resp.status_code != 200:
                # The link is temporary: the next attempt asks for a fresh one.
                raise DingtalkError(f"downloadUrl: HTTP {resp.status_code}", transient=True,
                                    status=resp.status_code)
            kind = media_type(resp.headers.get("Content-Type"))
            disposition = resp.headers.get("Content-Disposition", "")
            data = self._read_capped(resp, "downloadUrl")
        refused = not_media(kind, data)
        if refused is not None:
            # The link is temporary: the next attempt asks for a fresh one.
            raise NotMedia(f"downloadUrl: {refused}", transient=True)
        return Media(data=data, content_type=kind or "application/octet-stream",
                     filename=disposition_filename(disposition))


def _error(what: str, status: int, data: dict) -> DingtalkError:
    """The error an answer stands for: new-style {code, message} or old-style {errcode, errmsg}."""
    code = data.get("code") if data.get("code") not in (None, "") else data.get("errcode")
    code = code if isinstance(code, (str, int)) or code is None else str(code)
    text = f"{what}: HTTP {status} {code}: {data.get('message') or data.get('errmsg') or ''}"
    if code in QUOTA_CODES or "ApiCountLimit" in str(code):
        return QuotaExceeded(
            f"DingTalk refused: the organisation's monthly API quota is used up (90020) — "
            f"upgrade the DingTalk edition or wait for next month. {text}",
            code=code, status=status)
    if status == 401 or code in TOKEN_CODES:
        return DingtalkError(text, code=code, status=status, token_error=True)
    throttled = status == 429 or code in THROTTLE_CODES or any(
        word in str(code) for word in ("QpsLimit", "Throttl", "FlowControl"))
    busy = status >= 500 or code == -1 or str(code).lower().startswith(
        ("internalerror", "serviceunavailable", "systembusy"))
    return DingtalkError(text, code=code, status=status, transient=throttled or busy,
                         retry_now=busy and not throttled)
