"""Properties that hold for any input: the reader's and the chunker's promises, checked on generated text.

QA_PROPERTY_EXAMPLES=5000 pytest tests/test_properties.py searches longer than the suite does.
"""

from __future__ import annotations

import hashlib
import os
import re
from html.parser import HTMLParser
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from qa.articles import Article, ArticleError, SourceFile, parse_article
from qa.chunking import DUTCH_ABBREVIATIONS, ChunkSettings, chunk_article, sentence_spans
from qa.markdown import _QUOTE, _SETEXT, markdown_to_text
from qa.webpages import _TextExtractor

# Enough examples to find the corner cases these properties are about, few enough to keep the suite fast.
EXAMPLES = settings(max_examples=int(os.environ.get("QA_PROPERTY_EXAMPLES", "100")), deadline=None)

# What qa/markdown.py scans for, as the regular expressions it replaced: they are exact but backtrack
# over unclosed marks, so they are only run on short texts here.
HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$", re.MULTILINE)
IMAGE = re.compile(r"!\[[^\]]*\]\([^)]*\)")
LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")
EMPHASIS = re.compile(r"(\*\*|__|\*|_)(?=\S)(.+?)(?<=\S)\1")


def markdown_by_expressions(body: str) -> tuple[str, str | None]:
    body = _QUOTE.sub("", body)
    body = _SETEXT.sub(lambda m: f"{'#' if m.group(2)[0] == '=' else '##'} {m.group(1)}", body)
    heading = HEADING.search(body)
    text = HEADING.sub(lambda m: f"\n\n{m.group(1)}\n\n", body)
    text = LINK.sub(r"\1", IMAGE.sub("", text))
    return EMPHASIS.sub(r"\2", text), heading.group(1) if heading else None


@EXAMPLES
@given(st.text(alphabet="#*_[]()!>=- \t\n\r\xa0ab", max_size=40))
def test_markdown_scan_matches_what_the_expressions_matched(body):
    assert markdown_to_text(body) == markdown_by_expressions(body)


# Text as articles hold it, and worse: words, Dutch abbreviations, numbers, quotes and brackets,
# paragraph breaks and odd whitespace, letters from other scripts, controls.
WORDS = (
    "De", "minister", "zei", "dat", "het", "Jansen", "Den Haag", "2,5", "10.000", "1.", "3.5", "a.s.",
    ".", "!", "?", "...", ",", ":", ";", "„", "”", "“", '"', "'", "(", ")", "[", "]", "-", "–",
    " ", " ", " ", "\n", "\n\n", "\n \n", "\t", "\xa0", "\u2003", "\r\n",
)  # fmt: skip
PIECES = st.one_of(
    st.sampled_from(WORDS),
    st.sampled_from(sorted(f"{a}." for a in DUTCH_ABBREVIATIONS)),
    st.text(min_size=1, max_size=3),
)
TEXTS = st.lists(PIECES, max_size=60).map("".join)


def article(text: str) -> Article:
    return Article("x.txt", "x.txt", "Titel", None, None, None, text, "0")


def check_sentences(text: str, spans: list[tuple[int, int]]) -> None:
    """Sentences lie inside the text, in order, without overlap, and hold every visible character."""
    covered = 0
    for start, end in spans:
        assert covered <= start < end <= len(text)
        assert not text[covered:start].strip(), f"lost {text[covered:start]!r}"
        covered = end
    assert not text[covered:].strip(), f"lost {text[covered:]!r}"


@EXAMPLES
@given(TEXTS, st.integers(1, 30), st.integers(0, 3))
def test_chunks_map_back_to_the_text_and_sentences_lose_nothing(text, max_words, overlap):
    chunks = chunk_article(article(text), ChunkSettings(max_words=max_words, overlap_sentences=overlap))
    check_sentences(text, sentence_spans(text))
    for chunk in chunks:
        assert text[chunk.start : chunk.end] == chunk.text
        assert all(chunk.start <= s < e <= chunk.end for s, e in chunk.sentences)
    check_sentences(text, sorted({span for c in chunks for span in c.sentences}))


@EXAMPLES
@given(TEXTS)
def test_cleaned_article_text_is_split_without_losing_anything(text):
    try:
        cleaned = parse_article(source("x.txt", text.encode("utf-8")))
    except ArticleError:
        return
    check_sentences(cleaned.text, sentence_spans(cleaned.text))


def source(name: str, data: bytes) -> SourceFile:
    return SourceFile(name, Path(name), data, hashlib.sha256(data).hexdigest())


# Beginnings that send the reader down each of its paths: front matter, a date line, a byte order
# mark, Markdown, an HTML fragment or page.
OPENINGS = st.sampled_from((
    b"", b"---\n", b"---\ntitle: ", b"---\ndate: ", b" date 2023-", b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff",
    b"# ", b"<p>", b"<html><body><p>", b"<!DOCTYPE html><h1>", b"Den Haag, 16 maart 2017 \xe2\x80\x93 ",
))  # fmt: skip


@EXAMPLES
@given(
    OPENINGS,
    st.one_of(st.binary(max_size=300), TEXTS.map(str.encode)),
    st.sampled_from(["txt", "md", "html"]),
)
def test_any_bytes_are_an_article_or_a_reason(opening, rest, suffix):
    try:
        found = parse_article(source(f"x.{suffix}", opening + rest))
    except ArticleError as e:
        assert str(e) and "\n" not in str(e)
    else:
        assert found.text and found.text == found.text.strip()
        assert "\n" not in found.title and len(found.title) <= 300


@EXAMPLES
@given(TEXTS)
def test_sentences_are_what_syntok_and_merging_whole_sentences_gave(text):
    # sentence_spans tokenises paragraph by paragraph and reads only a sentence's tail for an
    # abbreviation (both linear); syntok's analyze and reading whole sentences give the same.
    import syntok.segmenter as segmenter

    from qa.chunking import _TRAILING_TOKEN

    raw = [
        (tokens[0].offset, tokens[-1].offset + len(tokens[-1].value))
        for paragraph in segmenter.analyze(text)
        for sentence in paragraph
        if (tokens := [t for t in sentence if t.value])
    ]
    merged: list[tuple[int, int]] = []
    for start, end in raw:
        match = _TRAILING_TOKEN.search(text[merged[-1][0] : merged[-1][1]]) if merged else None
        if (
            match
            and match.group(1).lower() in DUTCH_ABBREVIATIONS
            and "\n\n" not in text[merged[-1][1] : start]
        ):
            merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    assert sentence_spans(text) == merged


HTML_PIECES = st.sampled_from((
    "<", ">", "</", "<a", "<p>", "</p>", "<h1>", "</h1>", "<title>", "</title>", "<script>", "</script>",
    "<!--", "-->", "<?", "<!", "<![CDATA[", "]]>", "<![if x]>", "<![foo[", "&amp", "&", ";", "x", " ", "\n",
    '"', "'", "=", "<br/>", '<meta name="a" content="b">',
))  # fmt: skip


class _PlainParser(_TextExtractor):
    """Our extractor as Python's own HTMLParser would end it: the reference for its faster close."""

    close = HTMLParser.close


@EXAMPLES
@given(st.lists(HTML_PIECES, max_size=30).map("".join))
def test_html_text_is_what_the_parser_finds(markup):
    ours, plain = _TextExtractor(), _PlainParser()
    ours.feed(markup)
    ours.close()
    plain.feed(markup)
    plain.close()
    assert (ours.paragraphs(), ours.headings, ours.page_title) == (
        plain.paragraphs(),
        plain.headings,
        plain.page_title,
    )
