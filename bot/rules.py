"""Turn the config into the scoring package's rule objects."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Mapping

from bot.config import DEPRECATED
from bot.config_sections import Config
from scoring import CompletionRules, DeadlineRules, Month, RubricVersions, SendTimeWindow
from scoring.params import with_overrides
from scoring.schema.rubric import Submission



@dataclass(frozen=True)
class Rules:
    """Everything the rules need: the deadline calendar, completeness, the rubric's
    versions, and per platform how far its own send time may lie from the receipt (none:
    our own clock)."""

    deadline: DeadlineRules
    completion: CompletionRules
    rubric: RubricVersions
    send_time: dict[str, SendTimeWindow] = field(default_factory=dict)


def rubric_versions(config: Config) -> RubricVersions:
    """The rubric's versions from [rubric] (its file, with the deprecated numbers)."""
    numbers = {k: v for k, v in config.rubric.items() if k != "file"}
    return with_overrides(config.rubric.get("file") or None, numbers)


def collected(rubric: RubricVersions) -> Submission | None:
    """The submission the bot collects: the newest version's first (the monthly summary)."""
    return next(iter(rubric.latest.submissions.values()), None)


def category_titles(rubric: RubricVersions) -> dict[str, str]:
    """Each category any version names, by its title in the newest version naming it."""
    titles: dict[str, str] = {}
    for version in reversed(rubric.versions):
        for key, category in version.categories.items():
            titles.setdefault(key, category.title)
    return {key: titles[key] for key in rubric.categories()}


def miss_cost(rules: Rules, month: Month) -> Decimal:
    """What a late or missing month costs, by the rubric version in force for it."""
    version = rules.rubric.for_quarter(month.quarter)
    return next(iter(version.submissions.values())).miss_cost


def _submission_value(config: Config, key: str, submission: Submission | None):
    """The rubric's value, unless the config still sets it (deprecated, logged at load)."""
    section, name = key.split(".")
    if key in config.explicit or submission is None:
        return getattr(getattr(config, section), name)
    return getattr(submission, DEPRECATED[key])


def deadline_rules(config: Config, rubric: RubricVersions | None = None) -> DeadlineRules:
    """The deadline calendar: the rubric's due day, with [deadline]'s extra days."""
    submission = collected(rubric or rubric_versions(config))
    d = config.deadline
    every = 1 if submission is None else submission.every
    return DeadlineRules(every=tuple(sorted(every.items())) if isinstance(every, Mapping)
                         else (("*", every),),
                         day=_submission_value(config, "deadline.day", submission),
                         inclusive=_submission_value(config, "deadline.inclusive", submission),
                         holiday_shift=_submission_value(config, "deadline.holiday_shift",
                                                         submission),
                         fix_working_days=config.review.fix_working_days,
                         extra_holidays=frozenset(d.extra_holidays),
                         extra_workdays=frozenset(d.extra_workdays))


def completion_rules(config: Config, rubric: RubricVersions | None = None) -> CompletionRules:
    """What makes a month's summary complete: the rubric's minimum characters and photos."""
    submission = collected(rubric or rubric_versions(config))
    return CompletionRules(min_chars=_submission_value(config, "summary.min_chars", submission),
                           min_photos=_submission_value(config, "summary.min_photos",
                                                        submission))


def send_time_windows(config: Config) -> dict[str, SendTimeWindow]:
    """Per platform, the window around the receipt in which its send time counts ([send_time])."""
    s = config.send_time
    ahead = timedelta(seconds=s.max_ahead_seconds)
    return {"wecom": SendTimeWindow(ahead, timedelta(seconds=s.wecom_max_delay_seconds)),
            "dingtalk": SendTimeWindow(ahead, timedelta(seconds=s.dingtalk_max_delay_seconds))}


def rules(config: Config) -> Rules:
    """All the rule objects of a deployment."""
    rubric = rubric_versions(config)
    return Rules(deadline=deadline_rules(config, rubric),
                 completion=completion_rules(config, rubric), rubric=rubric,
                 send_time=send_time_windows(config))
