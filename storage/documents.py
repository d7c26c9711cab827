"""Check an incoming document (.docx, .pdf, .txt) and extract its text, without disk."""
from __future__ import annotations

import io
import struct
import zipfile
import zlib
from pathlib import PureWindowsPath

import docx
import pypdf
from docx.table import Table
from docx.text.paragraph import Paragraph
from pypdf.errors import DependencyError, PyPdfError

from storage.photos import Rejected, readable_size

CONTENT_TYPES = {
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".pdf": "application/pdf",
    ".txt": "text/plain",
}
# What malformed files make python-docx (zip, lxml) and pypdf raise.
_PARSE_ERRORS = (PyPdfError, zipfile.BadZipFile, zlib.error, OSError, ValueError, KeyError,
                 IndexError, TypeError, AttributeError, struct.error, EOFError,
                 RecursionError, ZeroDivisionError, SyntaxError, NotImplementedError)


def is_document_name(filename: str) -> bool:
    """Tell whether a file name has an extension accepted as a document."""
    return extension(filename) in CONTENT_TYPES


def extension(filename: str) -> str:
    """Return a file name's extension in lower case ('.docx'), or ''."""
    return PureWindowsPath(filename).suffix.lower()


def extract_text(data: bytes, filename: str, *, max_bytes: int) -> str:
    """Check a document and return its text, stripped.

    Raises:
        Rejected: too big, another type, encrypted or broken, or no text in it.
    """
    if len(data) > max_bytes:
        raise Rejected(f"文件超过{readable_size(max_bytes)}，请压缩或拆分后重新发送")
    kind = extension(filename)
    if kind not in CONTENT_TYPES:
        raise Rejected(f"只接受 .docx、.pdf、.txt 文件（收到的是“{_shown(filename)}”），"
                       ".doc 请另存为 .docx 后重新发送")
    read = {".docx": _docx_text, ".pdf": _pdf_text, ".txt": _txt_text}[kind]
    text = read(data).strip()
    if not text:
        raise Rejected("文件里没有找到文字（可能是扫描件或图片），"
                       "请直接发送文字内容，或把图片作为照片发送")
    return text


def _shown(filename: str) -> str:
    return PureWindowsPath(filename).name or filename


def _docx_text(data: bytes) -> str:
    try:
        document = docx.Document(io.BytesIO(data))
        return "\n".join(_blocks_text(document.iter_inner_content()))
    except _PARSE_ERRORS:
        raise Rejected("Word 文件已损坏或无法打开，请用 Word 重新保存为 .docx 后发送") from None


def _blocks_text(blocks) -> list[str]:
    lines = []
    for block in blocks:
        if isinstance(block, Paragraph):
            lines.append(block.text)
        elif isinstance(block, Table):
            lines.extend(_table_lines(block))
    return lines


def _table_lines(table: Table) -> list[str]:
    lines = []
    for row in table.rows:
        seen, cells = set(), []
        for cell in row.cells:
            # A merged cell appears once per grid column it spans.
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            cells.append("\n".join(_blocks_text(cell.iter_inner_content())).strip())
        lines.append("\t".join(cells))
    return lines


def _pdf_text(data: bytes) -> str:
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not _opens_without_password(reader):
            raise Rejected("PDF 文件设置了密码，请去掉密码后重新发送，或直接发送文字内容")
        return "\n".join(page.extract_text() or "" for page in reader.pages)
    except _PARSE_ERRORS:
        raise Rejected("PDF 文件已损坏或无法读取，请重新导出 PDF 后发送，或改发 .docx") from None


def _opens_without_password(reader: pypdf.PdfReader) -> bool:
    # Many PDFs are "encrypted" only against editing, with an empty opening password.
    try:
        return reader.decrypt("") != pypdf.PasswordType.NOT_DECRYPTED
    except (DependencyError, *_PARSE_ERRORS):   # AES needs the cryptography package
        return False


def _txt_text(data: bytes) -> str:
    for bom, encoding in ((b"\xef\xbb\xbf", "utf-8-sig"), (b"\xff\xfe", "utf-16"),
                          (b"\xfe\xff", "utf-16")):
        if data.startswith(bom):
            return _decoded(data, (encoding,))
    return _decoded(data, ("utf-8", "gb18030"))


def _decoded(data: bytes, encodings: tuple[str, ...]) -> str:
    for encoding in encodings:
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        if "\x00" in text:
            break
        return text
    raise Rejected("文本文件无法识别（不是 UTF-8 或 GBK 编码的文字），"
                   "请另存为 UTF-8 编码的 .txt 后发送，或直接发送文字内容")
