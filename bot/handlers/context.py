"""The narrow context every handler gets: session, file store, time, rules."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Iterator

from sqlalchemy.engine import Connection
from sqlalchemy.orm import Session

from bot import audit
from bot.config_sections import Config
from bot.rules import Rules
from bot.summaries import (Excuse, MonthState, MonthTotals, derive_state, material,
                           month_materials, months_totals, owed_months)
from scoring import CompletionRules, DeadlineRules, Material, Month, MonthStatus, open_month
from storage import queries
from storage.db import writing
from storage.files import FileStore
from storage.queries import LiaisonRef, UnitRef


@dataclass
class Context:
    conn: Connection  # the message's connection (a transaction once it writes: `writing`)
    files: FileStore
    now: datetime
    config: Config
    rules: Rules
    liaison: LiaisonRef | None
    # An ORM session in the same transaction, made when a handler first asks for one.
    _session: Session | None = None
    _own_session: bool = False
    # The unit's stored totals and excuse per month, loaded once in this message's handling
    # (most with the sender: bot.summaries.sender_months).
    _months: dict = field(default_factory=dict)
    # A month's stored items, loaded only when its judgement needs them (complete sums).
    _items: dict = field(default_factory=dict)
    # Derived states: a message's handling asks for the same month several times.
    _states: dict = field(default_factory=dict)
    # Summary items this message adds, stored with the message once it is answered.
    new_items: list[dict] = field(default_factory=list)
    # Files this message sent that were refused, kept as evidence (rejected_files rows),
    # stored with the message too.
    rejected: list[dict] = field(default_factory=list)
    # What the answer noted, kept in the stored message's payload (e.g. the months its
    # receipt named as owed, which 补交 looks for).
    notes: dict = field(default_factory=dict)

    @property
    def session(self) -> Session:
        """An ORM session in this message's transaction (made when first asked for)."""
        if self._session is None:
            writing(self.conn)  # what the session does commits with the message
            self._session = Session(bind=self.conn, expire_on_commit=False)
            self._own_session = True
        return self._session

    def flush(self) -> None:
        """Write what was done through the ORM session, if any (the caller commits)."""
        if self._session is not None:
            self._session.flush()

    def close(self) -> None:
        """Let go of a session made here (the transaction is the caller's)."""
        if self._own_session:
            self._session.close()

    @property
    def deadline_rules(self) -> DeadlineRules:
        return self.rules.deadline

    @property
    def completion_rules(self) -> CompletionRules:
        return self.rules.completion

    @property
    def unit(self) -> UnitRef | None:
        return self.liaison.unit if self.liaison else None

    def set_backfill(self, month: Month | None) -> None:
        """Direct the liaison's next materials to `month` from now (None: stop)."""
        value, at = (str(month), self.now) if month is not None else (None, None)
        queries.set_backfill(writing(self.conn), self.liaison.id, value, at)
        self.liaison = replace(self.liaison, backfill_month=value, backfill_set_at=at)

    def state(self, month: Month) -> MonthState:
        """The liaison's unit's month as the rules see it now, this message's items
        included (loaded once per message; judged by scoring.judge_month)."""
        if month not in self._states:
            totals, excuse = self.totals(month)
            self._states[month] = derive_state(month, totals, excuse, self._materials(month),
                                               self.now, self.deadline_rules,
                                               self.completion_rules, self.unit.category)
        return self._states[month]

    def totals(self, month: Month) -> tuple[MonthTotals, Excuse | None]:
        """The unit's month summed, this message's items included, and any excuse."""
        if month not in self._months:
            # With it, in the same statement, the months a message's handling may also
            # ask about: the 补交 window before it and the month after (after a deadline,
            # a complete month sends new materials on to the next).
            first = month.back(self.config.summary.backfill_months)
            self._months.update(months_totals(self.conn, self.unit.id, first, month.next()))
        totals, excuse = self._months[month]
        for item in self._new_items(month):
            totals = totals.plus(item["kind"], item["chars"])
        return totals, excuse

    def _materials(self, month: Month) -> Iterator[Material]:
        """The month's items in effect, stored and new, loaded when first read."""
        if month not in self._items:
            self._items[month] = month_materials(self.conn, self.unit.id, month)
        yield from self._items[month]
        for item in self._new_items(month):
            yield material(item["kind"], item["chars"], item["sent_at"])

    def _new_items(self, month: Month) -> list[dict]:
        return [item for item in self.new_items if item["month"] == str(month)]

    def add_item(self, month: Month, **item) -> None:
        """Add a summary item (stored with the message) and count it in its month."""
        self.new_items.append({**item, "month": str(month)})
        self._states.pop(month, None)

    def forget(self, month: Month) -> None:
        """Load the month again next time (its stored items changed)."""
        self._months.pop(month, None)
        self._items.pop(month, None)
        self._states.pop(month, None)

    def open_month(self, at: datetime | None = None) -> Month:
        """The month the unit's new materials go to by default, judged at `at`."""
        def settled(m: Month) -> bool:
            state = self.state(m)
            return state.complete or state.status in (MonthStatus.WAIVED, MonthStatus.EXEMPT)
        return open_month(at or self.now, settled, self.deadline_rules, self.unit.category)

    def backfill_start(self) -> Month:
        """The oldest month 补交 reaches back to now."""
        return self.open_month().back(self.config.summary.backfill_months)

    def owed_before(self, month: Month) -> list[Month]:
        """The months of the backfill window before `month` the unit still owes."""
        return owed_months(self.unit, self.backfill_start(), month.prev(), self.now,
                           self.deadline_rules, self.completion_rules, self.totals,
                           self._materials)

    def audit(self, change: audit.Change, entity_id=None, old=None, new=None) -> None:
        """Record a change made on behalf of this liaison (to its unit)."""
        actor = (f"liaison:{self.liaison.channel}:{self.liaison.platform_user_id}"
                 if self.liaison else "bot")
        audit.record(self.session, self.now, actor, change, entity_id, old, new,
                     unit_id=self.unit.id if self.unit else None)
