"""The versions of a rubric: each takes effect from a quarter, and a quarter is scored by
the version in force then (a quarter before the first version: by the first). A new
version that drops or renames a fact with entered values must say what became of it.
"""
from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Iterable

from scoring.periods import Quarter
from scoring.schema.errors import RubricError
from scoring.schema.load import read_rubric
from scoring.schema.rubric import Rubric

DEFAULT_NAME = "xixiang-2022"


def packaged(name: str) -> Path:
    """The path of a rubric file shipped with the package (scoring/rubrics/NAME.toml)."""
    return Path(str(resources.files("scoring") / "rubrics" / f"{name}.toml"))


def rubric_path(text: str | Path | None) -> Path:
    """Where a config's `[rubric] file` points: a path, or the name of a packaged rubric
    (xixiang-2022, example-district); nothing: the packaged default."""
    if not text:
        return packaged(DEFAULT_NAME)
    path = Path(text)
    if not path.exists() and path.suffix == "" and len(path.parts) == 1 and \
            packaged(str(text)).exists():
        return packaged(str(text))
    return path


@dataclass(frozen=True)
class RubricVersions:
    """A rubric's versions, oldest first."""

    versions: tuple[Rubric, ...]

    def for_quarter(self, quarter: Quarter) -> Rubric:
        """The version in force for a quarter."""
        chosen = self.versions[0]
        for version in self.versions:
            if version.scheme.effective_from <= quarter:
                chosen = version
        return chosen

    def for_year(self, year: int) -> Rubric:
        """The version a year is scored by: the one in force for its last quarter."""
        return self.for_quarter(Quarter(year, 4))

    @property
    def latest(self) -> Rubric:
        """The newest version."""
        return self.versions[-1]

    def categories(self) -> tuple[str, ...]:
        """Every category any version names, in order."""
        return tuple(dict.fromkeys(c for v in self.versions for c in v.categories))


def versions_of(rubrics: Iterable[Rubric], where: str) -> RubricVersions:
    """Order versions by the quarter they take effect from; refuse two from one quarter."""
    ordered = sorted(rubrics, key=lambda r: r.scheme.effective_from)
    if not ordered:
        raise RubricError.of_file(where, f"评分细则目录 {where} 中没有 .toml 文件")
    for earlier, later in zip(ordered, ordered[1:]):
        if earlier.scheme.effective_from == later.scheme.effective_from:
            raise RubricError(later.source, "scheme.effective_from",
                              str(later.scheme.effective_from),
                              f"与 {earlier.source} 不同的季度（两个版本不能自同一季度起施行）")
    return RubricVersions(tuple(ordered))


def load_rubrics(path: str | Path | None = None) -> RubricVersions:
    """Read a rubric file (one version) or a folder of version files (every *.toml)."""
    path = rubric_path(path)
    if path.is_dir():
        return versions_of((read_rubric(f) for f in sorted(path.glob("*.toml"))), str(path))
    return RubricVersions((read_rubric(path),))


def version_problems(old: Rubric, new: Rubric, entered: Iterable[str]) -> list[str]:
    """What stops a new version from replacing an old one: facts with entered values that
    the new version drops or renames without saying so ([previous] renamed / dropped), or
    keeps with another type. One Chinese sentence per fact."""
    problems = []
    renamed, dropped = new.previous.renamed, set(new.previous.dropped)
    for name in sorted(set(entered)):
        fact = old.facts.get(name)
        if fact is None or name in dropped:
            continue
        target = renamed.get(name, name)
        kept = new.facts.get(target)
        if kept is None:
            problems.append(
                f"{new.label}（{new.source}）去掉了已有录入值的事实 {name}（{fact.label}）："
                f"请在 [previous] renamed 中写明它改成了哪个事实，或在 dropped 中列出它")
        elif kept.type != fact.type:
            problems.append(
                f"{new.label}（{new.source}）把已有录入值的事实 {name}（{fact.label}）的类型"
                f"从 {fact.type} 改成了 {kept.type}：已录入的值无法沿用")
    return problems


_DEFAULT: list[RubricVersions] = []


def default_rubrics() -> RubricVersions:
    """The packaged default rubric (Xixiang's), read once."""
    if not _DEFAULT:
        _DEFAULT.append(load_rubrics(None))
    return _DEFAULT[0]


def version_for(rubric: Any, quarter: Quarter) -> Rubric:
    """The version that scores a quarter: of the versions given, of the old parameters
    (RubricParams), the rubric itself, or (None) of the default rubric."""
    if isinstance(rubric, Rubric):
        return rubric
    if rubric is None:
        return default_rubrics().for_quarter(quarter)
    if isinstance(rubric, RubricVersions):
        return rubric.for_quarter(quarter)
    return rubric.rubric   # RubricParams
