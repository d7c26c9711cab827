"""The WeCom server API on requests: gettoken, media/get, message/send, webhook/send,
user/get.

wechatpy's client is not used here on purpose: its gettoken and media URLs are
hard-coded, it sends without timeouts, and it re-fetches the token in an unbounded
recursion on 40001/40014/42001. This client takes its base URL from [wecom] api_base,
always passes a timeout, keeps the token in the database for every process, and
refreshes it at most once per call.
"""
from __future__ import annotations

import logging
from typing import Any, Callable

import requests

from bot.channels.clients import (
    Answer,
    ApiClient,
    Media,
    disposition_filename,
    error_body,
    media_type,
    not_media,
)
from bot.channels.sending import PlatformError

log = logging.getLogger(__name__)

TOKEN_ERRORS = {40001, 40014, 42001}     # invalid credential / access_token, token expired
TRANSIENT_ERRORS = {-1, 45009, 45033}    # busy, over the rate limit, too many at once
MEDIA_EXPIRED = 40007                    # a media id older than 3 days, or wrong
ALL_RECIPIENTS_INVALID = 81013


class WecomError(PlatformError):
    """WeCom answered with a non-zero errcode, or could not be reached."""

    calls = 0   # HTTP calls spent before giving up, when known


class MediaExpired(WecomError):
    """media/get said 40007: the id expired (3 days) or never existed. Permanent."""


class NotMedia(WecomError):
    """media/get answered an error page or JSON instead of the file. A retry may help."""


class MediaTooLarge(WecomError):
    """The download is bigger than we accept. Permanent."""


class WecomApi(ApiClient):
    """One self-built app's API client (clients.ApiClient: timeouts, token, retries)."""

    error, too_large = WecomError, MediaTooLarge

    def __init__(self, *, base_url: str, corp_id: str, secret: str, **common: Any):
        super().__init__(**common)
        self.base_url = base_url.rstrip("/")
        self.corp_id = corp_id
        self.secret = secret

    def get_media(self, media_id: str) -> Media:
        """Download a received photo or file.

        Raises:
            MediaExpired: 40007, the id is gone; ask the member to send it again.
            MediaTooLarge: bigger than `max_media_bytes`.
            NotMedia: the body is JSON or HTML, not a file.
            WecomError: anything else (transient or not).
        """
        def fetch(token: str) -> Media | dict:
            with self._request("GET", "/cgi-bin/media/get", self.media_timeout, stream=True,
                               params={"access_token": token, "media_id": media_id}) as resp:
                kind = media_type(resp.headers.get("Content-Type"))
                data = self._read_capped(resp, "media/get")
                disposition = resp.headers.get("Content-Disposition", "")
            # An error comes as JSON with HTTP 200, whatever its Content-Type says.
            error = error_body(data)
            if error is not None and error.get("errcode") not in (None, 0):
                return error
            refused = not_media(kind, data)
            if refused is not None:
                raise NotMedia(f"media/get: {refused}", transient=True)
            return Media(data=data, content_type=kind or "application/octet-stream",
                         filename=disposition_filename(disposition))

        result = self._with_token(fetch)
        if isinstance(result, Media):
            return result
        code = result.get("errcode")
        if code == MEDIA_EXPIRED:
            raise MediaExpired(f"media/get 40007: {result.get('errmsg', '')}", code=code)
        raise _error("media/get", result)

    def send_message(self, body: dict[str, Any]) -> Answer:
        """POST message/send once, retrying transient errors with backoff; errcode 0 only."""
        return self._retrying("message/send", lambda: self._with_token(
            lambda token: self._post_json("/cgi-bin/message/send", {"access_token": token},
                                          body)))

    def user_name(self, user_id: str) -> str:
        """The member's name as WeCom shows it (user/get); "" when WeCom gives none (a
        third-party app gets the userid instead of the name)."""
        answer = self._retrying("user/get", lambda: self._with_token(
            lambda token: self._get_json("/cgi-bin/user/get",
                                         {"access_token": token, "userid": user_id})))
        name = answer.data.get("name")
        return name.strip() if isinstance(name, str) and name.strip() != user_id else ""

    def post_webhook(self, key: str, body: dict[str, Any]) -> Answer:
        """POST to a group robot's webhook, retrying transient errors with backoff."""
        return self._retrying("webhook/send", lambda: self._post_json(
            "/cgi-bin/webhook/send", {"key": key}, body))

    def _fetch_token(self) -> tuple[str, int]:
        with self._request("GET", "/cgi-bin/gettoken", self.timeout,
                           params={"corpid": self.corp_id, "corpsecret": self.secret}) as resp:
            data = self._json(resp)
        if data.get("errcode", 0) != 0 or not data.get("access_token"):
            raise _error("gettoken", data)
        log.info("fetched a new WeCom access token")
        return data["access_token"], int(data.get("expires_in") or 7200)

    def _with_token(self, call: Callable[[str], Any]) -> Any:
        """Run `call(token)`; on a token error refresh once and run it again, no more."""
        token = self.token()
        result = call(token)
        if isinstance(result, dict) and result.get("errcode") in TOKEN_ERRORS:
            log.warning("WeCom refused the access token (%s); refreshing once",
                        result.get("errcode"))
            result = call(self.tokens.refresh(self._fetch_token, stale=token))
        return result

    def _retrying(self, what: str, call: Callable[[], dict]) -> Answer:
        """Retried while WeCom answers a transient errcode (anything but 0 is an error)."""
        return super()._retrying(what, lambda: _checked(what, call()))

    def _get_json(self, path: str, params: dict) -> dict:
        with self._request("GET", path, self.timeout, params=params) as resp:
            return self._json(resp)

    def _post_json(self, path: str, params: dict, body: dict) -> dict:
        with self._request("POST", path, self.timeout, params=params, json=body) as resp:
            return self._json(resp)

    def _request(self, method: str, path: str, timeout, **kwargs) -> requests.Response:
        try:
            resp = self.http.request(method, self.base_url + path, timeout=timeout, **kwargs)
        except requests.RequestException as exc:
            raise WecomError(f"{path}: {type(exc).__name__}", transient=True) from None
        if resp.status_code != 200:
            resp.close()
            raise WecomError(f"{path}: HTTP {resp.status_code}",
                             transient=resp.status_code >= 500 or resp.status_code == 429)
        return resp

    def _json(self, resp: requests.Response) -> dict:
        try:
            data = resp.json()
        except ValueError:
            raise WecomError(f"{resp.url.split('?')[0]}: not JSON", transient=True) from None
        if not isinstance(data, dict):
            raise WecomError("answer is not a JSON object", transient=True)
        return data



def _error(what: str, data: dict) -> WecomError:
    code = data.get("errcode")
    # A token error left after the one refresh is not retried here: that would be
    # the very loop this client exists to avoid. The work item retries later.
    return WecomError(f"{what} errcode {code}: {data.get('errmsg', '')}", code=code,
                      transient=code in TRANSIENT_ERRORS)


def _checked(what: str, data: dict) -> dict:
    if data.get("errcode", 0) != 0:
        raise _error(what, data)
    return data
