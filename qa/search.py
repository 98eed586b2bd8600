"""Question → ranked passages: dense (FAISS) and BM25 candidates, fused, filtered, de-duplicated.

Holds retrieval only; choosing answer sentences from the passages is qa/answer.py's job.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
from sentence_transformers import SentenceTransformer

from qa.encoders import encode_short, load_encoder
from qa.errors import ModelMismatchError, QAError
from qa.filters import Filters, combine
from qa.store import ArticleInfo, FaissStore, StoredChunk

MODES = ("hybrid", "dense", "bm25")


@dataclass(frozen=True)
class SearchSettings:
    mode: str = "hybrid"
    candidates: int = 50  # taken from each retriever before fusion
    rrf_k: int = 60  # reciprocal rank fusion: 1 / (rrf_k + rank)
    dense_weight: float = 1.0
    lexical_weight: float = 1.0
    per_article: int = 2  # at most this many passages of one article, so evidence is distinct


@dataclass(frozen=True)
class Passage:
    rank: int
    score: float  # fused score (dense: cosine; bm25: BM25 score)
    text: str
    start: int  # the passage is article_text[start:end]
    end: int
    article: ArticleInfo
    dense_score: float | None = None  # cosine of the best chunk in it, when it was a dense hit
    highlights: tuple[tuple[int, int], ...] = ()  # supporting sentences, offsets into `text`
    chunk_ids: tuple[int, ...] = field(default=(), compare=False)
    sentences: tuple[tuple[int, int], ...] = field(default=(), compare=False)  # in the article

    def to_dict(self) -> dict:
        return {
            "rank": self.rank,
            "score": round(self.score, 6),
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "article": self.article.to_dict(),
            "highlights": [list(span) for span in self.highlights],
        }


@dataclass(frozen=True)
class Retrieval:
    passages: list[Passage]
    filters: Filters  # what was applied, including dates read from the question
    relaxed: Filters | None = None  # a question's date filter dropped because nothing matched it


class Retriever:
    """An opened index and the encoder it was built with; share one per process."""

    def __init__(self, store: FaissStore, encoder: SentenceTransformer):
        self.store = store
        self.encoder = encoder

    @classmethod
    def open(cls, index: Path, model: str | None = None) -> Retriever:
        store = FaissStore.open(index)
        built_with = store.manifest.settings.model
        if model and model != built_with:
            store.close()
            raise ModelMismatchError(
                f"{index}/ was built with {built_with}, not {model}; "
                f"run `qa build --model {model}` to rebuild it, or drop --model"
            )
        return cls(store, load_encoder(built_with))

    def close(self) -> None:
        self.store.close()

    def retrieve(
        self,
        question: str,
        k: int = 5,
        filters: Filters | None = None,
        settings: SearchSettings | None = None,
        auto_filter: bool = True,
        query_vector: np.ndarray | None = None,
    ) -> Retrieval:
        """Search with the given filters plus any date range the question names.

        A date read from the question is a guess about intent: when no article matches it,
        it is dropped (and reported) rather than answering from nothing.
        """
        given = filters or Filters()
        applied = combine(given, question, auto_filter)
        passages = self.search(question, k, applied, settings, query_vector)
        if passages or applied == given:
            return Retrieval(passages, applied)
        return Retrieval(self.search(question, k, given, settings, query_vector), given, relaxed=applied)

    def encode_question(self, question: str) -> np.ndarray:
        return encode_short(self.encoder, [question], "query")

    def search(
        self,
        question: str,
        k: int = 5,
        filters: Filters | None = None,
        settings: SearchSettings | None = None,
        query_vector: np.ndarray | None = None,
    ) -> list[Passage]:
        question = question.strip()
        if not question:
            raise QAError('the question is empty; ask something, e.g. qa ask "Wie is Sheinbaum?"')
        if k < 1:
            raise QAError(f"k must be at least 1, got {k}")
        settings = settings or SearchSettings()
        if settings.mode not in MODES:
            raise QAError(f"search mode must be one of {', '.join(MODES)}, got {settings.mode!r}")
        allowed = self.store.chunk_ids_where(filters.admits) if filters and filters.active else None
        if allowed is not None and not len(allowed):
            return []

        dense: list[tuple[int, float]] = []
        lexical: list[tuple[int, float]] = []
        if settings.mode in ("hybrid", "dense"):
            vector = self.encode_question(question) if query_vector is None else query_vector
            (dense,) = self.store.search(vector, settings.candidates, allowed)
        if settings.mode in ("hybrid", "bm25"):
            lexical = self.store.lexical_search(question, settings.candidates, allowed)

        fused = _fuse(dense, lexical, settings) if settings.mode == "hybrid" else dense or lexical
        cosine = dict(dense)
        chunks = self.store.chunks([chunk_id for chunk_id, _ in fused])
        ranked = [(chunks[c], score, cosine.get(c)) for c, score in fused if c in chunks]
        return self._passages(ranked, k, settings.per_article)

    def _passages(
        self, ranked: list[tuple[StoredChunk, float, float | None]], k: int, per_article: int
    ) -> list[Passage]:
        """Walk the fused ranking; a chunk overlapping or next to a chosen passage grows it."""
        limit = _CHARS_PER_WORD * 4 * self.store.manifest.settings.chunking.max_words
        chosen: list[Passage] = []
        for chunk, score, cosine in ranked:
            same = [i for i, p in enumerate(chosen) if p.article.id == chunk.article.id]
            touching = [i for i in same if _touches(chosen[i], chunk)]
            if touching:
                # Its text is (mostly) shown already. It may bridge two passages: then they
                # become one, as long as the result stays a readable size.
                start = min(chunk.start, *(chosen[i].start for i in touching))
                end = max(chunk.end, *(chosen[i].end for i in touching))
                if end - start <= limit:
                    merged = chosen[touching[0]]
                    for i in touching[1:]:
                        merged = _join(merged, chosen[i])
                    chosen[touching[0]] = _grow(merged, chunk, cosine)
                    chosen = [p for i, p in enumerate(chosen) if i not in touching[1:]]
            elif len(chosen) == k:
                break
            elif len(same) < per_article:
                chosen.append(
                    Passage(
                        0,
                        score,
                        chunk.text,
                        chunk.start,
                        chunk.end,
                        chunk.article,
                        cosine,
                        (),
                        (chunk.id,),
                        chunk.sentences,
                    )
                )
        return [replace(p, rank=rank, text=self._text(p)) for rank, p in enumerate(chosen, start=1)]

    def _text(self, passage: Passage) -> str:
        if len(passage.chunk_ids) == 1:
            return passage.text
        return self.store.article_text(passage.article.id)[passage.start : passage.end]


# Neighbouring chunks without overlap are separated only by the space or blank line between
# two sentences, which cleaning has normalised to at most two characters.
_ADJACENT_GAP = 2
# A merged passage stays within about four chunks (Dutch news averages under 7 characters a
# word): long enough to keep an answer with its context (measured on the dev set, EVAL.md),
# short enough to read, with the supporting sentences highlighted.
_CHARS_PER_WORD = 7


def _touches(passage: Passage, chunk: StoredChunk) -> bool:
    return chunk.start <= passage.end + _ADJACENT_GAP and chunk.end >= passage.start - _ADJACENT_GAP


def _join(first: Passage, second: Passage) -> Passage:
    """Two passages of one article that a chunk bridges; the better-ranked one's score stays."""
    return replace(
        first,
        start=min(first.start, second.start),
        end=max(first.end, second.end),
        dense_score=max((c for c in (first.dense_score, second.dense_score) if c is not None), default=None),
        chunk_ids=(*first.chunk_ids, *second.chunk_ids),
        sentences=tuple(sorted({*first.sentences, *second.sentences})),
    )


def _grow(passage: Passage, chunk: StoredChunk, cosine: float | None) -> Passage:
    best = max((c for c in (passage.dense_score, cosine) if c is not None), default=None)
    return replace(
        passage,
        start=min(passage.start, chunk.start),
        end=max(passage.end, chunk.end),
        dense_score=best,
        chunk_ids=(*passage.chunk_ids, chunk.id),
        sentences=tuple(sorted({*passage.sentences, *chunk.sentences})),
    )


def _fuse(
    dense: list[tuple[int, float]], lexical: list[tuple[int, float]], settings: SearchSettings
) -> list[tuple[int, float]]:
    """Reciprocal rank fusion: robust to the two scores living on unrelated scales."""
    fused: dict[int, float] = {}
    for weight, hits in ((settings.dense_weight, dense), (settings.lexical_weight, lexical)):
        for rank, (chunk_id, _) in enumerate(hits, start=1):
            fused[chunk_id] = fused.get(chunk_id, 0.0) + weight / (settings.rrf_k + rank)
    return sorted(fused.items(), key=lambda item: -item[1])
