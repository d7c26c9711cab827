"""The narrow context every handler gets: session, file store, time, rules."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot.config import Config
from bot.rules import Rules
from bot.summaries import MonthState, month_state, unit_open_month
from scoring import CompletionRules, DeadlineRules, Month
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
        """The liaison's unit's month as the rules see it now."""
        return month_state(self.session, self.unit.id, month, self.now,
                           self.deadline_rules, self.completion_rules)

    def open_month(self, at: datetime | None = None) -> Month:
        """The month the unit's new materials go to by default, judged at `at`."""
        return unit_open_month(self.session, self.unit.id, at or self.now,
                               self.deadline_rules, self.completion_rules)

    def audit(self, action: str, entity: str, entity_id=None, old=None, new=None) -> None:
        """Record a change made on behalf of this liaison."""
        actor = (f"liaison:{self.liaison.channel}:{self.liaison.platform_user_id}"
                 if self.liaison else "bot")
        queries.audit(self.session, self.now, actor, action, entity, entity_id, old, new)
