import pytest

from dorgu.errors import InputError
from dorgu.formats.text import decode_text


def test_bom_and_crlf_are_normalised():
    assert decode_text(b"\xef\xbb\xbfa\r\nb\rc", file="f") == "a\nb\nc"


def test_non_utf8_names_file_line_and_byte():
    with pytest.raises(InputError, match=r"f.txt:2: not valid UTF-8 \(byte 0xff"):
        decode_text(b"ok\n\xff\xfe bad", file="f.txt")


def test_binary_content_is_refused():
    with pytest.raises(InputError, match="binary"):
        decode_text(b"\x7fELF\x00\x00", file="a.out")
