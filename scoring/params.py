"""The `[rubric]` numbers of config files written before rubric files existed (deprecated):
overrides of a rubric file, by the names its `[overrides]` table declares (the default
file declares the old names, e.g. `month_miss_cost` → submissions.summary.miss_cost).

`RubricParams` reads like the old parameters object (`params.month_miss_cost`,
`params.standard("key")`) over the default file with the overrides applied.
"""
from __future__ import annotations

from decimal import Decimal, InvalidOperation
from functools import cached_property
from pathlib import Path
from typing import Any, Iterator, Mapping

from scoring.schema.errors import RubricError, key_path
from scoring.schema.load import build_rubric, read_toml
from scoring.schema.rubric import Rubric
from scoring.versions import RubricVersions, load_rubrics, rubric_path


class FrozenMap(Mapping):
    """A read-only, hashable mapping for the parameters' tables."""

    def __init__(self, data: Mapping[str, Any]) -> None:
        self._data = dict(data)

    def __getitem__(self, key: str) -> Any:
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._data)

    def __len__(self) -> int:
        return len(self._data)

    def __hash__(self) -> int:
        return hash(frozenset(self._data.items()))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Mapping) and dict(self.items()) == dict(other.items())

    def __repr__(self) -> str:
        return f"FrozenMap({self._data!r})"


def _locations(raw: Any, alias: tuple, sub: str | None) -> tuple:
    """Where an alias points in a parsed file, as a location of its keys and indices (a
    "*" in the alias is the sub-key); raise KeyError when it points nowhere."""
    loc: list = []
    node = raw
    for part in alias:
        part = sub if part == "*" else part
        if part is None:
            raise KeyError(part)
        if isinstance(node, list) and isinstance(part, str):
            index = next(n for n, e in enumerate(node) if isinstance(e, dict) and e.get("id") == part)
            loc.append(index)
            node = node[index]
        elif isinstance(node, list):
            loc.append(part)
            node = node[part]
        else:
            loc.append(part)
            node = node[part]
    return tuple(loc)


def _get(raw: Any, loc: tuple) -> Any:
    for part in loc:
        raw = raw[part]
    return raw


def _convert(key: str, value: Any, target: Any) -> Any:
    if isinstance(target, list):
        if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
            raise ValueError(f"评分参数 {key} 应为评分项编号列表")
        return [str(v) if isinstance(v, int) and not isinstance(v, bool) else v for v in value]
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise ValueError(f"评分参数 {key} 应为数值：{value!r}")
    if isinstance(value, int):
        return value
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValueError(f"评分参数 {key} 应为数值：{value!r}") from None
    if not number.is_finite():
        raise ValueError(f"评分参数 {key} 应为数值：{value!r}")
    return number


def _flatten(mapping: Mapping[str, Any], aliases: Mapping[str, tuple]) -> Iterator[tuple]:
    for key, value in mapping.items():
        key = str(key)
        if key in aliases and isinstance(value, Mapping):
            for sub, sub_value in value.items():
                yield f"{key}.{sub}", sub_value
        else:
            yield key, value


def normalized(mapping: Mapping[str, Any], raw: Mapping[str, Any]) -> dict[str, Any]:
    """The overrides as flat dotted keys with checked values, against a parsed file's
    `[overrides]` aliases; raise ValueError naming the key."""
    aliases = {k: tuple(v) for k, v in (raw.get("overrides") or {}).items()}
    changes: dict[str, Any] = {}
    for key, value in _flatten(mapping, aliases):
        name, _, sub = key.partition(".")
        alias = aliases.get(name)
        if alias is None:
            raise ValueError(f"未知的评分参数：{key}")
        try:
            target = _get(raw, _locations(raw, alias, sub or None))
        except (KeyError, IndexError, StopIteration, TypeError):
            if not sub and "*" in alias:
                raise ValueError(f"评分参数 {key} 应为表，例如 {key}.<名称> = 值") from None
            raise ValueError(f"未知的评分参数：{key}") from None
        if sub and "*" not in alias:
            if not isinstance(target, dict) or sub not in target:
                raise ValueError(f"未知的评分参数：{key}")
            target = target[sub]
        elif not sub and isinstance(target, dict):
            raise ValueError(f"评分参数 {key} 应为表，例如 {key}.<名称> = 值")
        converted = _convert(key, value, target)
        changes[key] = tuple(converted) if isinstance(converted, list) else converted
    return changes


def apply_overrides(raw: dict[str, Any], changes: Mapping[str, Any], file: str) -> Rubric:
    """The rubric of a parsed file with the (normalized) overrides applied; a value the
    file's rules refuse raises ValueError naming the override's key."""
    aliases = {k: tuple(v) for k, v in (raw.get("overrides") or {}).items()}
    where: dict[str, str] = {}
    for key, value in changes.items():
        name, _, sub = key.partition(".")
        alias = aliases[name]
        loc = _locations(raw, alias, sub or None) + ((sub,) if sub and "*" not in alias else ())
        _get(raw, loc[:-1])[loc[-1]] = list(value) if isinstance(value, tuple) else value
        where[key_path(loc, raw)] = key
        if loc[-1] == "max":   # the old numbers had no group standards to add up to
            raw.setdefault("scheme", {})["maxima_add_up"] = False
    try:
        return build_rubric(raw, file)
    except RubricError as error:
        for path, key in where.items():
            if error.path == path or error.path.startswith((path + ".", path + "[")):
                raise ValueError(f"评分参数 {key} = {changes[key]!r}：应为{error.expected}") \
                    from None
        raise ValueError(str(error)) from None


def with_overrides(path: str | Path | None, mapping: Mapping[str, Any]) -> RubricVersions:
    """Every version of a rubric file or folder, with the old `[rubric]` numbers applied
    (each version must declare them in its [overrides]); raise ValueError naming the key."""
    versions = load_rubrics(path)
    if not mapping:
        return versions
    rubrics = []
    for version in versions.versions:
        raw = read_toml(version.source)
        rubrics.append(apply_overrides(raw, normalized(mapping, raw), version.source))
    return RubricVersions(tuple(rubrics))


def _typed(value: Any) -> Any:
    if isinstance(value, Mapping):
        return FrozenMap({k: _typed(v) for k, v in value.items()})
    return value


class RubricParams:
    """The default rubric with the old `[rubric]` numbers applied, read like the old
    parameters: `params.registration_threshold`, `params.categories["key"]`."""

    def __init__(self, changes: Mapping[str, Any] | None = None) -> None:
        self._changes = FrozenMap(changes or {})

    @classmethod
    def from_mapping(cls, mapping: Mapping[str, Any]) -> RubricParams:
        """Override the default file from a config section, nested or with dotted keys.

        Raises ValueError naming the key for an unknown key or a bad value.
        """
        params = cls(normalized(mapping, read_toml(rubric_path(None))))
        _ = params.rubric   # built now, so that a value the file's rules refuse raises here
        return params

    @cached_property
    def rubric(self) -> Rubric:
        """The default rubric with these overrides."""
        path = rubric_path(None)
        if not self._changes:
            return load_rubrics(path).versions[0]
        return apply_overrides(read_toml(path), self._changes, str(path))

    @property
    def versions(self) -> RubricVersions:
        """The overridden rubric as its only version."""
        return RubricVersions((self.rubric,))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_") or name == "rubric":
            raise AttributeError(name)
        alias = self.rubric.overrides.get(name)
        if alias is None:
            raise AttributeError(name)
        return _typed(_resolve(self.rubric, alias))

    def item_max(self, item_id: str) -> Decimal:
        """An item's maximum (item 5: its standard, which scores may exceed)."""
        return self.rubric.item_max(item_id)

    def applicable(self, category: str) -> tuple[str, ...]:
        """The ids of the items that apply to a category, in rubric order."""
        return self.rubric.applicable(category)

    def standard(self, category: str) -> Decimal:
        """A category's standard: the sum of its items' maxima."""
        return self.rubric.standard(category)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RubricParams) and self._changes == other._changes

    def __hash__(self) -> int:
        return hash(self._changes)

    def __repr__(self) -> str:
        return f"RubricParams({dict(self._changes)!r})"


def _resolve(rubric: Rubric, alias: tuple) -> Any:
    """The typed value an alias names in a rubric (a "*" gives a table by its keys)."""
    node: Any = rubric
    for n, part in enumerate(alias):
        if part == "*":
            return {k: _resolve(v, alias[n + 1:]) for k, v in node.items()}
        if isinstance(node, tuple) and isinstance(part, str):
            node = next(e for e in node if e.id == part)
        elif isinstance(node, (tuple, Mapping)):
            node = node[part]
        else:
            node = getattr(node, part)
    return node


def __getattr__(name: str) -> Any:
    if name == "DEFAULT":
        return _default()
    if name == "ITEM_IDS":
        return tuple(i.id for i in _default().rubric.items)
    raise AttributeError(name)


_DEFAULT: list[RubricParams] = []


def _default() -> RubricParams:
    if not _DEFAULT:
        _DEFAULT.append(RubricParams())
    return _DEFAULT[0]
