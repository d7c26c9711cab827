"""Turn the config into the scoring package's rule objects."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from bot.config_sections import Config
from scoring import CompletionRules, DeadlineRules, RubricParams, SendTimeWindow


@dataclass(frozen=True)
class Rules:
    """Everything the rules need: the deadline calendar, completeness, the rubric, and
    per platform how far its own send time may lie from the receipt (none: our own clock)."""

    deadline: DeadlineRules
    completion: CompletionRules
    rubric: RubricParams
    send_time: dict[str, SendTimeWindow] = field(default_factory=dict)


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


def send_time_windows(config: Config) -> dict[str, SendTimeWindow]:
    """Per platform, the window around the receipt in which its send time counts ([send_time])."""
    s = config.send_time
    ahead = timedelta(seconds=s.max_ahead_seconds)
    return {"wecom": SendTimeWindow(ahead, timedelta(seconds=s.wecom_max_delay_seconds)),
            "dingtalk": SendTimeWindow(ahead, timedelta(seconds=s.dingtalk_max_delay_seconds))}


def rules(config: Config) -> Rules:
    """All the rule objects of a deployment."""
    return Rules(deadline=deadline_rules(config), completion=completion_rules(config),
                 rubric=RubricParams.from_mapping(config.rubric),
                 send_time=send_time_windows(config))
