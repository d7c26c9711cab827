"""Reading the machine-readable input's values, or refusing them naming the field."""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from collections.abc import Mapping
from typing import Any, Iterable


class InputError(ValueError):
    """Input the rubric cannot score; the message names the field, e.g. media[1].level."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}")
        self.field = field
        self.problem = problem


def an_object(value: Any, path: str) -> Mapping[str, Any]:
    """The value as a JSON object."""
    if not isinstance(value, Mapping):
        raise InputError(path, f"应为 JSON 对象，而不是 {type(value).__name__}")
    return value


def known_keys(data: Mapping[str, Any], allowed: Iterable[str], prefix: str = "") -> None:
    """Refuse the first key that is not allowed."""
    allowed = allowed if isinstance(allowed, (set, frozenset, dict)) else set(allowed)
    for key in data:
        if key not in allowed:
            raise InputError(f"{prefix}{key}", "未知的字段")


def period(kind: type, value: Any, path: str) -> Any:
    """A Month or a Quarter written as text (or given as one)."""
    if isinstance(value, kind):
        return value
    try:
        return kind.parse(value)
    except ValueError as error:
        raise InputError(path, str(error)) from None


def flag(value: Any, path: str) -> bool | None:
    """true, false, or not given."""
    if value is not None and not isinstance(value, bool):
        raise InputError(path, f"应为 true 或 false，而不是 {value!r}")
    return value


def count(value: Any, path: str) -> int | None:
    """A non-negative integer, or not given."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InputError(path, f"应为非负整数，而不是 {value!r}")
    return value


def decimal(value: Any, path: str) -> Decimal:
    """A finite number, from an int, a float, a Decimal or a decimal string."""
    if isinstance(value, Decimal) and value.is_finite():
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise InputError(path, f"应为数值，而不是 {value!r}")
    try:
        number = Decimal(value.strip() if isinstance(value, str) else str(value))
    except InvalidOperation:
        raise InputError(path, f"应为数值，而不是 {value!r}") from None
    if not number.is_finite():
        raise InputError(path, f"应为有限的数值，而不是 {value!r}")
    return number


def amount(value: Any, path: str) -> Decimal | None:
    """A non-negative number, or not given."""
    if value is None:
        return None
    number = decimal(value, path)
    if number < 0:
        raise InputError(path, f"不能为负数：{value!r}")
    return number


def choice(value: Any, path: str, allowed: Iterable[str]) -> str | None:
    """One of the allowed words, or not given."""
    if value is not None and (not isinstance(value, str) or value not in allowed):
        raise InputError(path, f"未知的取值 {value!r}，应为 " + "、".join(allowed))
    return value


def a_list(value: Any, path: str) -> list[Any]:
    """The value as a JSON array."""
    if not isinstance(value, list):
        raise InputError(path, f"应为数组，而不是 {type(value).__name__}")
    return value


def text(value: Any, path: str) -> str:
    """Non-empty text, stripped."""
    if not isinstance(value, str) or not value.strip():
        raise InputError(path, f"应为非空文字，而不是 {value!r}")
    return value.strip()


def missing(path: str) -> Any:
    """Refuse a value that must be given."""
    raise InputError(path, "缺少取值")
