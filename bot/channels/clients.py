"""What both platform API clients share: a base with one pooled HTTP session, explicit
timeouts and bounded retries; the types they return, the file name of a download
(Content-Disposition), telling an error body from a file, and access tokens kept in the
database (so that every web and worker process shares one)."""
from __future__ import annotations

import json
import logging
import re
import threading
import time
from dataclasses import dataclass
from datetime import timedelta
from email.message import Message
from email.utils import collapse_rfc2231_value
from typing import Any, Callable
from urllib.parse import unquote

import requests
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from bot.channels.sending import PlatformError
from storage.db import UnitOfWork
from storage.models import PlatformToken

log = logging.getLogger(__name__)

# Media types of an answer that is an error page or an API error, never a received file.
NOT_MEDIA_TYPES = ("application/json", "text/json", "text/html", "application/xhtml+xml",
                   "application/problem+json")
# The WHATWG MIME Sniffing Standard's HTML patterns (§7.1 "rules for identifying an
# unknown MIME type"), each followed by a space or ">"; plus an XML declaration.
_HTML_START = re.compile(
    rb"<(?:!doctype html|html|head|script|iframe|h1|div|font|table|a|style|title|b|body|"
    rb"br|p|!--)[ \t\n\x0c\r>]|<\?xml", re.IGNORECASE)
_PERCENT = re.compile(r"%[0-9A-Fa-f]{2}")
_SNIFF_JSON_BYTES = 64 * 1024   # an error object is small; a big body is not parsed
_LEADING = b"\xef\xbb\xbf \t\r\n\x0c"   # a UTF-8 BOM and white space before the start


@dataclass(frozen=True)
class Media:
    """A downloaded photo or file."""

    data: bytes
    content_type: str
    filename: str | None


@dataclass(frozen=True)
class Answer:
    """A JSON answer and how many HTTP calls it took (retries included)."""

    data: dict[str, Any]
    calls: int


def disposition_filename(header: str) -> str | None:
    """The file name a Content-Disposition header gives, decoded, without any path.

    RFC 6266: `filename*` (RFC 5987/2231, e.g. `UTF-8''%E5%B0%8F%E7%BB%93.docx`) wins
    over `filename` wherever it stands. A plain `filename` holding raw UTF-8 reaches us
    as the latin-1 reading of its bytes (http.client decodes headers so); it is read
    again as UTF-8 when that works. A plain name percent-encoded as browsers accept it
    is decoded when that gives valid UTF-8. Directories are dropped (RFC 6266 §4.3).
    """
    if not header:
        return None
    message = Message()
    message["Content-Disposition"] = header
    params = message.get_params(header="content-disposition") or []
    names = [value for key, value in params[1:] if key.lower() == "filename"]
    extended = [v for v in names if isinstance(v, tuple)]
    if extended:
        name = collapse_rfc2231_value(extended[0], fallback_charset="utf-8")
    elif names:
        name = _plain_name(str(names[0]))
    else:
        return None
    name = name.replace("\\", "/").rsplit("/", 1)[-1].strip()
    return name or None


def _plain_name(value: str) -> str:
    try:
        value = value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        pass   # already text (a latin-1 name, or characters beyond latin-1)
    if _PERCENT.search(value):
        try:
            value = unquote(value, errors="strict")
        except UnicodeDecodeError:
            pass
    return value


def media_type(header: str | None) -> str:
    """The bare media type of a Content-Type header, lower case ('' when none)."""
    return (header or "").split(";")[0].strip().lower()


def error_body(data: bytes) -> dict | None:
    """The JSON object a small body holds (an API's error answer), or None."""
    parsed = _small_json(data)
    return parsed if isinstance(parsed, dict) else None


def not_media(content_type: str, data: bytes) -> str | None:
    """Why a downloaded body is an error page or an API answer, not a file; None if a file.

    Judged by its Content-Type (JSON, HTML) and by sniffing its start: a JSON value, or
    HTML as the WHATWG sniffing rules recognise it, or an XML declaration. No photo or
    document we accept (JPEG, PNG, ..., .docx, .pdf) starts so; a .txt whose whole
    text is JSON or HTML is refused too (the liaison is asked to send it again).
    """
    kind = media_type(content_type)
    if kind in NOT_MEDIA_TYPES or kind.endswith("+json"):
        return f"the body is {kind}, not a file"
    if _small_json(data) is not None:
        return "the body is JSON, not a file"
    if _HTML_START.match(data[:1024].lstrip(_LEADING)):
        return "the body is an HTML or XML page, not a file"
    return None


def _small_json(data: bytes) -> Any:
    """The JSON object or array a small body holds, or None."""
    if len(data) > _SNIFF_JSON_BYTES or data.lstrip(_LEADING)[:1] not in (b"{", b"["):
        return None
    try:
        return json.loads(data.decode("utf-8-sig"))
    except (ValueError, RecursionError):
        return None


Fetch = Callable[[], tuple[str, int]]   # () -> (token, expires_in seconds)


class TokenCache:
    """One platform token by name in `platform_tokens`, refreshed before it expires."""

    def __init__(self, session_factory: sessionmaker[Session], name: str, clock,
                 margin: timedelta = timedelta(minutes=5)):
        self.session_factory = session_factory
        self.name = name
        self.clock = clock
        self.margin = margin
        # The worker's lanes share this cache: one of them fetches, the others find it.
        self._refreshing = threading.Lock()

    def get(self) -> str | None:
        """The stored token if it is good for longer than the margin, else None."""
        with UnitOfWork(self.session_factory) as uow:
            row = uow.session.get(PlatformToken, self.name)
            return row.token if row is not None and self._fresh(row) else None

    def refresh(self, fetch: Fetch, stale: str | None = None) -> str:
        """Fetch and store a new token, unless another process just stored a fresh one.

        `stale` is the token the platform refused: a stored token equal to it is
        never reused, however far its recorded expiry.
        """
        with self._refreshing:
            return self._refresh(fetch, stale)

    def _refresh(self, fetch: Fetch, stale: str | None) -> str:
        with UnitOfWork(self.session_factory) as uow:
            row = uow.session.get(PlatformToken, self.name)
            if row is not None and row.token != stale and self._fresh(row):
                return row.token
        token, expires_in = fetch()
        now = self.clock.now()
        values = dict(token=token, expires_at=now + timedelta(seconds=expires_in),
                      updated_at=now)
        with UnitOfWork(self.session_factory) as uow:
            row = uow.session.get(PlatformToken, self.name)
            if row is None:
                uow.session.add(PlatformToken(name=self.name, **values))
            else:
                for key, value in values.items():
                    setattr(row, key, value)
            try:
                uow.commit()
            except IntegrityError:  # another process inserted it first: overwrite
                uow.session.rollback()
                row = uow.session.get(PlatformToken, self.name)
                for key, value in values.items():
                    setattr(row, key, value)
                uow.commit()
        return token

    def _fresh(self, row: PlatformToken) -> bool:
        return row.expires_at - self.margin > self.clock.now()


class ApiClient:
    """A platform's API client: explicit timeouts, the shared token, bounded retries.

    A subclass says how to fetch a token (`_fetch_token`), which failures are worth
    trying again at once (`_retry_now`), and names its errors (`error`, `too_large`).
    """

    error: type[PlatformError] = PlatformError
    too_large: type[PlatformError] = PlatformError

    def __init__(self, *, tokens: TokenCache, timeout: tuple[float, float] = (5.0, 15.0),
                 media_timeout: tuple[float, float] = (5.0, 60.0),
                 max_media_bytes: int = 25 * 1024 * 1024, retries: int = 3,
                 backoff: float = 1.0, sleep: Callable[[float], None] = time.sleep):
        self.tokens = tokens
        self.timeout, self.media_timeout = timeout, media_timeout
        self.max_media_bytes = max_media_bytes
        self.retries, self.backoff, self.sleep = retries, backoff, sleep
        self.http = requests.Session()

    def close(self) -> None:
        """Close the pooled connections."""
        self.http.close()

    def token(self) -> str:
        """The shared access token, fetched only when none is fresh."""
        return self.tokens.get() or self.tokens.refresh(self._fetch_token)

    def _fetch_token(self) -> tuple[str, int]:
        raise NotImplementedError

    def _retry_now(self, exc: PlatformError) -> bool:
        return exc.transient

    def _read_capped(self, resp: requests.Response, what: str) -> bytes:
        """A streamed download's body, refused (`too_large`) past `max_media_bytes`."""
        chunks, size = [], 0
        try:
            for chunk in resp.iter_content(64 * 1024):
                size += len(chunk)
                if size > self.max_media_bytes:
                    raise self.too_large(f"{what}: over {self.max_media_bytes} bytes")
                chunks.append(chunk)
        except requests.RequestException as exc:
            raise self.error(f"{what}: {type(exc).__name__}", transient=True) from None
        return b"".join(chunks)

    def _retrying(self, what: str, call: Callable[[], dict]) -> Answer:
        """`call()` up to `retries` times while it fails in a way worth retrying now."""
        for attempt in range(self.retries):
            try:
                return Answer(data=call(), calls=attempt + 1)
            except PlatformError as exc:
                if not self._retry_now(exc) or attempt == self.retries - 1:
                    exc.calls = attempt + 1
                    raise
                log.warning("%s failed (%s); retrying", what, exc)
                self.sleep(self.backoff * 2 ** attempt)
        raise AssertionError("unreachable")
