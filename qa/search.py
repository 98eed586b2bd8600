"""Question → ranked passages: dense (FAISS) and BM25 candidates, fused, filtered, de-duplicated.

Holds retrieval only; choosing answer sentences from the passages is qa/answer.py's job.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

from qa.backends import Index, open_index
from qa.chunking import sentence_spans
from qa.chunkstore import ArticleInfo, SentenceKey, StoredChunk
from qa.encoders import QueryEncoder, load_query_encoder, model_of_index
from qa.errors import ModelMismatchError, QAError
from qa.filters import Filters
from qa.location import MilvusStore
from qa.question import Period, Question, read_question, years_spoken_of

MODES = ("hybrid", "dense", "bm25")
# A candidate chunk: its fused score, cosine (when a dense hit), relevance to the question's period.
_Ranked = tuple[StoredChunk, float, float | None, float | None]


@dataclass(frozen=True)
class SearchSettings:
    mode: str = "hybrid"
    candidates: int = 50  # taken from each retriever before fusion
    rrf_k: int = 60  # reciprocal rank fusion: 1 / (rrf_k + rank)
    dense_weight: float = 1.0
    lexical_weight: float = 1.0
    per_article: int = 2  # at most this many passages of one article, so evidence is distinct
    # A period the question names ("in 2021"): the articles published in it or just after it are
    # searched apart as well, their lists fused with this weight, and each candidate gains
    # period_weight times its relevance to the period (qa/question.py). Chosen on the dev
    # archive's date-pinned questions (EVAL.md).
    window_weight: float = 0.5
    period_weight: float = 0.005
    # BM25's weight for an English question: it can match only the question's names and numbers
    # (lexical_text), so at full weight any passage naming the person outranks the one that
    # answers. Chosen on the dev archive's English questions (EVAL.md).
    english_lexical_weight: float = 0.0


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
    # How surely it speaks of the period the question names (qa/question.py); None: no period.
    period_relevance: float | None = None
    # The same for its article as a whole (its lead's years, its date), for a sentence of it that
    # names no year itself.
    article_relevance: float | None = None

    @property
    def pages(self) -> tuple[int, int] | None:
        """The pages (from 1) of a PDF on which the passage begins and ends; None for other articles."""
        return self.article.page_span(self.start, self.end)

    def to_dict(self) -> dict:
        return {
            "rank": self.rank,
            "score": round(self.score, 6),
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "pages": list(self.pages) if self.pages else None,
            "article": self.article.to_dict(),
            "highlights": [list(span) for span in self.highlights],
            "period_relevance": self.period_relevance,
        }


@dataclass(frozen=True)
class Retrieval:
    passages: list[Passage]
    filters: Filters  # what the user restricted the search to
    period: Period | None = None  # the question's period, used for ranking


class Retriever:
    """The one door to an index: an opened generation and the encoder it was built with. Asking,
    the CLI and the app read the archive through it only; share one per process."""

    def __init__(self, index: Index, encoder: QueryEncoder):
        self._index = index
        self.encoder = encoder
        self._leads: dict[str, frozenset[int]] = {}  # article id → years its lead speaks of

    @classmethod
    def open(cls, index: Path | str | MilvusStore, model: str | None = None) -> Retriever:
        """The index `index` names: a folder, or a Milvus store (qa/backends.py)."""
        opened = open_index(index)
        built_with = opened.settings.model
        if model and model != built_with:
            opened.close()
            raise ModelMismatchError(
                "error_model_mismatch", where=opened.where, built=built_with, model=model
            )
        try:
            encoder = load_query_encoder(model_of_index(built_with, model, opened.where))
        except QAError:
            opened.close()
            raise
        return cls(opened, encoder)

    def close(self) -> None:
        self._index.close()

    @property
    def generation(self) -> int:
        """Which committed generation of the index this reads."""
        return self._index.generation

    def outdated(self) -> bool:
        """Has a build committed another generation (or removed the index) since this opened?"""
        return self._index.committed_generation() != self.generation

    @property
    def model(self) -> str:
        return self._index.settings.model

    def stats(self) -> dict:
        return self._index.stats()

    def check(self) -> None:
        """A full consistency check of the index files (slow on a large index)."""
        self._index.check()

    def article_text(self, article_id: str) -> str:
        return self._index.article_text(article_id)

    def articles(self) -> list[ArticleInfo]:
        return self._index.articles()

    def articles_with_text(self, text_hash: str) -> list[str]:
        """The ids of the indexed articles whose cleaned text has this qa.articles.text_hash."""
        return self._index.articles_with_text(text_hash)

    def sentence_vectors(self, keys: list[SentenceKey]) -> dict[SentenceKey, np.ndarray]:
        return self._index.sentence_vectors(keys)

    def idf(self, term: str) -> float:
        return self._index.idf(term)

    def chunks(self, ids: list[int]) -> dict[int, StoredChunk]:
        return self._index.chunks(ids)

    def retrieve(
        self,
        question: Question | str,
        k: int = 5,
        filters: Filters | None = None,
        settings: SearchSettings | None = None,
        query_vector: np.ndarray | None = None,
    ) -> Retrieval:
        """The best passages for `question` within the user's `filters`.

        A period the question names is a ranking signal, never a filter: "Hoeveel asielaanvragen
        waren er in 2021?" is answered by the annual figures published in January 2022.
        """
        question = read_question(question) if isinstance(question, str) else question
        filters = filters or Filters()
        passages = self.search(question, k, filters, settings, query_vector)
        return Retrieval(passages, filters, question.period)

    def encode_question(self, question: str) -> np.ndarray:
        return self.encoder.encode_query([question])

    def search(
        self,
        question: Question | str,
        k: int = 5,
        filters: Filters | None = None,
        settings: SearchSettings | None = None,
        query_vector: np.ndarray | None = None,
    ) -> list[Passage]:
        question = read_question(question) if isinstance(question, str) else question
        if not question.text:
            raise QAError("error_empty_question")
        if k < 1:
            raise QAError("error_k", k=k)
        settings = settings or SearchSettings()
        if settings.mode not in MODES:
            raise QAError("error_search_mode", modes=", ".join(MODES), mode=repr(settings.mode))
        filters = filters or Filters()
        vector = None
        if settings.mode in ("hybrid", "dense"):
            vector = self.encode_question(question.text) if query_vector is None else query_vector

        if question.language != "nl":
            settings = replace(settings, lexical_weight=settings.english_lexical_weight)
        lists = self._ranked_lists(question.lexical, vector, filters, settings)
        period = question.period
        window = filters.narrowed_to(period) if period is not None and settings.period_weight else None
        if window is not None:
            # The articles published in the period or just after it are searched on their own
            # as well, so that they are candidates even where a large archive buries them.
            apart = self._ranked_lists(question.lexical, vector, window, settings)
            lists += [(settings.window_weight * weight, hits) for weight, hits in apart]

        fused = _fuse(lists, settings.rrf_k)
        cosine: dict[int, float] = {}
        for _, hits in lists[:1] if settings.mode != "bm25" else []:
            cosine.update(hits)
        chunks = self._index.chunks([chunk_id for chunk_id, _ in fused])
        ranked = [(chunks[c], score, cosine.get(c)) for c, score in fused if c in chunks]
        if period is None:
            return self._passages(
                [(chunk, score, cos, None) for chunk, score, cos in ranked], k, settings, None
            )
        # Only a chunk within period_weight of the best few can end up among the passages; the
        # rest keep their place unweighed (relevance is a regex pass over each chunk's text).
        reach = (
            ranked[min(len(ranked), _WEIGHED_PER_PASSAGE * k) - 1][1] - settings.period_weight
            if ranked
            else 0
        )
        relevant = [
            (chunk, score, cos, self._period_relevance(period, chunk) if score >= reach else 0.0)
            for chunk, score, cos in ranked
        ]
        if settings.period_weight:
            relevant.sort(key=lambda item: -(item[1] + settings.period_weight * item[3]))
        return self._passages(relevant, k, settings, period)

    def _ranked_lists(
        self, lexical: str, vector: np.ndarray | None, filters: Filters, settings: SearchSettings
    ) -> list[tuple[float, list[tuple[int, float]]]]:
        """(weight, hits best first) of each retriever the mode uses; dense first. The filters go
        to the index, which applies them inside its search, so a narrow filter still gets hits."""
        lists = []
        if settings.mode in ("hybrid", "dense"):
            assert vector is not None
            dense = self._index.search(vector, settings.candidates, filters)
            lists.append((settings.dense_weight, dense))
        if (
            settings.mode in ("hybrid", "bm25")
            and lexical
            and (settings.lexical_weight or settings.mode == "bm25")
        ):
            lists.append(
                (settings.lexical_weight, self._index.lexical_search(lexical, settings.candidates, filters))
            )
        return lists

    def _period_relevance(self, period: Period, chunk: StoredChunk) -> float:
        return period.relevance(chunk.text, chunk.article.date, self._lead_years(chunk.article))

    def _article_relevance(self, period: Period | None, article: ArticleInfo) -> float | None:
        return None if period is None else period.relevance("", article.date, self._lead_years(article))

    def _lead_years(self, article: ArticleInfo) -> frozenset[int]:
        """The years an article's title and first two sentences speak of: what it reports on."""
        years = self._leads.get(article.id)
        if years is None:
            text = self._index.article_text(article.id)[:_LEAD_CHARS]
            # Two sentence ends are enough to cut at: no full segmentation for a lead.
            lead = "".join(_SENTENCE_END.split(text, maxsplit=2)[:2])
            years = self._leads[article.id] = years_spoken_of(f"{article.title}\n{lead}", article.date)
        return years

    def _passages(
        self, ranked: list[_Ranked], k: int, settings: SearchSettings, period: Period | None
    ) -> list[Passage]:
        """Walk the ranking; a chunk overlapping or next to a chosen passage grows it, or adds the
        sentences it holds beyond it."""
        limit = _CHARS_PER_WORD * 4 * self._index.settings.chunking.max_words
        chosen: list[Passage] = []
        for position, (chunk, score, cosine, relevance) in enumerate(ranked):
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
                    chosen[touching[0]] = _grow(merged, chunk, cosine, relevance)
                    chosen = [p for i, p in enumerate(chosen) if i not in touching[1:]]
                    continue
                # Too long to show as one passage: the sentences of it that no passage shows yet
                # still count. They join a passage they touch where it stays a readable size,
                # else stand as a passage of their own.
                part = _unshown(chunk, [chosen[i] for i in touching])
                if part is None:
                    continue
                joins = [i for i in touching if _touches(chosen[i], part) and _span(chosen[i], part) <= limit]
                if joins:
                    chosen[joins[0]] = _grow(chosen[joins[0]], part, cosine, relevance)
                elif len(chosen) < k and len(same) < settings.per_article:
                    chosen.append(_passage(part, score, cosine, relevance))
            elif len(chosen) == k:
                break
            elif len(same) >= settings.per_article:
                # The article has its passages already, yet its weaker chunks may have taken them
                # first: a chunk ranked among the first k extends the one it lies near (the two
                # within a readable size, no other passage between), with the sentences between.
                near = [
                    i
                    for i in same
                    if position < k
                    and _span(chosen[i], chunk) <= limit
                    and not any(_between(chosen[j], chosen[i], chunk) for j in same if j != i)
                ]
                if near:
                    chosen[near[0]] = self._bridge(chosen[near[0]], chunk, cosine, relevance)
            else:
                chosen.append(_passage(chunk, score, cosine, relevance))
        return [
            replace(
                p, rank=rank, text=self._text(p), article_relevance=self._article_relevance(period, p.article)
            )
            for rank, p in enumerate(chosen, start=1)
        ]

    def _bridge(
        self, passage: Passage, chunk: StoredChunk, cosine: float | None, relevance: float | None
    ) -> Passage:
        """`passage` grown to take in `chunk`, a little way off in its article, and the sentences
        between the two."""
        start, end = min(passage.end, chunk.end), max(passage.start, chunk.start)
        between = self._index.article_text(chunk.article.id)[start:end]
        spans = tuple((start + a, start + b) for a, b in sentence_spans(between))
        grown = _grow(passage, chunk, cosine, relevance)
        return replace(grown, sentences=tuple(sorted({*grown.sentences, *spans})))

    def _text(self, passage: Passage) -> str:
        if len(passage.chunk_ids) == 1:
            return passage.text
        return self._index.article_text(passage.article.id)[passage.start : passage.end]


# Neighbouring chunks without overlap are separated only by the space or blank line between
# two sentences, which cleaning has normalised to at most two characters.
_ADJACENT_GAP = 2
# A merged passage stays within about four chunks (Dutch news averages under 7 characters a
# word): long enough to keep an answer with its context (measured on the dev set, EVAL.md),
# short enough to read, with the supporting sentences highlighted.
_CHARS_PER_WORD = 7
# Enough of an article's start to hold its title's follow-up and first two sentences.
_LEAD_CHARS = 800
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“'‘])|\n\n")
# Candidates weighed for the period per passage asked for (merging draws on more than k chunks).
_WEIGHED_PER_PASSAGE = 4


def _touches(passage: Passage, chunk: StoredChunk) -> bool:
    return chunk.start <= passage.end + _ADJACENT_GAP and chunk.end >= passage.start - _ADJACENT_GAP


def _passage(chunk: StoredChunk, score: float, cosine: float | None, relevance: float | None) -> Passage:
    return Passage(
        rank=0,
        score=score,
        text=chunk.text,
        start=chunk.start,
        end=chunk.end,
        article=chunk.article,
        dense_score=cosine,
        chunk_ids=(chunk.id,),
        sentences=chunk.sentences,
        period_relevance=relevance,
    )


def _unshown(chunk: StoredChunk, shown: list[Passage]) -> StoredChunk | None:
    """The run of `chunk`'s sentences that none of the `shown` passages holds; None when all are."""
    rest = [s for s in chunk.sentences if not any(p.start <= s[0] and s[1] <= p.end for p in shown)]
    if not rest:
        return None
    start, end = rest[0][0], rest[-1][1]
    return replace(
        chunk,
        start=start,
        end=end,
        text=chunk.text[start - chunk.start : end - chunk.start],
        sentences=tuple(s for s in chunk.sentences if start <= s[0] and s[1] <= end),
    )


def _span(passage: Passage, chunk: StoredChunk) -> int:
    """How long a passage taking in `chunk` would be."""
    return max(passage.end, chunk.end) - min(passage.start, chunk.start)


def _between(other: Passage, passage: Passage, chunk: StoredChunk) -> bool:
    """Does `other` lie within the span of `passage` grown to take in `chunk`?"""
    return min(passage.start, chunk.start) < other.end and other.start < max(passage.end, chunk.end)


def _best(*values: float | None) -> float | None:
    return max((v for v in values if v is not None), default=None)


def _join(first: Passage, second: Passage) -> Passage:
    """Two passages of one article that a chunk bridges; the better-ranked one's score stays."""
    return replace(
        first,
        start=min(first.start, second.start),
        end=max(first.end, second.end),
        dense_score=_best(first.dense_score, second.dense_score),
        chunk_ids=(*first.chunk_ids, *second.chunk_ids),
        sentences=tuple(sorted({*first.sentences, *second.sentences})),
        period_relevance=_best(first.period_relevance, second.period_relevance),
    )


def _grow(passage: Passage, chunk: StoredChunk, cosine: float | None, relevance: float | None) -> Passage:
    return replace(
        passage,
        start=min(passage.start, chunk.start),
        end=max(passage.end, chunk.end),
        dense_score=_best(passage.dense_score, cosine),
        chunk_ids=(*passage.chunk_ids, chunk.id),
        sentences=tuple(sorted({*passage.sentences, *chunk.sentences})),
        period_relevance=_best(passage.period_relevance, relevance),
    )


def _fuse(lists: list[tuple[float, list[tuple[int, float]]]], rrf_k: int) -> list[tuple[int, float]]:
    """Reciprocal rank fusion: robust to the scores living on unrelated scales."""
    fused: dict[int, float] = {}
    for weight, hits in lists:
        for rank, (chunk_id, _) in enumerate(hits, start=1):
            fused[chunk_id] = fused.get(chunk_id, 0.0) + weight / (rrf_k + rank)
    return sorted(fused.items(), key=lambda item: -item[1])
