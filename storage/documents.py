"""Check an incoming document (.docx, .pdf, .txt) and extract its text, without disk.

Reading is bounded: a .docx (a zip) is refused before anything is inflated when its
entries are too many or declare too much, and again while they are read in chunks if
they inflate to more; a PDF with too many pages is refused before its text is read;
and reading stops when it has taken too long. Every refusal is a `Rejected` with a
Chinese reason that says what to do.
"""
from __future__ import annotations

import io
import struct
import time
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import PureWindowsPath

import docx
import pypdf
from docx.opc.exceptions import OpcError
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
# (RuntimeError: zipfile's encrypted entries, RecursionError among them.)
_PARSE_ERRORS = (PyPdfError, OpcError, zipfile.BadZipFile, zlib.error, OSError, ValueError,
                 LookupError, TypeError, AttributeError, struct.error, EOFError,
                 RuntimeError, ArithmeticError, SyntaxError)
CHUNK_BYTES = 1024 * 1024  # a zip entry is inflated this much at a time
# The end of central directory record (APPNOTE.TXT 4.3.16): signature, two disk numbers,
# entries on this disk, entries in all, the directory's size and offset, comment length.
_END_RECORD = struct.Struct("<4s4H2LH")
_END_SIGNATURE = b"PK\x05\x06"
_DIRECTORY_BYTES_PER_ENTRY = 512  # a central directory record: 46 bytes, name, extras
TOO_BIG = "请另存为较小的文件或直接发送文字"


@dataclass(frozen=True)
class DocumentLimits:
    """How much work reading one document's text may take."""

    max_members: int = 1000                         # entries in a .docx (a zip)
    max_member_bytes: int = 10 * 1024 * 1024        # one entry, inflated
    max_total_bytes: int = 50 * 1024 * 1024         # all entries together, inflated
    max_pages: int = 1000                           # pages of a PDF
    max_seconds: float = 20.0                       # reading one document


class _Deadline:
    """The moment reading must have finished by; `check` refuses once it has passed."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.end = time.monotonic() + seconds

    def check(self) -> None:
        if time.monotonic() > self.end:
            raise Rejected(f"读取这个文件用时超过 {self.seconds:g} 秒，{TOO_BIG}")


def is_document_name(filename: str) -> bool:
    """Tell whether a file name has an extension accepted as a document."""
    return extension(filename) in CONTENT_TYPES


def extension(filename: str) -> str:
    """Return a file name's extension in lower case ('.docx'), or ''."""
    return PureWindowsPath(filename).suffix.lower()


def check_document(data: bytes, filename: str, *, max_bytes: int) -> str:
    """Check what can be told without reading a document: its type and size.

    Returns:
        the extension, '.docx', '.pdf' or '.txt'.
    Raises:
        Rejected: too big, or another type.
    """
    if len(data) > max_bytes:
        raise Rejected(f"文件超过{readable_size(max_bytes)}，请压缩或拆分后重新发送")
    kind = extension(filename)
    if kind not in CONTENT_TYPES:
        raise Rejected(f"只接受 .docx、.pdf、.txt 文件（收到的是“{_shown(filename)}”），"
                       ".doc 请另存为 .docx 后重新发送")
    return kind


def extract_text(data: bytes, filename: str, *, max_bytes: int,
                 limits: DocumentLimits = DocumentLimits()) -> str:
    """Check a document and return its text, stripped, within `limits`.

    Raises:
        Rejected: too big (as sent, inflated, in pages), too slow to read, another
            type, encrypted or broken, or no text in it.
    """
    kind = check_document(data, filename, max_bytes=max_bytes)
    deadline = _Deadline(limits.max_seconds)
    if kind == ".docx":
        text = _docx_text(data, limits, deadline)
    elif kind == ".pdf":
        text = _pdf_text(data, limits, deadline)
    else:
        text = _txt_text(data)
    text = text.strip()
    if not text:
        raise Rejected("文件里没有找到文字（可能是扫描件或图片），"
                       "请直接发送文字内容，或把图片作为照片发送")
    return text


def _shown(filename: str) -> str:
    return PureWindowsPath(filename).name or filename


def _docx_text(data: bytes, limits: DocumentLimits, deadline: _Deadline) -> str:
    _check_directory(data, limits)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            _check_archive(archive, limits, deadline)
        # Inflates no more than was just read: zipfile stops at each entry's size.
        document = docx.Document(io.BytesIO(data))
        return "\n".join(_blocks_text(document.iter_inner_content(), deadline))
    except _PARSE_ERRORS:
        raise Rejected("Word 文件已损坏或无法打开，请用 Word 重新保存为 .docx 后发送") from None


def _check_archive(archive: zipfile.ZipFile, limits: DocumentLimits,
                   deadline: _Deadline) -> None:
    """Refuse a zip whose entries are too many or inflate to too much.

    First by what the entries declare (ZipInfo.file_size), before inflating anything;
    then by what they give when inflated in bounded chunks, in case a header lies.
    """
    members = archive.infolist()
    if len(members) > limits.max_members:
        raise _too_many_entries(limits, len(members))
    declared = [m.file_size for m in members]
    if max(declared, default=0) > limits.max_member_bytes or (
            sum(declared) > limits.max_total_bytes):
        raise _unpacked_too_big(limits)
    total = 0
    for member in members:
        size = 0
        with archive.open(member) as entry:
            while chunk := entry.read(CHUNK_BYTES):
                size += len(chunk)
                total += len(chunk)
                if size > limits.max_member_bytes or total > limits.max_total_bytes:
                    raise _unpacked_too_big(limits)
                deadline.check()


def _check_directory(data: bytes, limits: DocumentLimits) -> None:
    """Refuse a zip whose end record declares too many entries, or a central directory
    too big for them, before zipfile makes an object of every entry (a 20 MB zip of
    empty entries holds 200,000). No end record: zipfile says it is no zip."""
    at = data.rfind(_END_SIGNATURE, max(0, len(data) - _END_RECORD.size - 0xFFFF))
    if at < 0 or len(data) - at < _END_RECORD.size:
        return
    *_, entries, directory_bytes, _offset, _comment = _END_RECORD.unpack_from(data, at)
    if entries > limits.max_members:
        raise _too_many_entries(limits, entries)
    if directory_bytes > limits.max_members * _DIRECTORY_BYTES_PER_ENTRY:
        raise _too_many_entries(limits)   # the record's count understates them


def _too_many_entries(limits: DocumentLimits, entries: int | None = None) -> Rejected:
    counted = f"{entries} 个，" if entries is not None and entries < 0xFFFF else ""
    return Rejected(f"Word 文件里的部件太多（{counted}上限 {limits.max_members} 个），"
                    f"可能是异常文件，{TOO_BIG}")


def _unpacked_too_big(limits: DocumentLimits) -> Rejected:
    return Rejected(f"Word 文件解压后的内容超过上限（单个部件 "
                    f"{readable_size(limits.max_member_bytes)}，合计 "
                    f"{readable_size(limits.max_total_bytes)}），可能是异常文件，{TOO_BIG}")


def _blocks_text(blocks, deadline: _Deadline) -> list[str]:
    lines = []
    for block in blocks:
        deadline.check()
        if isinstance(block, Paragraph):
            lines.append(block.text)
        elif isinstance(block, Table):
            lines.extend(_table_lines(block, deadline))
    return lines


def _table_lines(table: Table, deadline: _Deadline) -> list[str]:
    lines = []
    for row in table.rows:
        seen, cells = set(), []
        for cell in row.cells:
            # A merged cell appears once per grid column it spans.
            if id(cell._tc) in seen:
                continue
            seen.add(id(cell._tc))
            cells.append("\n".join(_blocks_text(cell.iter_inner_content(), deadline)).strip())
        lines.append("\t".join(cells))
    return lines


def _pdf_text(data: bytes, limits: DocumentLimits, deadline: _Deadline) -> str:
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not _opens_without_password(reader):
            raise Rejected("PDF 文件设置了密码，请去掉密码后重新发送，或直接发送文字内容")
        pages = len(reader.pages)
        if pages > limits.max_pages:
            raise Rejected(f"PDF 文件页数太多（{pages} 页，上限 {limits.max_pages} 页），"
                           "请拆分后发送，或直接发送文字内容")
        texts = []
        for page in reader.pages:
            deadline.check()
            texts.append(page.extract_text() or "")
        return "\n".join(texts)
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
