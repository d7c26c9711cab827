"""Text that came from a person, written into the files the office opens.

The database keeps exactly what was sent (it is evidence); only the rendering here
changes it, the same way in every writer:

- every format: a vertical tab or a form feed (Word's manual line and page breaks)
  becomes a line break; any other control character is shown as its sign from Unicode's
  Control Pictures (U+0007 → ␇); a lone surrogate, U+FFFE or U+FFFF becomes U+FFFD.
  Tabs and line breaks stay. Nothing else is touched (emoji, RTL marks, zero-width
  characters are text like any other).
- xlsx: line breaks as Excel shows them (LF), at most Excel's 32,767 characters a cell,
  and every text cell stored as text: never a formula, an error value or a number.
- csv: OWASP's rule against CSV injection: a field that starts with = + - @ TAB or CR gets
  a leading single quote (a plain number such as -0.5 is left alone: it is no formula),
  and every field is quoted.
- file names (zip entries, downloads, mail attachments): no path separators or other
  characters Windows refuses, no control or invisible format characters, no '.' or '..',
  no Windows device names, at most NAME_BYTES bytes, the extension kept.
"""
from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable
from typing import Any, TextIO

from openpyxl.cell.cell import ERROR_CODES, TYPE_STRING, Cell, WriteOnlyCell
from openpyxl.worksheet.worksheet import Worksheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
EXCEL_CELL_CHARS = 32767        # Excel's limit, counted in UTF-16 code units
NAME_BYTES = 200                # a path component is at most 255 bytes on common file systems
REPLACEMENT = "\ufffd"

_SIGNS = {c: chr(0x2400 + c) for c in range(0x20) if chr(c) not in "\t\n\r"}
_SIGNS.update({0x0b: "\n", 0x0c: "\n", 0xfffe: REPLACEMENT, 0xffff: REPLACEMENT})
_SIGNS.update({c: REPLACEMENT for c in range(0xd800, 0xe000)})
_TERMINAL = {0x09: "\u2409", 0x7f: "\u2421", **{c: REPLACEMENT for c in range(0x80, 0xa0)}}
_SURROGATE = re.compile("[\ud800-\udfff]")
_UNPRINTABLE = re.compile("[" + "".join(map(chr, _SIGNS)) + "]")   # what printable changes
_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?")
_NAME_REFUSED = set('\\/:*?"<>|')
_NAME_INVISIBLE = {"Cc", "Cf", "Cs", "Zl", "Zp"}
_DEVICES = {"CON", "PRN", "AUX", "NUL", *(f"COM{n}" for n in range(10)),
            *(f"LPT{n}" for n in range(10))}


def well_formed(text: str) -> str:
    """The text with every lone surrogate (which UTF-8 can't encode) replaced by U+FFFD."""
    return _SURROGATE.sub(REPLACEMENT, text)


def printable(text: str) -> str:
    """The text with line breaks kept, other control characters shown, nothing XML refuses."""
    return text.translate(_SIGNS) if _UNPRINTABLE.search(text) else text  # most text: as is


def one_line(text: str) -> str:
    """Printable text on one line (a mail subject, a title)."""
    return " ".join(printable(text).splitlines())


def terminal_text(text: str) -> str:
    """Text for a terminal: on one line, and no control character left to move the cursor
    or start an escape sequence (a tab as ␉, DEL as ␡, C1 controls as U+FFFD)."""
    return one_line(text).translate(_TERMINAL)


# xlsx

def xlsx_text(text: str) -> str:
    """A string that openpyxl accepts and Excel shows, cut to Excel's cell limit."""
    text = printable(text).replace("\r\n", "\n").replace("\r", "\n")
    if len(text) <= EXCEL_CELL_CHARS // 2:
        return text
    units = text.encode("utf-16-le")
    if len(units) <= EXCEL_CELL_CHARS * 2:
        return text
    # "ignore" drops half of a surrogate pair cut at the end
    return units[:(EXCEL_CELL_CHARS - 1) * 2].decode("utf-16-le", "ignore") + "…"


def text_cell(sheet: Worksheet, text: str) -> Cell:
    """A cell for sheet.append (of a sheet or a write-only sheet) that holds the text as
    text, never as a formula."""
    text = xlsx_text(text)
    cell = WriteOnlyCell(sheet, value=text)
    cell.data_type = TYPE_STRING   # openpyxl makes "=…" a formula and "#N/A" an error
    if text.startswith(FORMULA_STARTS):
        cell.quotePrefix = True    # and Excel keeps it text when the cell is edited
    return cell


def xlsx_value(sheet: Worksheet, value: Any) -> Any:
    """A value for sheet.append: a str as text, in a text cell where openpyxl would make it
    something else (a formula, an error value) or Excel would on editing it (a formula's
    first character); any other value as it is. (A cell costs far more than a value: a
    sheet of 2,000 rows writes 50,000 of them.)"""
    if not isinstance(value, str) or not value:
        return value
    text = xlsx_text(value)
    return text_cell(sheet, value) if text.startswith(FORMULA_STARTS) or text in ERROR_CODES \
        else text


def append(sheet: Worksheet, row: Iterable[Any]) -> None:
    """Append a row to the sheet; every str in it stays text (xlsx_value)."""
    sheet.append([xlsx_value(sheet, v) for v in row])


# csv

def csv_field(value: Any) -> Any:
    """One csv field: printable, and quoted with ' when it would start a formula."""
    if not isinstance(value, str):
        return value
    text = printable(value)
    if text.startswith(FORMULA_STARTS) and not _NUMBER.fullmatch(text):
        return "'" + text
    return text


def write_csv(out: TextIO, rows: Iterable[Iterable[Any]]) -> None:
    """Write rows as csv, every field quoted and made safe by csv_field."""
    writer = csv.writer(out, quoting=csv.QUOTE_ALL)
    writer.writerows([csv_field(v) for v in row] for row in rows)


# file names

def file_name(text: str, limit: int = NAME_BYTES) -> str:
    """A file or folder name that every system accepts and that shows what it is."""
    name = "".join("_" if ch in _NAME_REFUSED or unicodedata.category(ch) in _NAME_INVISIBLE
                   or ch in "\ufffe\uffff" else ch for ch in text).strip(" .")
    if name.split(".")[0].strip().upper() in _DEVICES:
        name = "_" + name
    if len(name.encode("utf-8")) > limit:
        stem, dot, extension = name.rpartition(".")
        suffix = dot + extension if stem and len(extension.encode("utf-8")) <= 16 else ""
        stem = stem if suffix else name
        room = limit - len(suffix.encode("utf-8"))
        stem = stem.encode("utf-8")[:room].decode("utf-8", "ignore").rstrip(" .")
        name = stem + suffix
    return name or "_"


def csv_text(raw: bytes) -> str:
    """A csv file's text: UTF-8 (with or without its BOM) or GB18030, as Excel in
    Chinese saves it.

    Raises:
        ValueError: neither.
    """
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return raw.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ValueError("文件编码无法识别，请存为 UTF-8 的 CSV 或 XLSX。")
