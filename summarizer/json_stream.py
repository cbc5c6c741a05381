"""One JSON object read with one of its arrays streamed: an export's `messages`, one at a time.

A 100,000-message export decoded whole is a Python object tree five to six times the file's
size, and the collector walks all of it while it grows. Read in chunks, each message is
decoded (by the json module's own C scanner, so values are exactly what `json.loads` gives),
checked and dropped unless kept, and memory stays near the size of what is kept.

The stream promises `json.loads`' result for the documents it accepts, and raises `Unstreamable`
for anything it cannot vouch for: another encoding than UTF-8, a top level that is not an
object, a repeated key, an array that is not where it is expected, a syntax error, or a key
after the array that the caller has already read. The caller then reads the file whole, which
gives the exact result or error (with line and column) that reading it whole always gave.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable, Collection, Iterator
from pathlib import Path
from typing import Any, BinaryIO

# Read this much at a time; a value longer than the text at hand doubles what is read next.
CHUNK_BYTES = 1 << 20
_WHITESPACE = re.compile(r"[ \t\n\r]*")  # JSON's whitespace, as json.loads skips it
_AFTER_ITEM = re.compile(r"[ \t\n\r]*([,\]])[ \t\n\r]*")


class Unstreamable(Exception):
    """The file needs reading whole: it is not (or might not be) what the stream can promise."""


class JsonObjectStream:
    """The top-level object of a file: its other keys decoded, one array's items streamed.

    `head` holds the keys before the array; `items()` yields the array's items in order and
    then reads the rest of the file, refusing keys named in `late_keys_refused` (the caller
    acted on the head before they arrived) and anything after the object but whitespace.
    """

    def __init__(
        self,
        path: Path,
        array_key: str,
        *,
        late_keys_refused: Collection[str] = (),
        parse_int: Callable[[str], Any] | None = None,
    ) -> None:
        self._decoder = json.JSONDecoder(parse_int=parse_int)
        self._text = codecs.getincrementaldecoder("utf-8")("surrogatepass")  # as json.loads
        # The array's own key again too: reading it whole, the last array would win.
        self._late_refused = frozenset({*late_keys_refused, array_key})
        self._buffer, self._pos, self._eof = "", 0, False
        try:
            self._file: BinaryIO = path.open("rb")
        except OSError as exc:
            raise Unstreamable(str(exc)) from None
        try:
            self.head = self._read_head(array_key)
        except BaseException:
            self._file.close()
            raise

    def items(self) -> Iterator[Any]:
        """The array's items in file order; the file is closed when they end (or on close)."""
        try:
            if self._peek() == "]":
                self._pos += 1
            else:
                yield from self._array_items()
            self._read_tail()
        finally:
            self._file.close()

    def close(self) -> None:
        """Close the file without reading the items (the caller refused the head)."""
        self._file.close()

    def _read_head(self, array_key: str) -> dict[str, Any]:
        start = self._file.read(4)
        if json.detect_encoding(start) not in ("utf-8", "utf-8-sig"):
            raise Unstreamable("not UTF-8")
        # The byte order mark json.loads skips for bytes; the decoder keeps it otherwise.
        self._file.seek(3 if start.startswith(codecs.BOM_UTF8) else 0)
        self._expect("{")
        head: dict[str, Any] = {}
        while True:
            key = self._key(head)
            if key == array_key:
                self._expect("[")
                return head
            head[key] = self._value()
            if self._separator("}"):
                raise Unstreamable(f"no {array_key!r} array")

    def _array_items(self) -> Iterator[Any]:
        scan, after = self._decoder.scan_once, _AFTER_ITEM.match
        while True:
            # The usual case, in locals: the item, its comma and the next item's start are all
            # in the text at hand (json's own scanner, called as raw_decode calls it).
            buffer, pos = self._buffer, self._pos
            size = len(buffer)
            while True:
                try:
                    item, end = scan(buffer, pos)
                except (StopIteration, json.JSONDecodeError, RecursionError):
                    break  # blank space first, the chunk's end, or a fault: the careful way
                found = after(buffer, end)
                if found is None or found.end() >= size:
                    break
                pos = self._pos = found.end()
                yield item
                if found.group(1) == "]":
                    return
            yield self._value()
            if self._separator("]"):
                return
            self._peek()  # to the next item, where the usual case starts

    def _read_tail(self) -> None:
        seen: set[str] = set()
        while not self._separator("}"):
            key = self._key(seen)
            if key in self._late_refused:
                raise Unstreamable(f"{key!r} after the streamed array")
            seen.add(key)
            self._value()
        if self._peek() != "":
            raise Unstreamable("data after the object")

    def _key(self, seen: Collection[str]) -> str:
        key = self._value()
        if not isinstance(key, str) or key in seen:
            raise Unstreamable("not a new key")  # json.loads keeps the last of repeated keys
        self._expect(":")
        return key

    def _separator(self, closing: str) -> bool:
        """After a member: True at `closing` (consumed), False after a comma; else refuse."""
        found = self._peek()
        if found == closing or found == ",":
            self._pos += 1
            return found == closing
        raise Unstreamable(f"expected ',' or {closing!r}")

    def _expect(self, token: str) -> None:
        if self._peek() != token:
            raise Unstreamable(f"expected {token!r}")
        self._pos += 1

    def _value(self) -> Any:
        """The JSON value at the next non-blank character, reading on while it is incomplete."""
        self._peek()
        while True:
            try:
                value, end = self._decoder.raw_decode(self._buffer, self._pos)
            except json.JSONDecodeError:
                end = -1  # incomplete, or wrong: only more text (or its end) tells which
            except RecursionError:
                raise Unstreamable("nested too deeply") from None
            # A value ending exactly at the end of the text at hand may go on (a number).
            if end != -1 and (end < len(self._buffer) or self._eof):
                self._pos = end
                return value
            if self._eof:
                raise Unstreamable("not valid JSON")
            self._read_more()

    def _peek(self) -> str:
        """The next non-blank character ("" at the end of the file), skipping whitespace."""
        while True:
            self._pos = _WHITESPACE.match(self._buffer, self._pos).end()  # type: ignore[union-attr]
            if self._pos < len(self._buffer):
                return self._buffer[self._pos]
            if self._eof:
                return ""
            self._read_more()

    def _read_more(self) -> None:
        """Append the next chunk to the unread text; at least as much as is already unread."""
        unread = len(self._buffer) - self._pos
        data = self._file.read(max(CHUNK_BYTES, unread))
        self._eof = not data
        try:
            text = self._text.decode(data, final=self._eof)
        except UnicodeDecodeError:
            raise Unstreamable("not UTF-8") from None
        self._buffer = self._buffer[self._pos :] + text
        self._pos = 0
