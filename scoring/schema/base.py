"""The building blocks of a rubric file's typed objects: a strict frozen model that names
an unknown key, and the value types the file is written in (numbers are exact decimals)."""
from __future__ import annotations

import string
from decimal import Decimal
from typing import Annotated, Any, Iterable, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainValidator, model_validator
from pydantic_core import PydanticCustomError

from scoring.periods import Quarter


class Model(BaseModel):
    """A part of a rubric file: frozen, strict about types, refusing keys it does not know."""

    model_config = ConfigDict(frozen=True, strict=True, extra="forbid", populate_by_name=True)

    @model_validator(mode="before")
    @classmethod
    def _known_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            known = {f.alias or name for name, f in cls.model_fields.items() if not f.exclude}
            for key in data:
                if key not in known:
                    raise PydanticCustomError(
                        "unknown_key", "未知的键 {key}",
                        {"key": key, "known": "、".join(sorted(known))})
        return data


def _number(value: Any) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, Decimal)):
        raise PydanticCustomError("number", "应为数值", {})
    number = Decimal(value)
    if not number.is_finite():
        raise PydanticCustomError("number", "应为有限的数值", {})
    return number


def _quarter(value: Any) -> Quarter:
    if not isinstance(value, str):
        raise PydanticCustomError("quarter", "应为季度", {})
    try:
        return Quarter.parse(value)
    except ValueError:
        raise PydanticCustomError("quarter", "应为季度", {}) from None


def _as_tuple(value: Any) -> Any:
    return tuple(value) if isinstance(value, list) else value


T = TypeVar("T")
Seq = Annotated[tuple[T, ...], BeforeValidator(_as_tuple)]   # a TOML array, kept as a tuple
Text = Annotated[str, Field(min_length=1)]
Words = str   # a text that may be empty
Number = Annotated[Decimal, PlainValidator(_number)]
Points = Annotated[Decimal, PlainValidator(_number), Field(ge=0)]
Count = Annotated[int, Field(ge=0)]
Name = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]
QuarterField = Annotated[Quarter, PlainValidator(_quarter)]


def template_fields(template: str) -> list[str]:
    """Return the names a sentence template fills in ({name}); raise ValueError if it is
    not a plain template (no format specs, no conversions, balanced braces)."""
    names = []
    for _, name, spec, conversion in string.Formatter().parse(template):
        if name is None:
            continue
        if not name.isidentifier() or spec or conversion:
            raise ValueError(name)
        names.append(name)
    return names


def check_template(template: str, allowed: Iterable[str]) -> str | None:
    """Return what a template should be, or None when it is fine: it may fill in only
    `allowed` ({name}), with no format specs or conversions."""
    allowed = sorted(set(allowed))
    shown = "、".join("{" + n + "}" for n in allowed)
    expected = f"一句话，其中的 {{…}} 只能是 {shown}" if allowed else "一句话，不含 {…}"
    try:
        names = template_fields(template)
    except ValueError:
        return expected
    return expected if any(n not in allowed for n in names) else None
