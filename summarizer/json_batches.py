"""One JSON object read with one of its arrays decoded in batches by msgspec: an export's messages.

`json_stream` decodes the items one by one with the json module's scanner; this decodes a
megabyte of items at a time with msgspec into typed structs, about three times faster than
`json.load`, and memory stays near one batch and what the caller keeps of it.

Batches are cut where one object ends and the next begins (`}` `,` `{`). A cut found inside a
string or a nested object cannot pass for a valid batch: the text before it would end inside
that string or object, and the batch then fails to decode, so an earlier cut is tried. Every
batch that decodes starts where an item starts and ends where one ends, exactly as reading the
file whole would see them, so the items are what reading it whole would give. The object's
other keys are read with the json module (as `json.loads` reads them), and anything the reader
cannot vouch for raises `Unstreamable`, for the caller to read the file another way.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable, Collection, Iterator
from pathlib import Path
from typing import Any, BinaryIO

import msgspec

from summarizer.json_stream import Unstreamable

# Read this much at a time; an item longer than the text at hand doubles what is read next.
CHUNK_BYTES = 1 << 20
# A cut: one object's end, the comma and the next object's start, with JSON's whitespace only.
_CUT = rb"\}[ \t\n\r]*,[ \t\n\r]*(?="
_CUT_WINDOW = 1 << 16  # where, before the end of the text at hand, cuts are looked for
_TRIES = 8  # cuts (or array ends) tried of each kind before reading on
_MAX_CHUNKS = 16  # unread text, in chunks, past which the file is read the careful way


class JsonArrayBatches:
    """The top-level object of a file: its other keys decoded, one array's items in batches.

    `head` holds the keys before the array; `batches()` yields lists of items decoded by
    `decoder` (a msgspec decoder of a list), then checks the rest of the file, refusing keys in
    `late_keys_refused` (the caller acted on the head before they arrived) and the array's own
    key again (reading it whole, the last array would win). `item_start` is a pattern of how an
    item begins (an export's messages: `{"id": "…", "type"`), so that cuts are looked for
    first where they are likeliest to hold, before any `{` (a nested list's, a string's).
    """

    def __init__(
        self,
        path: Path,
        array_key: str,
        decoder: msgspec.json.Decoder,
        *,
        late_keys_refused: Collection[str] = (),
        parse_int: Callable[[str], Any] | None = None,
        item_start: bytes = rb"\{",
    ) -> None:
        self._decode = decoder.decode
        self._cuts = [re.compile(_CUT + item_start + rb")"), re.compile(_CUT + rb"\{)")]
        self._parse_int = parse_int
        self._late_refused = frozenset({*late_keys_refused, array_key})
        try:
            self._file: BinaryIO = path.open("rb")
        except OSError as exc:
            raise Unstreamable(str(exc)) from None
        try:
            self.head, self._buffer = self._read_head(array_key)
        except BaseException:
            self._file.close()
            raise

    def close(self) -> None:
        """Close the file without reading the items (the caller refused the head)."""
        self._file.close()

    def batches(self) -> Iterator[list[Any]]:
        """The array's items, a batch at a time, in file order; the file is closed at the end."""
        try:
            buffer, eof = self._buffer, False
            self._buffer = b""
            while not eof:
                data = self._file.read(max(CHUNK_BYTES, len(buffer)))
                eof = not data
                buffer += data
                if eof:
                    break
                found = self._batch(buffer)
                if found is not None:
                    items, rest = found
                    buffer = buffer[rest:]
                    yield items
            yield self._last_batch(buffer)
        finally:
            self._file.close()

    def _read_head(self, array_key: str) -> tuple[dict[str, Any], bytes]:
        data = self._file.read(CHUNK_BYTES)
        if json.detect_encoding(data[:4]) not in ("utf-8", "utf-8-sig"):
            raise Unstreamable("not UTF-8")
        data = data.removeprefix(codecs.BOM_UTF8)  # as json.loads skips it
        key = re.escape(json.dumps(array_key).encode())
        start = re.search(key + rb"[ \t\n\r]*:[ \t\n\r]*\[", data)
        if start is None:
            raise Unstreamable(f"no {array_key!r} array near the start")
        try:
            # Closed right after the array's `[`, the start is a whole object only if that `[`
            # is the top level's: one inside a string or a nested object leaves it open.
            head = json.loads(
                data[: start.end()] + b"]}", parse_int=self._parse_int, object_pairs_hook=_object
            )
        except (ValueError, RecursionError):
            raise Unstreamable("not a JSON object before the array") from None
        if not isinstance(head, dict) or head.pop(array_key, None) != []:
            raise Unstreamable(f"no {array_key!r} array at the top level")
        return head, data[start.end() :]

    def _batch(self, buffer: bytes) -> tuple[list[Any], int] | None:
        """The items before the last cut that decodes, and where the next item starts.

        None when no cut near the end of the text decodes (one long item, or only cuts inside
        strings and nested lists): more text has other cuts, up to a bound.
        """
        if len(buffer) > _MAX_CHUNKS * CHUNK_BYTES:
            raise Unstreamable("no batch decodes")
        start = max(0, len(buffer) - _CUT_WINDOW)
        for pattern in self._cuts:
            for cut in reversed(list(pattern.finditer(buffer, start))[-_TRIES:]):
                try:
                    return self._decode(b"[" + buffer[: cut.start() + 1] + b"]"), cut.end()
                except msgspec.DecodeError:
                    continue  # a cut inside a string or a nested object: try an earlier one
                except msgspec.ValidationError as exc:
                    raise Unstreamable(str(exc)) from None  # an item the types refuse
                except RecursionError:
                    raise Unstreamable("nested too deeply") from None
        return None

    def _last_batch(self, buffer: bytes) -> list[Any]:
        """The items up to the array's `]`, after the rest of the object has been checked."""
        end = len(buffer)
        for _ in range(_TRIES):
            end = buffer.rfind(b"]", 0, end)
            if end == -1:
                break
            if not self._tail_accepted(buffer[end + 1 :]):
                continue  # a `]` inside a string of a later key
            items = buffer[:end]
            if not items.strip(b" \t\n\r"):
                return []
            try:
                return self._decode(b"[" + items + b"]")
            except msgspec.DecodeError:
                continue
            except msgspec.ValidationError as exc:
                raise Unstreamable(str(exc)) from None
            except RecursionError:
                raise Unstreamable("nested too deeply") from None
        raise Unstreamable("no end of the array")

    def _tail_accepted(self, tail: bytes) -> bool:
        """Whether `tail` closes the object (keys and all) as reading it whole would accept."""
        try:
            pairs = json.loads(
                b'{"":0' + tail, parse_int=self._parse_int, object_pairs_hook=_pairs_at_top
            )
        except (ValueError, RecursionError):
            return False
        if any(key in self._late_refused for key, _ in pairs[1:]):
            raise Unstreamable("a key after the array that was read before it")
        return True


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object as `json.loads` makes it, refused when a key repeats (the stream refuses it)."""
    made = dict(pairs)
    if len(made) != len(pairs):
        raise Unstreamable("a repeated key")
    return made


def _pairs_at_top(pairs: list[tuple[str, Any]]) -> Any:
    """Nested objects stay lists of pairs too: only the top level's keys are looked at."""
    return pairs
