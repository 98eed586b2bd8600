"""Question → ranked passages from the index, with the article each comes from.

Holds retrieval only; turning passages into an answer is a separate step.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sentence_transformers import SentenceTransformer

from qa.encoders import load_encoder
from qa.errors import ModelMismatchError, QAError
from qa.store import ArticleInfo, FaissStore


@dataclass(frozen=True)
class Passage:
    rank: int
    score: float
    text: str
    start: int  # the passage is article_text[start:end]
    end: int
    article: ArticleInfo

    def to_dict(self) -> dict:
        return {
            "rank": self.rank,
            "score": round(self.score, 6),
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "article": self.article.to_dict(),
        }


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

    def search(self, question: str, k: int = 5) -> list[Passage]:
        question = question.strip()
        if not question:
            raise QAError('the question is empty; ask something, e.g. qa ask "Wie is Sheinbaum?"')
        if k < 1:
            raise QAError(f"k must be at least 1, got {k}")
        vector = self.encoder.encode_query(
            [question], normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False
        )
        (hits,) = self.store.search(vector, k)
        chunks = self.store.chunks([chunk_id for chunk_id, _ in hits])
        return [
            Passage(rank, score, c.text, c.start, c.end, c.article)
            for rank, (chunk_id, score) in enumerate(hits, start=1)
            if (c := chunks.get(chunk_id))
        ]
