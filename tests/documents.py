"""Documents made on the spot: Word files, PDFs, and a .docx zip bomb (tests, bench/zipbomb.py)."""
from __future__ import annotations

import io
import zipfile

import docx

W = b"http://schemas.openxmlformats.org/wordprocessingml/2006/main"
BODY_START = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
              b'<w:document xmlns:w="' + W + b'"><w:body>')
BODY_END = b"</w:body></w:document>"
PARAGRAPH = "<w:p><w:r><w:t>本月开展志愿服务活动。</w:t></w:r></w:p>".encode()


def zip_bomb_docx(inflated_bytes: int = 100 * 1024 * 1024) -> bytes:
    """A valid .docx whose word/document.xml inflates to about `inflated_bytes`.

    Its zip headers declare the true size: it is the size itself that must be refused.
    """
    plain = io.BytesIO()
    docx.Document().save(plain)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(plain.getvalue())) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bomb:
        for member in source.infolist():
            if member.filename != "word/document.xml":
                bomb.writestr(member, source.read(member))
        with bomb.open("word/document.xml", "w") as xml:
            xml.write(BODY_START)
            written = len(BODY_START) + len(BODY_END)
            while written < inflated_bytes:
                chunk = PARAGRAPH * min(1000, -(-(inflated_bytes - written) // len(PARAGRAPH)))
                xml.write(chunk)
                written += len(chunk)
            xml.write(BODY_END)
    return out.getvalue()


def pdf(content: bytes) -> bytes:
    """Return a one-page PDF whose page draws content with Helvetica as /F1."""
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R"
        b" /Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(content), content),
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = b"%PDF-1.4\n", []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return out


def word(paragraphs: list[str], table: list[list[str]] | None = None) -> bytes:
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if table:
        grid = document.add_table(rows=len(table), cols=len(table[0]))
        for r, row in enumerate(table):
            for c, text in enumerate(row):
                grid.cell(r, c).text = text
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
