"""Properties that hold for any input: the reader's and the chunker's promises, checked on generated text."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from qa.markdown import markdown_to_text

# Enough examples to find the corner cases these properties are about, few enough to keep the suite fast.
EXAMPLES = settings(max_examples=100, deadline=None)

# What qa/markdown.py scans for, as the regular expressions it replaced: they are exact but backtrack
# over unclosed marks, so they are only run on short texts here.
HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
EMPHASIS = re.compile(r"(\*\*|__|\*|_)(?=\S)(.+?)(?<=\S)\1")


def markdown_by_expressions(body: str) -> tuple[str, str | None]:
    heading = HEADING.search(body)
    text = HEADING.sub(lambda m: f"\n\n{m.group(1)}\n\n", body)
    text = LINK.sub(r"\1", IMAGE.sub("", text))
    return EMPHASIS.sub(r"\2", text), heading.group(1) if heading else None


@EXAMPLES
@given(st.text(alphabet="#*_[]()! \t\n\r\xa0ab", max_size=40))
def test_markdown_scan_matches_what_the_expressions_matched(body):
    assert markdown_to_text(body) == markdown_by_expressions(body)
