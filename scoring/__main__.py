"""Command line: python -m scoring [--rubric RUBRIC] FILE.json (or - for standard input);
python -m scoring check RUBRIC (a rubric file, a folder of its versions, or a packaged
rubric's name) prints its items, maxima per category and facts, or what is wrong."""
from __future__ import annotations

import json
import sys
from decimal import Decimal
from typing import Any, Sequence, TextIO

from scoring.describe import describe
from scoring.rubric import score_quarter
from scoring.schema.errors import RubricError
from scoring.validate import InputError
from scoring.versions import RubricVersions, load_rubrics
from scoring.year import score_year

USAGE = ("用法：python -m scoring [--rubric 评分细则文件] FILE.json（用 - 表示从标准输入读取）\n"
         "      python -m scoring check 评分细则文件（或其各版本所在目录）")


def score(data: Any, rubric: RubricVersions | None = None) -> dict[str, Any]:
    """Score a quarter or a year, whichever the input object describes."""
    if not isinstance(data, dict):
        raise InputError("输入", "应为 JSON 对象")
    if "quarter" in data and "year" in data:
        raise InputError("quarter", "不能与 year 同时出现：一次只评一个季度或一个年度")
    if "quarter" in data:
        return score_quarter(data, rubric)
    if "year" in data:
        return score_year(data, rubric)
    raise InputError("quarter", "缺少 quarter（季度评分）或 year（年度评分）")


def check(path: str, stdout: TextIO, stderr: TextIO) -> int:
    """Validate a rubric and print it as tables; or print its one error and return 2."""
    try:
        print(describe(load_rubrics(path)), file=stdout)
    except RubricError as error:
        print(str(error), file=stderr)
        return 2
    return 0


def _read(path: str, stdin: TextIO) -> str:
    if path == "-":
        return stdin.read()
    with open(path, encoding="utf-8-sig") as handle:
        return handle.read()


def main(argv: Sequence[str], stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout,
         stderr: TextIO = sys.stderr) -> int:
    """Run the command line; return the exit status (2 for bad input)."""
    argv = list(argv)
    if len(argv) == 2 and argv[0] == "check":
        return check(argv[1], stdout, stderr)
    rubric = None
    if len(argv) == 3 and argv[0] == "--rubric":
        try:
            rubric = load_rubrics(argv[1])
        except RubricError as error:
            print(str(error), file=stderr)
            return 2
        argv = argv[2:]
    if len(argv) != 1 or argv[0] in ("-h", "--help"):
        print(USAGE, file=stderr)
        return 2
    try:
        data = json.loads(_read(argv[0], stdin), parse_float=Decimal)
        result = score(data, rubric)
    except OSError as error:
        print(f"无法读取 {argv[0]}：{error.strerror or error}", file=stderr)
        return 2
    except json.JSONDecodeError as error:
        print(f"JSON 格式错误：第{error.lineno}行第{error.colno}列：{error.msg}", file=stderr)
        return 2
    except (InputError, UnicodeDecodeError) as error:
        print(str(error), file=stderr)
        return 2
    print(json.dumps(result, ensure_ascii=False, indent=2), file=stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
