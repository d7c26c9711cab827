"""Fuzzing the document readers: whatever the bytes, reading gives text or a `Rejected`
with a Chinese reason, never another error, and never hangs.

Random bytes mostly fail at the first check, so most examples start from real documents
(a Word file, a PDF, a text file) and mutate them: bytes flipped, cut, inserted, and, for
Word, the XML inside a well-formed zip (where a mutation reaches python-docx and lxml
instead of failing the zip's CRC).
"""
from __future__ import annotations

import io
import signal
import zipfile
from contextlib import contextmanager

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from storage.documents import DocumentLimits, extract_text
from storage.photos import Rejected
from tests.documents import pdf, word

FUZZ = settings(deadline=None, max_examples=150, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
# Small limits (python-docx's own template holds 17 entries, 826 KB inflated), so that a
# mutated example reaches them too.
LIMITS = DocumentLimits(max_members=40, max_member_bytes=1024 * 1024,
                        max_total_bytes=2 * 1024 * 1024, max_pages=20, max_seconds=5)
HANG_SECONDS = 30   # far beyond what any example takes: only a real hang gets there

WORD = word(["三月份工作小结", "开展志愿服务活动3次。"], [["日期", "活动"], ["3月5日", "学雷锋"]])
PDF = pdf(b"BT /F1 24 Tf 72 700 Td (March: 3 volunteer activities) Tj ET")
TXT = "三月份开展活动两次，服务群众一百余人。".encode("gb18030")
SAMPLES = {".docx": WORD, ".pdf": PDF, ".txt": TXT}


class Hung(BaseException):
    """Reading one example took longer than any reading may (no parser catches this)."""


@contextmanager
def within(seconds: float):
    """Fail with Hung if the block runs longer than `seconds` (main thread, SIGALRM)."""
    def hung(_signum, _frame):
        raise Hung(f"reading did not finish within {seconds} s")
    previous = signal.signal(signal.SIGALRM, hung)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def read_or_refuse(data: bytes, name: str) -> None:
    """Read a document: text, or a Rejected with a Chinese reason; anything else fails."""
    with within(HANG_SECONDS):
        try:
            text = extract_text(data, name, max_bytes=1024 * 1024, limits=LIMITS)
        except Rejected as refused:
            assert any("\u4e00" <= ch <= "\u9fff" for ch in refused.reason)
            return
    assert isinstance(text, str) and text == text.strip() and text


@st.composite
def mutated(draw, sample: bytes) -> bytes:
    """A sample with a few bytes replaced, a slice cut out or inserted, or its tail cut."""
    data = bytearray(sample)
    for _ in range(draw(st.integers(1, 4))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        how = draw(st.sampled_from(["flip", "cut", "insert", "truncate"]))
        if how == "flip":
            data[at] = draw(st.integers(0, 255))
        elif how == "cut":
            del data[at:at + draw(st.integers(1, 64))]
        elif how == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=64))
        else:
            del data[at:]
    return bytes(data)


def rezipped(sample: bytes, member: str, content: bytes) -> bytes:
    """The Word sample with one member's content replaced, in a well-formed zip."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(sample)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename,
                            content if info.filename == member else source.read(info))
    return out.getvalue()


with zipfile.ZipFile(io.BytesIO(WORD)) as _word:
    WORD_MEMBERS = {name: _word.read(name) for name in _word.namelist()
                    if name.endswith((".xml", ".rels"))}


@pytest.mark.parametrize("kind", sorted(SAMPLES))
def test_the_samples_themselves_are_read(kind):
    """Else every mutation would be refused, and the fuzzing would prove nothing."""
    assert extract_text(SAMPLES[kind], f"小结{kind}", max_bytes=1024 * 1024, limits=LIMITS)


@pytest.mark.parametrize("name", ["a.docx", "a.pdf", "a.txt"])
@FUZZ
@given(data=st.binary(max_size=4096))
def test_random_bytes_are_read_or_refused(name, data):
    read_or_refuse(data, name)


@pytest.mark.parametrize("kind", sorted(SAMPLES))
@FUZZ
@given(data=st.data())
def test_a_mutated_document_is_read_or_refused(kind, data):
    read_or_refuse(data.draw(mutated(SAMPLES[kind])), f"小结{kind}")


@FUZZ
@given(member=st.sampled_from(sorted(WORD_MEMBERS)), data=st.data())
def test_a_word_file_with_mutated_xml_inside_a_sound_zip_is_read_or_refused(member, data):
    content = data.draw(mutated(WORD_MEMBERS[member]))
    read_or_refuse(rezipped(WORD, member, content), "小结.docx")


@FUZZ
@given(text=st.text(max_size=300))
def test_any_text_in_a_word_paragraph_is_read_or_refused(text):
    """Text a person might type (any code point, markup-like or not) as the XML's text."""
    xml = WORD_MEMBERS["word/document.xml"]
    escaped = (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
               .encode("utf-8", "surrogatepass"))
    read_or_refuse(rezipped(WORD, "word/document.xml",
                            xml.replace("三月份工作小结".encode(), escaped)), "小结.docx")


@FUZZ
@given(text=st.text(st.characters(exclude_categories=["Cs"]), max_size=300),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "gb18030", "utf-16"]))
def test_any_text_file_is_read_or_refused(text, encoding):
    read_or_refuse(text.encode(encoding), "小结.txt")
