"""Markdown bodies → plain text: headings on lines of their own, quote marks, images dropped, links and
emphasis unwrapped.

Each rule finds what a short regular expression (written below) matches, by a scan in linear time:
the expressions themselves backtrack over unclosed marks (100 KB of "*a " took 20 s, 4 KB of spaces
after "# a" 46 s). Front matter and bylines are qa/articles.py's.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass

# The rules, as the expressions this module scans for (tests/test_properties.py holds it to them):
#   heading   ^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$   (MULTILINE)  → "\n\n" + heading + "\n\n"
#   image     !\[[^\]]*\]\([^)]*\)                             → ""
#   link      \[([^\]]+)\]\([^)]*\)                            → its text
#   emphasis  (\*\*|__|\*|_)(?=\S)(.+?)(?<=\S)\1                → its text
# Two line rules run first, as expressions: each is anchored at a line's start and reads no further
# than that line and the next, so it cannot backtrack over the text.
#   quote     ^[ \t]{0,3}(?:>[ \t]?)+ (MULTILINE)             → ""   ("> Gepubliceerd op …" is a line)
#   setext    a one-line paragraph over a line of "=" or "-"   → "# " or "## " and the line, read as above
_QUOTE = re.compile(r"^[ \t]{0,3}(?:>[ \t]?)+", re.MULTILINE)
_SETEXT = re.compile(
    r"(?:\A|(?<=\n\n)|(?<=\n\r\n))[ \t]{0,3}([^\s#>=-][^\r\n]*)\r?\n[ \t]{0,3}(=+|-+)[ \t]*(?=\r?\n|\Z)"
)
_EMPHASIS_MARKS = ("**", "__", "*", "_")
_MAX_HEADING_INDENT = 3
_MAX_HEADING_LEVEL = 6


@dataclass(frozen=True)
class _Match:
    start: int
    end: int
    replacement: str


def markdown_to_text(body: str) -> tuple[str, str | None]:
    """The body as text (headings become paragraphs of their own) and its first heading, uncleaned."""
    body = _QUOTE.sub("", body)
    body = _SETEXT.sub(lambda m: f"{'#' if m.group(2)[0] == '=' else '##'} {m.group(1)}", body)
    headings = list(_headings(body))
    # Headings become paragraphs of their own so they never glue onto the next sentence.
    text = _replace(body, (_Match(h.start, h.end, f"\n\n{h.replacement}\n\n") for h in headings))
    text = _replace(text, _bracketed(text, image=True))
    text = _replace(text, _bracketed(text, image=False))
    text = _replace(text, _emphasis(text))
    return text, headings[0].replacement if headings else None


def _replace(text: str, matches: Iterator[_Match]) -> str:
    parts, last = [], 0
    for match in matches:
        parts += [text[last : match.start], match.replacement]
        last = match.end
    parts.append(text[last:])
    return "".join(parts)


def _space_run(text: str, start: int, limit: int | None = None) -> int:
    """Where the run of whitespace (line breaks included) that starts at `start` ends."""
    end, stop = start, len(text) if limit is None else min(len(text), start + limit)
    while end < stop and text[end].isspace():
        end += 1
    return end


def _headings(body: str) -> Iterator[_Match]:
    n = len(body)
    line = 0
    while line < n:
        match = _heading_at(body, line)
        if match is None:
            next_break = body.find("\n", line)
            line = n if next_break < 0 else next_break + 1
            continue
        yield match
        # A match ends before a line break, so the next one starts on the next line; unless blank
        # lines came before that break, and it starts a line itself.
        line = match.end
        if line < n and body[line - 1] != "\n":
            next_break = body.find("\n", line)
            line = n if next_break < 0 else next_break + 1


def _heading_at(body: str, line: int) -> _Match | None:
    n = len(body)
    indent = _space_run(body, line, _MAX_HEADING_INDENT + 1) - line
    hashes = line + indent
    if indent > _MAX_HEADING_INDENT or hashes >= n or body[hashes] != "#":
        return None
    after = hashes
    while after < n and body[after] == "#":
        after += 1
    if after - hashes > _MAX_HEADING_LEVEL or after >= n or not body[after].isspace():
        return None
    start = _space_run(body, after)
    if start == n:
        # Only whitespace follows: the expression backs off to take the last character that is
        # not a line break as the heading.
        rest = body[after + 1 :].rstrip("\n")
        return _Match(line, n, body[after + len(rest)]) if rest else None
    line_end = body.find("\n", start)
    line_end = n if line_end < 0 else line_end
    # The heading ends before a closing run of '#' with whitespace around it, keeping one character.
    end = line_end
    while end > start and body[end - 1].isspace():
        end -= 1
    while end > start and body[end - 1] == "#":
        end -= 1
    while end > start and body[end - 1].isspace():
        end -= 1
    end = max(end, start + 1)
    return _Match(line, _heading_end(body, end), body[start:end])


def _heading_end(body: str, after: int) -> int:
    """Where `\\s*#*\\s*$` matched after a heading ends: it takes what it can up to a line's end."""
    n = len(body)
    spaces = _space_run(body, after)
    if spaces == n:
        return n
    hashes = spaces
    while hashes < n and body[hashes] == "#":
        hashes += 1
    trailing = _space_run(body, hashes)
    if trailing == n:
        return n
    if "\n" in body[hashes:trailing]:
        return body.rindex("\n", hashes, trailing)
    return body.rindex("\n", after, spaces)


class _NextOf:
    """The first position at or after a growing offset where `char` stands: linear over all queries."""

    def __init__(self, text: str, char: str) -> None:
        self.text, self.char, self.found = text, char, -1

    def at_or_after(self, offset: int) -> int:
        if self.found != len(self.text) and self.found < offset:
            found = self.text.find(self.char, offset)
            self.found = len(self.text) if found < 0 else found
        return self.found if self.found != len(self.text) else -1


def _bracketed(text: str, image: bool) -> Iterator[_Match]:
    """Images `![alt](url)` (dropped) or links `[text](url)` (their text), as the expressions match them."""
    opener = "![" if image else "["
    closing_bracket, closing_paren = _NextOf(text, "]"), _NextOf(text, ")")
    position = 0
    while (start := text.find(opener, position)) >= 0:
        inner = start + len(opener)
        bracket = closing_bracket.at_or_after(inner)
        if bracket < 0:
            return  # no ']' after this one, nor after any later opener
        if (image or bracket > inner) and text.startswith("(", bracket + 1):
            paren = closing_paren.at_or_after(bracket + 2)
            if paren < 0:
                return
            yield _Match(start, paren + 1, "" if image else text[inner:bracket])
            position = paren + 1
        else:
            position = start + 1


def _emphasis(text: str) -> Iterator[_Match]:
    # Where each mark could close: right after a character that is not whitespace.
    closers = {
        mark: [m.start() for m in re.finditer(rf"(?<=\S)(?={re.escape(mark)})", text)]
        for mark in _EMPHASIS_MARKS
    }
    line_break = _NextOf(text, "\n")
    marks = re.compile(r"[*_]")
    position = 0
    while found := marks.search(text, position):
        start = found.start()
        position = start + 1
        for mark in _EMPHASIS_MARKS:
            inner = start + len(mark)
            if not text.startswith(mark, start) or inner >= len(text) or text[inner].isspace():
                continue
            ends = closers[mark]
            at = bisect.bisect_left(ends, inner + 1)
            line_end = line_break.at_or_after(start)  # marks are no line breaks: the same as at `inner`
            if at < len(ends) and (line_end < 0 or ends[at] < line_end):
                yield _Match(start, ends[at] + len(mark), text[inner : ends[at]])
                position = ends[at] + len(mark)
                break
