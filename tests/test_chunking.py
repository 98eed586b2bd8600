"""Chunking: Dutch sentence boundaries, whole-sentence chunks, exact offsets."""

from __future__ import annotations

import hashlib
import itertools

import numpy as np
import pytest

from qa.articles import Article, SourceFile, parse_article
from qa.chunking import (
    ChunkSettings,
    article_sentences,
    checked_sentences,
    chunk_article,
    embedding_text,
    sentence_spans,
)
from tests.conftest import SEEDS


def sentences(text: str) -> list[str]:
    return [text[s:e] for s, e in sentence_spans(text)]


def article(text: str) -> Article:
    return Article("x.txt", "x.txt", "Titel", None, None, None, text, "0")


@pytest.mark.parametrize(
    "text",
    [
        "Dhr. Jansen zei o.a. dat het bijv. 2,5 miljoen kostte.",
        "Er kwamen ca. 10.000 mensen naar de gem. Utrecht, d.w.z. meer dan vorig jaar.",
        "Mr. De Vries en mevr. De Boer spraken met prof. Bakker t.o.v. het plan.",
        "Het aantal steeg met 3.5 procent, zie blz. 4 van het rapport.",
    ],
)
def test_dutch_abbreviations_and_numbers_do_not_split(text):
    assert sentences(text) == [text]


def test_real_boundaries_split():
    text = "Hij zei: „Dit is het.” Daarna ging hij. Is dat zo? Ja! Mr. Smit kwam ook."
    assert sentences(text) == [
        "Hij zei: „Dit is het.”",
        "Daarna ging hij.",
        "Is dat zo?",
        "Ja!",
        "Mr. Smit kwam ook.",
    ]


def test_sentences_never_cross_paragraphs():
    assert sentences("Een kop zonder punt\n\nDe tekst begint hier.") == [
        "Een kop zonder punt",
        "De tekst begint hier.",
    ]


@pytest.mark.parametrize("path", sorted(SEEDS.glob("*.txt")), ids=lambda p: p.name[:3])
@pytest.mark.parametrize(
    "settings",
    [
        ChunkSettings(),
        ChunkSettings(max_words=30, overlap_sentences=0),
        ChunkSettings(max_words=200, overlap_sentences=2),
    ],
)
def test_chunk_offsets_map_back_exactly(path, settings):
    data = path.read_bytes()
    art = parse_article(SourceFile(path.name, path, data, hashlib.sha256(data).hexdigest()))
    chunks = chunk_article(art, settings)
    assert chunks
    for position, chunk in enumerate(chunks):
        assert art.text[chunk.start : chunk.end] == chunk.text
        assert chunk.position == position and chunk.article_id == art.id
    # Every sentence is in some chunk, and chunks start and end on sentence boundaries.
    spans = sentence_spans(art.text)
    starts, ends = {s for s, _ in spans}, {e for _, e in spans}
    if all(len(art.text[s:e].split()) <= settings.max_words for s, e in spans):
        assert all(c.start in starts and c.end in ends for c in chunks)
    covered = set().union(*(range(c.start, c.end) for c in chunks))
    assert all(s in covered for s, _ in spans)


def test_chunks_respect_size_and_overlap():
    text = " ".join(f"Zin nummer {i} heeft precies zes woorden." for i in range(20))
    chunks = chunk_article(article(text), ChunkSettings(max_words=20, overlap_sentences=1))
    assert all(len(c.text.split()) <= 20 for c in chunks)
    # Neighbours share exactly one whole sentence.
    for a, b in itertools.pairwise(chunks):
        assert a.text.endswith(b.text.split(". ")[0] + ".")


def test_overlong_sentence_is_cut_not_truncated():
    text = " ".join(["woord"] * 250) + "."
    chunks = chunk_article(article(text), ChunkSettings(max_words=100, overlap_sentences=1))
    assert [len(c.text.split()) for c in chunks] == [100, 100, 50]
    assert " ".join(c.text for c in chunks) == text


def test_a_writer_checks_it_has_a_vector_for_each_chunk_and_sentence():
    art = article("Eerste zin hier. Tweede zin daar. Derde zin ook.")
    chunks = chunk_article(art, ChunkSettings(max_words=5, overlap_sentences=1))
    spans = article_sentences(chunks)
    vectors, sentence_vectors = np.zeros((len(chunks), 4)), np.zeros((len(spans), 4))
    assert checked_sentences(art.id, chunks, vectors, sentence_vectors) == spans
    with pytest.raises(ValueError, match=art.id):
        checked_sentences(art.id, chunks, vectors, sentence_vectors[1:])


def test_embedding_text_carries_title_but_chunk_stays_exact():
    art = article("De grens ging dicht.")
    (chunk,) = chunk_article(art, ChunkSettings())
    assert embedding_text(art, chunk) == "Titel\nDe grens ging dicht."
    assert chunk.text == "De grens ging dicht."
