"""argparse in Chinese: usage, section titles, -h and the common errors (flags stay English).

argparse's own words come from gettext with no Chinese catalogue; rather than install
one process-wide, this parser names its sections itself and words its errors.
"""
from __future__ import annotations

import argparse
import re
import sys

_ERRORS = [
    (re.compile(r"the following arguments are required: (.+)"), r"缺少参数：\1"),
    (re.compile(r"unrecognized arguments: (.+)"), r"无法识别的参数：\1"),
    (re.compile(r"argument (\S+): invalid choice: (.+?) \(choose from (.+)\)"),
     r"参数 \1 的值 \2 无效（可选：\3）"),
    (re.compile(r"argument (\S+): expected one argument"), r"参数 \1 需要一个值"),
    (re.compile(r"argument (\S+): invalid \w+ value: (.+)"), r"参数 \1 的值 \2 无效"),
    (re.compile(r"one of the arguments (.+) is required"), r"必须给出 \1 之一"),
    (re.compile(r"argument (\S+): not allowed with argument (\S+)"), r"参数 \1 不能与 \2 同时使用"),
]


def chinese_error(message: str) -> str:
    """argparse's English error in Chinese (unknown ones stay as they are)."""
    for pattern, words in _ERRORS:
        if pattern.fullmatch(message):
            return pattern.sub(words, message)
    return message


class ChineseHelpFormatter(argparse.HelpFormatter):
    """Usage begins with 用法：."""

    def add_usage(self, usage, actions, groups, prefix=None):
        super().add_usage(usage, actions, groups, "用法：" if prefix is None else prefix)


class ChineseParser(argparse.ArgumentParser):
    """An ArgumentParser whose help and errors are Chinese; its subparsers are too."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", ChineseHelpFormatter)
        kwargs["add_help"] = False
        super().__init__(*args, **kwargs)
        self._positionals.title = "参数"
        self._optionals.title = "选项"
        self.add_argument("-h", "--help", action="help", default=argparse.SUPPRESS,
                          help="显示本帮助并退出")

    def add_subparsers(self, **kwargs):
        kwargs.setdefault("metavar", "命令")
        return super().add_subparsers(**kwargs)

    def error(self, message):
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}：错误：{chinese_error(message)}\n")
