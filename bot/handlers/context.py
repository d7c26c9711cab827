"""The narrow context every handler gets: session, file store, time, rules."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from bot.config import Config
from bot.rules import Rules
from bot.summaries import MonthState, derive_state, month_items
from scoring import CompletionRules, DeadlineRules, Month, MonthStatus, open_month
from storage import queries
from storage.files import FileStore
from storage.models import Liaison


@dataclass
class Context:
    session: Session
    files: FileStore
    now: datetime
    config: Config
    rules: Rules
    liaison: Liaison | None
    inbound_id: int | None = None  # the stored message being handled
    # The unit's items per month as loaded once in this message's handling.
    _months: dict = field(default_factory=dict)
    # Their derived states: a message's handling asks for the same month several times.
    _states: dict = field(default_factory=dict)

    @property
    def deadline_rules(self) -> DeadlineRules:
        return self.rules.deadline

    @property
    def completion_rules(self) -> CompletionRules:
        return self.rules.completion

    @property
    def unit(self):
        return self.liaison.unit if self.liaison else None

    def state(self, month: Month) -> MonthState:
        """The liaison's unit's month as the rules see it now (loaded once per message)."""
        if month not in self._states:
            if month not in self._months:
                self._months[month] = month_items(self.session, self.unit.id, month)
            items, excuse = self._months[month]
            self._states[month] = derive_state(month, items, excuse, self.now,
                                               self.deadline_rules, self.completion_rules)
        return self._states[month]

    def added(self, month: Month, kind: str, chars: int, at: datetime) -> None:
        """Count an item just added to a month whose state was loaded."""
        self.state(month)
        self._months[month][0].append((kind, chars, at))
        self._states.pop(month, None)

    def forget(self, month: Month) -> None:
        """Load the month again next time (its items changed)."""
        self._months.pop(month, None)
        self._states.pop(month, None)

    def open_month(self, at: datetime | None = None) -> Month:
        """The month the unit's new materials go to by default, judged at `at`."""
        def settled(m: Month) -> bool:
            state = self.state(m)
            return state.complete or state.status in (MonthStatus.WAIVED, MonthStatus.EXEMPT)
        return open_month(at or self.now, settled, self.deadline_rules)

    def audit(self, action: str, entity: str, entity_id=None, old=None, new=None) -> None:
        """Record a change made on behalf of this liaison."""
        actor = (f"liaison:{self.liaison.channel}:{self.liaison.platform_user_id}"
                 if self.liaison else "bot")
        queries.audit(self.session, self.now, actor, action, entity, entity_id, old, new)
