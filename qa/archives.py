"""Bulk archives (.jsonl, .json, .csv, .tsv) → their rows, one at a time: fields by our names, a
stable key, or why not.

Holds the file formats only; turning a row into an Article (cleaning, dates) is qa/articles.py's.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

from qa.errors import TranslatedError
from qa.translations import Message

# A .tsv is a CSV whose separator is a tab; a .json file is an array of objects (or one object).
ARCHIVE_SUFFIXES = (".jsonl", ".json", ".csv", ".tsv")

# Our name for a field: the names an archive may give it, matched case-insensitively, first wins.
FIELDS: dict[str, tuple[str, ...]] = {
    "title": ("title", "titel", "headline", "kop"),
    "text": ("text", "content", "body", "tekst"),
    "date": ("date", "datetime", "published", "datum", "published_at", "publicatiedatum", "pubdate"),
    "category": ("category", "categorie", "section", "rubriek"),
    "url": ("url", "link"),
    "id": ("id", "guid"),
}
TEXT_NAMES = ", ".join(FIELDS["text"])
KEY_MAX_CHARS = 2048  # as long as the longest URL an article keeps
# A file whose first lines are all unreadable is not an archive with a few bad rows but no archive
# at all (a binary file, a pretty-printed JSON array): one reason, not one per line.
BAD_START_LINES = 10
_DRAIN_BYTES = 1 << 20
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_WIDE_MARKS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


@dataclass(frozen=True)
class Row:
    line: int  # where the row starts in the file, from 1
    key: str  # the row's `id`, else its `url`, else row<N>: what its article id is made of
    fields: dict[str, str]  # by our names (FIELDS), only those the row fills
    hash: str  # of the fields alone: editing one row changes only its hash
    size: int  # bytes of the file the row takes


@dataclass(frozen=True)
class BadRow:
    line: int
    reason: Message
    # The row's key when it could be read: its indexed version stays. None when even that is
    # unknown (the line is no JSON, a CSV row lost its columns).
    key: str | None = None


class ArchiveError(TranslatedError, ValueError):
    """The whole archive cannot be read (no text column, UTF-16, not JSON Lines); the message says why."""


class _RowTooLong(Exception):
    def __init__(self, size: int):
        self.size = size


class _NotText(Exception):
    pass


def read_rows(handle: BinaryIO, suffix: str, max_row_bytes: int) -> Iterator[Row | BadRow]:
    """The rows of an open .jsonl, .json, .csv or .tsv archive in file order, streamed: memory holds
    one row (and the keys seen, to refuse a second row with the same one), never the file.

    Raises ArchiveError when the file as a whole is not such an archive.
    """
    if suffix == ".json":
        rows = _json_array_rows(handle, max_row_bytes)
    else:
        lines = _Lines(handle, max_row_bytes)
        rows = _json_rows(lines) if suffix == ".jsonl" else _csv_rows(lines)
    first_line: dict[str, int] = {}
    for row in rows:
        if isinstance(row, Row) and row.key in first_line:
            yield BadRow(
                row.line, Message("row_same_id", key=repr(row.key), line=first_line[row.key]), row.key
            )
            continue
        if row.key is not None:
            first_line.setdefault(row.key, row.line)
        yield row


# --- lines ---------------------------------------------------------------------------------


class _Lines:
    """The decoded lines of a binary file (with their line breaks), none longer than the row limit:
    a file without line breaks is refused a row at a time, not read into memory whole.

    Each line is UTF-8 or else Windows-1252 on its own, so that one badly encoded row spoils only itself.
    """

    def __init__(self, handle: BinaryIO, max_row_bytes: int):
        self.handle = handle
        self.max_row_bytes = max_row_bytes
        self.number = 0  # of the last line read
        self.bytes = 0  # read since `start_row`

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        raw = self.handle.readline(self.max_row_bytes + 1)
        if not raw:
            raise StopIteration
        self.number += 1
        self.bytes += len(raw)
        if self.number == 1 and raw.startswith(_WIDE_MARKS):
            raise ArchiveError("archive_wide")
        if len(raw) > self.max_row_bytes and not raw.endswith(b"\n"):
            raise _RowTooLong(self.bytes + self._drain())
        if self.bytes > self.max_row_bytes:
            raise _RowTooLong(self.bytes)
        try:
            text = raw.decode("utf-8-sig" if self.number == 1 else "utf-8")
        except UnicodeDecodeError:
            try:
                text = raw.decode("cp1252")
            except UnicodeDecodeError:
                raise _NotText() from None
        return text

    def start_row(self) -> None:
        self.bytes = 0

    def _drain(self) -> int:
        """Skip the rest of an overlong line; how many bytes that was."""
        skipped = 0
        while True:
            part = self.handle.readline(_DRAIN_BYTES)
            skipped += len(part)
            if not part or part.endswith(b"\n"):
                return skipped


def _too_long(size: int, limit: int) -> Message:
    return Message("row_too_long", size=f"{size / 1_000_000:.1f}", limit=f"{limit / 1_000_000:g}")


_NOT_TEXT = Message("row_not_text")


# --- JSON Lines ----------------------------------------------------------------------------


def _json_rows(lines: _Lines) -> Iterator[Row | BadRow]:
    return _unless_none_reads(_json_lines(lines), "archive_not_jsonl")


def _json_lines(lines: _Lines) -> Iterator[Row | BadRow]:
    while True:
        lines.start_row()
        try:
            text = next(lines)
        except StopIteration:
            return
        except _RowTooLong as e:
            yield BadRow(lines.number, _too_long(e.size, lines.max_row_bytes))
        except _NotText:
            yield BadRow(lines.number, _NOT_TEXT)
        else:
            if text.strip():
                yield _json_row(text.rstrip("\r\n"), lines.number, lines.bytes)


def _unless_none_reads(rows: Iterator[Row | BadRow], refusal: str) -> Iterator[Row | BadRow]:
    """`rows`, unless the first BAD_START_LINES are all unreadable (none even gives its key): then
    the file is no archive, and ArchiveError(`refusal`) says so once, not once a row."""
    read_one = False
    held: list[BadRow] = []
    for found in rows:
        if read_one or isinstance(found, Row) or found.key is not None:
            read_one = True
            yield from held
            held = []
            yield found
            continue
        held.append(found)
        if len(held) == BAD_START_LINES:
            raise ArchiveError(refusal, n=BAD_START_LINES, line=held[0].line, reason=held[0].reason)
    yield from held


def _json_problem(said: str) -> Message | str:
    """What Python's JSON decoder found wrong, as a sentence of the translation table, so that the
    Dutch UI says it in Dutch; a message it does not know stays as the decoder wrote it."""
    for start, key in _JSON_PROBLEMS.items():
        if said.startswith(start):
            return Message(key)
    return said


# The start of each message of CPython's JSON decoder, and its sentence in the translation table.
_JSON_PROBLEMS = {
    "Expecting value": "json_expecting_value",
    "Expecting property name": "json_expecting_name",
    "Expecting ':'": "json_expecting_colon",
    "Expecting ','": "json_expecting_comma",
    "Unterminated string": "json_unterminated_string",
    "Invalid control character": "json_control_character",
    "Invalid \\escape": "json_bad_escape",
    "Invalid \\u": "json_bad_escape",
    "Extra data": "json_extra_data",
}


def _json_row(text: str, line: int, size: int, number: int | None = None) -> Row | BadRow:
    """The row a JSON object's text holds; `number` (its place in a JSON array) keys a row without
    an id or url, else its line does."""
    try:
        value = json.loads(text)
    except json.JSONDecodeError as e:
        return BadRow(line, Message("row_not_json_at", problem=_json_problem(e.msg), column=e.colno))
    except ValueError as e:  # an integer of more digits than Python converts
        return BadRow(line, Message("row_not_json", problem=str(e).split(":")[0]))
    except RecursionError:
        return BadRow(line, Message("row_too_deep"))
    if not isinstance(value, dict):
        return BadRow(line, Message("row_not_object", kind=_json_type(value)))
    named: dict[str, object] = {}
    for name, value_of_name in value.items():
        named.setdefault(str(name).strip().casefold(), (name, value_of_name))
    fields: dict[str, str] = {}
    for ours, names in FIELDS.items():
        found = next((named[n] for n in names if n in named), None)
        if found is None:
            continue
        name, raw = found
        # A CMS's export wraps a field: WordPress {"rendered": "…"}, Drupal [{"value": "…", …}].
        if isinstance(raw, list) and len(raw) == 1:
            raw = raw[0]
        if isinstance(raw, dict):
            raw = next((raw[k] for k in _WRAPPED if isinstance(raw.get(k), str)), raw)
        if isinstance(raw, dict | list):
            return BadRow(line, Message("row_field_not_text", name=repr(name), kind=_json_type(raw)))
        # A blank value is no value, except the text: a row whose text is empty is named as such.
        if raw is not None and (ours == "text" or not isinstance(raw, str) or raw.strip()):
            fields[ours] = raw if isinstance(raw, str) else json.dumps(raw)
    return _row(line, line if number is None else number, fields, size)


# --- a JSON array ----------------------------------------------------------------------------

_READ_CHARS = 1 << 20


def _json_array_rows(handle: BinaryIO, max_row_bytes: int) -> Iterator[Row | BadRow]:
    """The objects of a JSON array (`[{…}, {…}]`, as CMS exports write them) or a file holding one
    object, each cut from the stream by a scan of its brackets and strings, then parsed alone:
    memory holds one element, and a broken element spoils only itself."""
    elements = _JsonElements(handle, max_row_bytes)
    rows = (
        BadRow(line, _too_long(size, max_row_bytes)) if text is None else _json_row(text, line, size, number)
        for number, (line, text, size) in enumerate(elements, start=1)
    )
    yield from _unless_none_reads(rows, "archive_json_no_articles")
    if elements.unfinished is not None:
        yield BadRow(elements.unfinished, Message("row_json_unfinished"))


class _JsonElements:
    """(line, text, size) of each top-level element of a JSON array, text None when it is over the
    row limit (its size still counted); `unfinished` is the line of one the file ends inside."""

    def __init__(self, handle: BinaryIO, max_row_bytes: int):
        self.handle, self.max_row_bytes = handle, max_row_bytes
        self.decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self.buffer, self.at, self.line = "", 0, 1
        self.unfinished: int | None = None

    def _more(self) -> bool:
        """Read on; False at the end of the file."""
        raw = self.handle.read(_READ_CHARS)
        if self.line == 1 and not self.buffer and raw.startswith(_WIDE_MARKS):
            raise ArchiveError("archive_wide")
        try:
            text = self.decoder.decode(raw, final=not raw)
        except UnicodeDecodeError:
            raise ArchiveError("archive_json_not_utf8") from None
        self.buffer, self.at = self.buffer[self.at :] + text, 0
        return bool(raw)

    def _next_char(self) -> str:
        """The next character that is not white space, consumed; '' at the end of the file."""
        while True:
            found = _NOT_SPACE.search(self.buffer, self.at)
            end = found.start() if found else len(self.buffer)
            self.line += self.buffer.count("\n", self.at, end)
            self.at = end
            if found:
                self.at += 1
                return found.group()
            if not self._more():
                return ""

    def __iter__(self) -> Iterator[tuple[int, str | None, int]]:
        first = self._next_char()
        if first == "{":
            self.at -= 1
            yield self._element()
            return
        if first != "[":
            raise ArchiveError("archive_not_json", start=repr(first[:1]) if first else "nothing")
        char = self._next_char()
        while char and char != "]":
            if char != ",":
                self.at -= 1
                element = self._element()
                if self.unfinished is not None:
                    return
                yield element
            char = self._next_char()

    def _element(self) -> tuple[int, str | None, int]:
        """The element that starts at the current position, read to its end: a scan from one
        quote, bracket or comma to the next (inside a string, to its next quote or backslash)."""
        line, depth, quoted, escaped = self.line, 0, False, False
        pieces: list[str] | None = []
        size = 0
        start = self.at
        while True:
            if escaped and self.at < len(self.buffer):
                self.at, escaped = self.at + 1, False
            found = (_IN_STRING if quoted else _OUTSIDE).search(self.buffer, self.at)
            if found is None:
                self.line += self.buffer.count("\n", self.at)
                piece = self.buffer[start:]
                size += len(piece.encode("utf-8"))
                if pieces is not None:
                    pieces.append(piece)
                    if size > self.max_row_bytes:
                        pieces = None
                self.at = len(self.buffer)
                if not self._more():
                    self.unfinished = line
                    return line, None, size
                start = self.at
                continue
            self.line += self.buffer.count("\n", self.at, found.start())
            self.at = found.end()
            char = found.group()
            if quoted:
                escaped, quoted = char == "\\", char == "\\"
            elif char == '"':
                quoted = True
            elif char in "{[":
                depth += 1
            elif depth > 0 and char == ",":
                continue
            else:  # '}', ']', or a ',' after a bare value
                if depth > 0:
                    depth -= 1
                elif self.at - 1 > start or pieces:
                    self.at -= 1  # a bare value ends where its array goes on or closes
                # else: a stray '}', ']' or ',' is an element of its own, and no JSON
                if depth == 0:
                    piece = self.buffer[start : self.at]
                    size += len(piece.encode("utf-8"))
                    if pieces is None or size > self.max_row_bytes:
                        return line, None, size
                    return line, "".join([*pieces, piece]), size


# Where a scan stops: inside a string at its end or an escape, outside at structure.
_IN_STRING = re.compile(r'["\\]')
_NOT_SPACE = re.compile(r"\S")
_OUTSIDE = re.compile(r'["{}\[\],]')


_WRAPPED = ("rendered", "value")


def _json_type(value: object) -> str:
    kinds = ((dict, "object"), (list, "array"), (str, "string"), (bool, "boolean"), (type(None), "null"))
    return next((kind for t, kind in kinds if isinstance(value, t)), "number")


# --- CSV -----------------------------------------------------------------------------------


def _csv_rows(lines: _Lines) -> Iterator[Row | BadRow]:
    try:
        header_line = next(lines)
    except StopIteration:
        raise ArchiveError("archive_empty_csv") from None
    except (_RowTooLong, _NotText):
        raise ArchiveError("archive_no_header") from None
    delimiter = _delimiter(header_line)
    # A field may be as long as a row may be; the module's default (128 K characters) is shorter
    # than many articles. The limit is the process's: it is only ever raised.
    csv.field_size_limit(max(csv.field_size_limit(), lines.max_row_bytes))
    reader = csv.reader(_chain(header_line, lines), delimiter=delimiter)
    header = [name.strip().casefold() for name in next(reader)]
    columns = {
        ours: next((header.index(name) for name in names if name in header), None)
        for ours, names in FIELDS.items()
    }
    if columns["text"] is None:
        shown = ", ".join(name for name in header if name)[:200] or Message("archive_header_empty")
        raise ArchiveError("archive_no_text_column", names=TEXT_NAMES, shown=shown)
    number = 0
    while True:
        start = lines.number + 1
        lines.start_row()
        try:
            record = next(reader)
        except StopIteration:
            return
        except _RowTooLong as e:
            yield BadRow(start, _too_long(e.size, lines.max_row_bytes))
            continue
        except _NotText:
            yield BadRow(start, _NOT_TEXT)
            continue
        except csv.Error as e:
            yield BadRow(start, Message("row_not_csv", problem=str(e)))
            continue
        if not record:  # a blank line
            continue
        number += 1
        extra = record[len(header) :]
        if len(record) < len(header) or any(value.strip() for value in extra):
            yield BadRow(
                start, Message("row_field_count", found=len(record), named=len(header), delimiter=delimiter)
            )
            continue
        fields = {
            ours: record[i]
            for ours, i in columns.items()
            if i is not None and (ours == "text" or record[i].strip())
        }
        yield _row(start, number, fields, lines.bytes)


def _chain(first: str, rest: Iterator[str]) -> Iterator[str]:
    yield first
    yield from rest


def _delimiter(header: str) -> str:
    """The separator the header line uses most outside quotes: ',', ';' (Dutch Excel) or a tab."""
    counts = dict.fromkeys(",;\t", 0)
    quoted = False
    for char in header:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    return max(counts, key=lambda d: counts[d]) if any(counts.values()) else ","


# --- rows ----------------------------------------------------------------------------------


def _row(line: int, number: int, fields: dict[str, str], size: int) -> Row | BadRow:
    """A row with its key and hash; `number` makes the key of a row without an id or url."""
    key = ""
    for name in ("id", "url"):
        if name in fields:
            key = " ".join(_INVISIBLE.sub(" ", fields[name]).split())
        if key:
            break
    # The key is what the row's article is known by from build to build: a row that keeps its id
    # is the same article (an edit re-embeds only it), an id that is gone is an article removed.
    key = key or f"row{number}"
    if len(key) > KEY_MAX_CHARS:
        return BadRow(line, Message("row_long_id", n=KEY_MAX_CHARS))
    if "text" not in fields:
        return BadRow(line, Message("row_no_text_field", names=TEXT_NAMES), key)
    digest = hashlib.sha256(json.dumps(fields, sort_keys=True, ensure_ascii=False).encode("utf-8"))
    return Row(line, key, fields, digest.hexdigest(), size)
