"""Read a rubric file into a validated Rubric, or stop with one RubricError naming the file,
the key path, the value and what was expected."""
from __future__ import annotations

import copy
import tomllib
import typing
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from scoring.rules.base_minus import Clause
from scoring.rules.kinds import KINDS
from scoring.schema.checks import problems
from scoring.schema.errors import RubricError, from_validation, key_path
from scoring.schema.facts import Fact
from scoring.schema.rubric import Rubric


def _tags(union: Any, key: str) -> tuple[str, ...]:
    models = typing.get_args(typing.get_args(union)[0])
    return tuple(typing.get_args(m.model_fields[key].annotation)[0] for m in models)


TAGS = {"rule": tuple(typing.get_args(k.model_fields["kind"].annotation)[0] for k in KINDS),
        "facts": _tags(Fact, "type"), "deductions": _tags(Clause, "kind")}


def read_toml(path: str | Path) -> dict[str, Any]:
    """The file's TOML as a dict (numbers with a fraction as Decimal), a fresh copy."""
    path = Path(path)
    try:
        stat = path.stat()
    except OSError:
        raise RubricError.of_file(str(path), f"找不到评分细则文件 {path}") from None
    return copy.deepcopy(_read_toml(str(path), stat.st_mtime_ns, stat.st_size))


@lru_cache(maxsize=32)
def _read_toml(path: str, mtime_ns: int, size: int) -> dict[str, Any]:
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except OSError as error:
        raise RubricError.of_file(path, f"无法读取评分细则文件 {path}：{error.strerror}") from None
    except UnicodeDecodeError:
        raise RubricError.of_file(path, f"评分细则文件 {path} 不是 UTF-8 编码的文本") from None
    try:
        return tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as error:
        raise RubricError.of_file(path, f"评分细则文件 {path} 不是有效的 TOML：{error}，"
                                  "应为 TOML 格式（见 docs/rubric-file.md）") from None


def build_rubric(raw: dict[str, Any], file: str) -> Rubric:
    """Validate a parsed rubric file; raise the first problem as a RubricError."""
    try:
        rubric = Rubric.model_validate(raw).model_copy(update={"source": file})
    except ValidationError as error:
        raise from_validation(file, raw, error, TAGS) from None
    for loc, value, expected in problems(rubric):
        raise RubricError(file, key_path(loc, raw), value, expected)
    return rubric


def read_rubric(path: str | Path) -> Rubric:
    """Read and validate one rubric file (one version of a rubric)."""
    return _read_rubric(str(path), *_stamp(path))


def _stamp(path: str | Path) -> tuple[int, int]:
    try:
        stat = Path(path).stat()
    except OSError:
        raise RubricError.of_file(str(path), f"找不到评分细则文件 {path}") from None
    return stat.st_mtime_ns, stat.st_size


@lru_cache(maxsize=32)
def _read_rubric(path: str, mtime_ns: int, size: int) -> Rubric:
    return build_rubric(read_toml(path), path)
