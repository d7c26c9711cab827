"""A value looked up by steps of another fact: the first step whose `up_to` the fact does
not exceed, the last step (without `up_to`) for everything beyond (点单服务项目3个以下的
不少于6次，4个以上的不少于10次)."""
from __future__ import annotations

from typing import Any, Iterator, Sequence



def step_for(steps: Sequence[Any], value: int) -> Any:
    """The step a value falls in: the first whose up_to it does not exceed, else the last."""
    for step in steps:
        if step.up_to is not None and value <= step.up_to:
            return step
    return steps[-1]


def step_problems(steps: Sequence[Any], key: str) -> Iterator[tuple[tuple, Any, str]]:
    """What is wrong with a list of steps: up_to must rise, and only the last step (the
    one for everything beyond) has none."""
    previous: int | None = None
    for n, step in enumerate(steps):
        last = n == len(steps) - 1
        if last and step.up_to is not None:
            yield (key, n, "up_to"), step.up_to, "最后一级不写 up_to（其余所有值都落在这一级）"
        elif not last and step.up_to is None:
            yield (key, n), step.model_dump(exclude_none=True), "含 up_to 的一级（只有最后一级不写 up_to）"
        elif not last and previous is not None and step.up_to <= previous:
            yield (key, n, "up_to"), step.up_to, f"大于上一级 up_to（{previous}）的整数"
        if step.up_to is not None:
            previous = step.up_to
