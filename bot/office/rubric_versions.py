"""Whether the rubric's versions fit what the office has entered: a version that drops or
renames a fact with values entered for its quarters must say so (scoring decides what is
a problem; this reads which facts have values)."""
from __future__ import annotations

from typing import Mapping

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from scoring import Quarter, RubricVersions, version_problems
from bot.office.fact_values import entered_names
from storage.models import MediaStory


def entered_facts(session: Session, since: Quarter, facts: Mapping) -> set[str]:
    """The facts (of a version's declarations) with a value entered for a quarter from
    `since` on: a stored value, or media stories for a stories fact. Two statements
    whatever the number of facts."""
    entered = entered_names(session, since, facts)
    stories = [name for name, fact in facts.items() if fact.type == "stories"]
    if stories and session.scalar(select(func.count(MediaStory.id))
                                  .where(MediaStory.quarter >= str(since))):
        entered |= set(stories)
    return entered


def rubric_problems(session: Session, rubric: RubricVersions) -> list[str]:
    """For each version after the first, what it drops or renames of what was entered."""
    problems = []
    for old, new in zip(rubric.versions, rubric.versions[1:]):
        since = new.scheme.effective_from
        problems += version_problems(old, new, entered_facts(session, since, old.facts))
    return problems
