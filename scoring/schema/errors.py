"""A rubric file's one error message: the file, the key path (items named by their id),
the value found and what was expected."""
from __future__ import annotations

from decimal import Decimal
from typing import Any, Sequence

from pydantic import ValidationError

MISSING = object()

_EXPECTED = {
    "number": "数值（例如 5 或 0.5）",
    "quarter": "季度，例如 \"2027Q1\"",
    "int_type": "整数",
    "int_from_float": "整数",
    "string_type": "文字（用引号括起来）",
    "bool_type": "true 或 false",
    "list_type": "数组 [...]",
    "tuple_type": "数组 [...]",
    "dict_type": "表",
    "model_type": "表",
    "model_attributes_type": "表",
    "string_too_short": "非空的文字",
    "string_pattern_mismatch": "以字母或下划线开头、只含字母数字下划线的名称",
    "missing": "必填项",
    "extra_forbidden": "已知的键",
}


class RubricError(ValueError):
    """A rubric file that cannot be used: it names the file, where, what and what instead."""

    def __init__(self, file: str, path: str, value: Any, expected: str) -> None:
        self.file, self.path, self.value, self.expected = file, path, value, expected
        if value is MISSING:
            message = f"评分细则文件 {file}：缺少 {path}，应为{expected}"
        elif not path:
            message = f"评分细则文件 {file}：{shown(value)}，应为{expected}"
        else:
            message = f"评分细则文件 {file}：{path} = {shown(value)}，应为{expected}"
        super().__init__(message)

    @classmethod
    def of_file(cls, file: str, message: str) -> RubricError:
        """A file that cannot be read as TOML at all: the message says where and why."""
        error = cls(file, "", "", "")
        error.args = (message,)
        return error

    def __str__(self) -> str:
        return str(self.args[0])


def shown(value: Any, limit: int = 80) -> str:
    """A value as TOML would write it, shortened."""
    if value is MISSING:
        return "（缺少）"
    if isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, str):
        text = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    elif isinstance(value, (int, Decimal)):
        text = str(value)
    elif isinstance(value, dict):
        text = "{ " + ", ".join(f"{k} = {shown(v, limit)}" for k, v in value.items()) + " }"
    elif isinstance(value, (list, tuple)):
        text = "[" + ", ".join(shown(v, limit) for v in value) + "]"
    elif value is None:
        text = "（空）"
    else:
        text = str(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"


def key_path(loc: Sequence[Any], raw: Any) -> str:
    """Write a location as a key path: items[6]（2.4）.rule.threshold."""
    text, node = "", raw
    for part in loc:
        if isinstance(part, int):
            text += f"[{part}]"
            node = node[part] if isinstance(node, list) and part < len(node) else None
            if isinstance(node, dict) and isinstance(node.get("id"), str):
                text += f"（{node['id']}）"
        else:
            key = str(part)
            bare = key.replace("_", "a").replace("-", "a").isalnum() and key.isascii()
            text += ("." if text else "") + (key if bare else f'"{key}"')
            node = node.get(part) if isinstance(node, dict) else None
    return text


def _located(loc: Sequence[Any], raw: Any, keep_last: bool) -> tuple[tuple, Any]:
    """The part of a pydantic location that names keys of the file (dropping the tags of
    tagged unions and the names of union branches), and the value found there."""
    kept, node = [], raw
    for n, part in enumerate(loc):
        if part == "[key]" and kept:   # a table's key itself is wrong
            return tuple(kept), kept[-1]
        if isinstance(node, list) and isinstance(part, int) and part < len(node):
            kept.append(part)
            node = node[part]
        elif isinstance(node, dict) and part in node:
            kept.append(part)
            node = node[part]
        elif isinstance(node, dict) and keep_last and n == len(loc) - 1:
            kept.append(part)
            node = MISSING
    return tuple(kept), node


def from_validation(file: str, raw: Any, error: ValidationError,
                    tags: dict[str, tuple[str, ...]]) -> RubricError:
    """The first problem pydantic found, as one RubricError (a value that could be of
    several kinds says all of them). `tags` names the kinds a tagged table may be, by the
    key that holds it (rule, facts, deductions)."""
    errors = error.errors(include_url=False)
    found = []
    for e in errors:
        kind, ctx = e["type"], e.get("ctx") or {}
        loc, value = _located(e["loc"], raw, keep_last=kind == "missing")
        if kind == "unknown_key":
            loc, value = (*loc, ctx["key"]), value.get(ctx["key"]) if isinstance(
                value, dict) else MISSING
        elif kind in ("union_tag_invalid", "union_tag_not_found"):
            tag = ctx["discriminator"].strip("'")
            holder = next((p for p in reversed(loc) if p in tags), "")
            ctx = {**ctx, "expected_tags": "、".join(f'"{t}"' for t in tags.get(holder, ()))}
            kind = "union_tag_invalid"
            loc, value = (*loc, tag), value.get(tag, MISSING) if isinstance(
                value, dict) else MISSING
        found.append((loc, value, expected(kind, ctx, e["msg"])))
    loc, value, first = found[0]
    alternatives = [x for where, _, x in found if where == loc]
    wanted = "，或".join(dict.fromkeys(alternatives))
    return RubricError(file, key_path(loc, raw), value, wanted or first)


def expected(kind: str, ctx: dict, message: str) -> str:
    """What pydantic's error says was expected, in Chinese."""
    if kind in _EXPECTED:
        return _EXPECTED[kind]
    if kind == "unknown_key":
        return "已知的键之一：" + ctx["known"]
    if kind == "greater_than_equal":
        return f"不小于 {ctx['ge']} 的数"
    if kind == "greater_than":
        return f"大于 {ctx['gt']} 的数"
    if kind == "less_than_equal":
        return f"不大于 {ctx['le']} 的数"
    if kind == "too_short":
        return f"至少含 {ctx['min_length']} 项"
    if kind == "literal_error":
        return "以下之一：" + ctx["expected"].replace("'", '"').replace(" or ", "、").replace(
            ", ", "、")
    if kind == "union_tag_invalid":
        return "以下之一：" + ctx["expected_tags"].replace("'", '"').replace(", ", "、")
    if kind == "value_error":
        return str(ctx.get("error", message))
    return message
