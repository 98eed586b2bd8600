"""Hostile and careless files: each is read or skipped with its reason, none ends, hangs or leaks a build."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from qa.articles import SourceFile, parse_article
from qa.chunking import ChunkSettings, chunk_article


def source(name: str, data: bytes) -> SourceFile:
    return SourceFile(name, Path(name), data, hashlib.sha256(data).hexdigest())


def one_paragraph(unit: str, size: int) -> bytes:
    return (unit * (size // len(unit) + 1))[:size].rsplit(" ", 1)[0].encode("utf-8")


def test_a_5_mb_paragraph_of_titled_names_is_read_and_chunked():
    # Every "dhr." glues the next name on: one sentence the size of the file, which splitting used
    # to re-read for every merge (hours for 5 MB; bench/bench_split.py measures it).
    data = one_paragraph("dhr. Jansen, mevr. De Boer, prof. Bakker en dr. Smit, ", 5_000_000)
    article = parse_article(source("namen.txt", data))
    chunks = chunk_article(article, ChunkSettings())
    assert len(article.text) == len(data) and len(chunks) > 1000
    assert all(article.text[c.start : c.end] == c.text for c in chunks)
    assert chunks[0].start == 0 and chunks[-1].end == len(article.text)


@pytest.mark.parametrize(
    ("name", "content", "start"),
    [
        ("spaces.md", "# Kop" + " " * 100_000 + "zonder einde.", "Kop zonder einde."),
        ("emphasis.md", "De *minister zei _dat het 2 * 3 was. " * 30_000, "De *minister zei _dat"),
        ("links.md", "[tekst [zonder einde " * 30_000, "[tekst [zonder einde"),
        ("images.md", "![foto ![zonder einde " * 30_000, "![foto ![zonder einde"),
    ],
    ids=["heading_spaces", "unclosed_emphasis", "unclosed_links", "unclosed_images"],
)
def test_markdown_with_unclosed_marks_is_read_in_linear_time(name, content, start):
    # Each took minutes to hours with the regular expressions that backtracked over the marks.
    article = parse_article(source(name, content.encode("utf-8")))
    assert article.text.startswith(start)


@pytest.mark.parametrize(
    ("content", "start"),
    [
        ("<p>Tekst van het stuk.</p><p>" + '<a href="' * 50_000, 'Tekst van het stuk.\n\n<a href="<a href="'),
        ("<p>Tekst van het stuk.</p><p>" + "</" * 50_000, "Tekst van het stuk.\n\n</</"),
        ("<p>Tekst van het stuk.</p><p>Meer.</p><![foo[ bar", "Tekst van het stuk.\n\nMeer."),
    ],
    ids=["unclosed_tags", "unclosed_end_tags", "unknown_marked_section"],
)
def test_html_with_unclosed_tags_is_read_in_linear_time(content, start):
    # Python's HTMLParser before 3.13.4 re-read the rest for every unclosed '<' (quadratic), and
    # raised AssertionError on a marked section it did not know.
    article = parse_article(source("stuk.html", content.encode("utf-8")))
    assert article.text.startswith(start)
