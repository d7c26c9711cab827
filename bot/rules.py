"""Turn the config into the scoring package's rule objects."""
from __future__ import annotations

from bot.config import Config
from scoring import CompletionRules, DeadlineRules


def deadline_rules(config: Config) -> DeadlineRules:
    """The deadline calendar's parameters from [deadline]."""
    d = config.deadline
    return DeadlineRules(day=d.day, inclusive=d.inclusive, holiday_shift=d.holiday_shift,
                         extra_holidays=frozenset(d.extra_holidays),
                         extra_workdays=frozenset(d.extra_workdays))


def completion_rules(config: Config) -> CompletionRules:
    """What makes a month's summary complete, from [summary]."""
    return CompletionRules(min_chars=config.summary.min_chars,
                           min_photos=config.summary.min_photos)
