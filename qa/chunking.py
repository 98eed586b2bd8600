"""Article → Chunk: Dutch-aware sentence spans grouped into overlapping runs of whole sentences.

Every chunk records exact character offsets into its article's text; embedding lives elsewhere.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import syntok.segmenter as segmenter
from syntok.tokenizer import Tokenizer

from qa.articles import FIELD_MAX_CHARS, Article

# A "word" can be megabytes long (base64, a table without spaces): a piece of a sentence and a
# chunk are bounded in characters too, so no text handed to the encoder grows past what it can
# take. News stays far below it: the longest sentence of the seeds and the dev archive has 316.
CHUNK_MAX_CHARS = 4000


@dataclass(frozen=True)
class ChunkSettings:
    max_words: int = 80
    overlap_sentences: int = 1


@dataclass(frozen=True)
class Chunk:
    article_id: str
    position: int  # 0-based order within the article
    start: int  # article.text[start:end] == text
    end: int
    text: str
    # (start, end) of its sentences in the article: kept so answers need no re-splitting.
    sentences: tuple[tuple[int, int], ...] = ()


# Abbreviations that in Dutch stand before more of the same sentence (a name, a number, a
# noun). syntok ends a sentence after a capitalised one ("Dhr. Jansen"), so we glue them back.
DUTCH_ABBREVIATIONS = frozenset(
    """
    dhr mevr mw mr dr drs ir ing prof mgr ds st sr jr fam wed
    o.a bijv bv d.w.z m.a.w i.p.v t.o.v t.a.v i.v.m m.b.t n.a.v m.u.v v.w.b z.g zgn
    resp ca nr blz art lid afd gem prov min p pag vgl zie e.a e.d a.s jl vnl evt incl excl
    """.split()
)
_TRAILING_TOKEN = re.compile(r"(?:^|[\s(\"'“‘„])([^\s(\"'“‘„]+)\.$")
# How much of a sentence's end the abbreviation test reads: the longest abbreviation, its full stop
# and the character before it give the same answer as the whole sentence. Merged sentences can grow
# to a whole paragraph, and reading all of one for every merge made splitting quadratic (a 100 KB
# list of "dhr. Jansen, mevr. De Boer, …" took 6 s, 5 MB would take hours: bench/bench_split.py).
_ABBREVIATION_TAIL = max(map(len, DUTCH_ABBREVIATIONS)) + 2


def sentence_spans(text: str, progress: Callable[[int], None] | None = None) -> list[tuple[int, int]]:
    """(start, end) of each sentence in `text`; never crosses a paragraph break.

    `progress` is told how far into the text splitting has come, after every sentence.
    """
    # What segmenter.analyze(text) does, but each paragraph is tokenised from offset 0: analyze
    # puts as many spaces before a paragraph as its offset, quadratic in a text of many
    # paragraphs (5 MB in 3,750 paragraphs took 62 s). Offsets only ever enter syntok's rules as
    # differences, so the sentences are the same.
    tokenizer = Tokenizer(replace_not_contraction=False)  # as analyze makes it
    spans: list[tuple[int, int]] = []
    for offset, paragraph in segmenter.preprocess_with_offsets(text):
        for sentence in segmenter.segment(tokenizer.tokenize(paragraph)):
            tokens = [t for t in sentence if t.value]
            if tokens:
                spans.append((offset + tokens[0].offset, offset + tokens[-1].offset + len(tokens[-1].value)))
                if progress:
                    progress(spans[-1][1])
    return _merge_abbreviations(text, spans)


def _merge_abbreviations(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in spans:
        if merged and _ends_with_abbreviation(text, *merged[-1]):
            between = text[merged[-1][1] : start]
            if "\n\n" not in between:
                merged[-1] = (merged[-1][0], end)
                continue
        merged.append((start, end))
    return merged


def _ends_with_abbreviation(text: str, start: int, end: int) -> bool:
    match = _TRAILING_TOKEN.search(text[max(start, end - _ABBREVIATION_TAIL) : end])
    return bool(match) and match.group(1).lower() in DUTCH_ABBREVIATIONS


def article_sentences(chunks: list[Chunk]) -> list[tuple[int, int]]:
    """The distinct sentence spans of an article's chunks, in reading order (overlapping chunks
    share sentences)."""
    return sorted({span for chunk in chunks for span in chunk.sentences})


def checked_sentences(
    article_id: str, chunks: list[Chunk], vectors: np.ndarray, sentence_vectors: np.ndarray
) -> list[tuple[int, int]]:
    """`article_sentences(chunks)`, after checking that a writer was given a vector for each chunk
    and each of those sentences (a ValueError naming the article otherwise)."""
    sentences = article_sentences(chunks)
    if len(chunks) != len(vectors) or len(sentences) != len(sentence_vectors):
        raise ValueError(
            f"{len(chunks)} chunks and {len(sentences)} sentences but {len(vectors)} chunk and "
            f"{len(sentence_vectors)} sentence vectors for {article_id}"
        )
    return sentences


def chunk_article(
    article: Article, settings: ChunkSettings, progress: Callable[[int], None] | None = None
) -> list[Chunk]:
    """Runs of whole sentences of at most `max_words` words, overlapping by whole sentences, and
    within one page of an article that has pages (a PDF's).

    A single sentence longer than `max_words` words or CHUNK_MAX_CHARS characters is cut, between
    words where it can be: an index must never silently truncate text the encoder cannot see.
    `progress` is sentence_spans'.
    """
    units = [
        piece
        for span in sentence_spans(article.text, progress)
        for piece in _fit(article.text, span, settings.max_words)
    ]
    words = [len(article.text[s:e].split()) for s, e in units]
    # A PDF's passage is cited by its page ("p. 3"): a chunk that stays on one page gives the page
    # its answer is on. Pages are paragraphs apart, so no sentence crosses from one to the next.
    page = [bisect.bisect_right(article.pages, start) for start, _ in units]
    chunks: list[Chunk] = []
    first = 0
    while first < len(units):
        last = first
        total = words[first]
        while (
            last + 1 < len(units)
            and page[last + 1] == page[first]
            and total + words[last + 1] <= settings.max_words
            and units[last + 1][1] - units[first][0] <= CHUNK_MAX_CHARS
        ):
            last += 1
            total += words[last]
        start, end = units[first][0], units[last][1]
        sentences = tuple(units[first : last + 1])
        chunks.append(Chunk(article.id, len(chunks), start, end, article.text[start:end], sentences))
        if last + 1 >= len(units):
            break
        # Step back by the overlap, but always move forward by at least one sentence; a new page
        # starts afresh.
        if page[last + 1] != page[last]:
            first = last + 1
        else:
            first = max(first + 1, last + 1 - settings.overlap_sentences)
    return chunks


def _fit(text: str, span: tuple[int, int], max_words: int) -> list[tuple[int, int]]:
    start, end = span
    words = list(re.finditer(r"\S+", text[start:end]))
    if len(words) <= max_words:
        return _fit_characters(text, span)
    pieces = []
    for i in range(0, len(words), max_words):
        group = words[i : i + max_words]
        pieces += _fit_characters(text, (start + group[0].start(), start + group[-1].end()))
    return pieces


def _fit_characters(text: str, span: tuple[int, int]) -> list[tuple[int, int]]:
    """`span` cut into pieces of at most CHUNK_MAX_CHARS, at the last space before the limit or,
    in a word that long, at the limit; the whitespace between pieces belongs to neither."""
    start, end = span
    pieces = []
    while end - start > CHUNK_MAX_CHARS:
        limit = start + CHUNK_MAX_CHARS
        cut = max(text.rfind(space, start + 1, limit + 1) for space in " \n\t")
        if cut < 0:
            cut = limit
        piece_end = cut
        while piece_end > start + 1 and text[piece_end - 1].isspace():
            piece_end -= 1
        pieces.append((start, piece_end))
        start = cut
        while start < end - 1 and text[start].isspace():
            start += 1
    pieces.append((start, end))
    return pieces


def embedding_text(article: Article, chunk: Chunk) -> str:
    """What the encoder sees: the title gives a passage its topic; the stored text stays exact.

    At most FIELD_MAX_CHARS + 1 + CHUNK_MAX_CHARS characters, whatever the article holds.
    """
    return f"{article.title[:FIELD_MAX_CHARS]}\n{chunk.text}"
