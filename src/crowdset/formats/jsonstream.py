"""Incremental reading of a top-level JSON array (or single object) from a binary stream.

Label Studio exports are one JSON array that can reach gigabytes; ``json.load`` would hold it all.
Here each element is decoded with ``json.JSONDecoder.raw_decode`` as soon as its text is buffered,
and the buffer is trimmed after every element, so memory stays around one element plus a chunk.
"""

from __future__ import annotations

import codecs
import json
from collections.abc import Iterator
from typing import IO, Any

from crowdset.messages import msg

CHUNK = 1 << 16
MAX_ELEMENT_CHARS = 256 << 20
_WS = " \t\r\n"
# A decode error this close to the buffer end may only mean the element is cut off (e.g. "tru").
_TAIL = 12


class JSONStreamError(ValueError):
    """The stream stops being valid JSON; ``index`` is the 1-based element where it happened (0: before)."""

    def __init__(self, index: int, reason: str) -> None:
        super().__init__(f"element {index}: {reason}")
        self.index = index
        self.reason = reason


class _Reader:
    def __init__(self, stream: IO[bytes], chunk_size: int) -> None:
        self.stream = stream
        self.chunk_size = chunk_size
        self.dec = codecs.getincrementaldecoder("utf-8-sig")()
        self.buf = ""
        self.pos = 0
        self.eof = False
        self.index = 0

    def fill(self, size: int = 0) -> bool:
        """Append one chunk (at least ``size`` bytes); False at end of file."""
        if self.eof:
            return False
        raw = self.stream.read(max(self.chunk_size, size))
        try:
            if not raw:
                self.eof = True
                self.buf += self.dec.decode(b"", final=True)
                return False
            self.buf += self.dec.decode(raw)
        except UnicodeDecodeError as exc:
            raise JSONStreamError(self.index, msg("format.json_not_utf8", reason=exc.reason)) from None
        return True

    def peek(self) -> str:
        """The next non-whitespace character ('' at end of file), dropping consumed text."""
        while True:
            while self.pos < len(self.buf) and self.buf[self.pos] in _WS:
                self.pos += 1
            if self.pos < len(self.buf):
                return self.buf[self.pos]
            self.buf, self.pos = "", 0
            if not self.fill():
                return ""

    def value(self, decoder: json.JSONDecoder) -> Any:
        """Decode the value at the cursor, reading more while it may merely be incomplete."""
        self.buf, self.pos = self.buf[self.pos:], 0
        while True:
            try:
                value, end = decoder.raw_decode(self.buf, 0)
            except json.JSONDecodeError as exc:
                maybe_cut = exc.pos >= len(self.buf) - _TAIL or exc.msg.startswith("Unterminated string")
                if maybe_cut and len(self.buf) < MAX_ELEMENT_CHARS and self.fill(len(self.buf)):
                    continue
                if len(self.buf) >= MAX_ELEMENT_CHARS:
                    raise JSONStreamError(self.index, msg("format.element_too_large")) from None
                raise JSONStreamError(self.index, msg("format.invalid_json", reason=exc.msg)) from None
            if end == len(self.buf) and self.fill(len(self.buf)):
                continue  # a number may continue in the next chunk
            self.pos = end
            return value


def iter_json_array(stream: IO[bytes], chunk_size: int = CHUNK) -> Iterator[Any]:
    """Yield the elements of a top-level JSON array, or the single top-level object.

    Raises JSONStreamError where the text stops being valid JSON; elements before it were yielded.
    """
    decoder = json.JSONDecoder()
    r = _Reader(stream, chunk_size)
    ch = r.peek()
    if ch == "":
        raise JSONStreamError(0, msg("format.file_empty"))
    if ch == "{":
        r.index = 1
        yield r.value(decoder)
        if r.peek():
            raise JSONStreamError(1, msg("format.extra_after_object"))
        return
    if ch != "[":
        raise JSONStreamError(0, msg("format.expected_array"))
    r.pos += 1
    if r.peek() == "]":
        r.pos += 1
    else:
        while True:
            r.index += 1
            if r.peek() == "":
                raise JSONStreamError(r.index, msg("format.eof_in_array"))
            yield r.value(decoder)
            ch = r.peek()
            r.pos += 1
            if ch == "]":
                break
            if ch != ",":
                what = "end of file" if ch == "" else repr(ch)
                raise JSONStreamError(r.index + 1, msg("format.expected_comma", index=r.index, found=what))
    if r.peek():
        raise JSONStreamError(r.index, msg("format.extra_after_array"))
