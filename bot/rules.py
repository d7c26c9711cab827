"""Turn the config into the scoring package's rule objects."""
from __future__ import annotations

from dataclasses import dataclass

from bot.config import Config
from scoring import CompletionRules, DeadlineRules, RubricParams


@dataclass(frozen=True)
class Rules:
    """Everything the rules need: the deadline calendar, completeness, the rubric."""

    deadline: DeadlineRules
    completion: CompletionRules
    rubric: RubricParams


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


def rules(config: Config) -> Rules:
    """All the rule objects of a deployment."""
    return Rules(deadline=deadline_rules(config), completion=completion_rules(config),
                 rubric=RubricParams.from_mapping(config.rubric))
