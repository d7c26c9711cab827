"""Access tokens kept in the database, so that every web and worker process shares one."""
from __future__ import annotations

import threading
from datetime import timedelta
from typing import Callable

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from storage.db import UnitOfWork
from storage.models import PlatformToken

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
