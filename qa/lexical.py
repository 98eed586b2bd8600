"""BM25 over chunks with Dutch analysis: lower-case, Dutch stop words, Snowball Dutch stems.

Holds the term analysis and the BM25 files; when it is rebuilt and fused with FAISS is decided elsewhere.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np
import Stemmer

# Question words carry no topic, and English stop words let English questions match too.
_QUESTION_WORDS = "hoeveel welke welk wanneer waar waarom wie wat hoe waardoor waarmee".split()
STOPWORDS = (
    frozenset(bm25s.stopwords.STOPWORDS_DUTCH)
    | frozenset(bm25s.stopwords.STOPWORDS_EN)
    | frozenset(_QUESTION_WORDS)
)
# Numbers keep their separators ("2,5", "10.000"): in news they are often the answer.
_TOKEN = re.compile(r"\w+(?:[.,']\w+)*")
_IDS_FILE = "chunk_ids.npy"
_DF_FILE = "document_frequencies.json"


@functools.lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("dutch")


def terms(text: str) -> list[str]:
    """The index terms of `text`: what BM25 matches on, for chunks and questions alike."""
    words = [w for w in _TOKEN.findall(text.lower()) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]
    return _stemmer().stemWords(words)


class LexicalIndex:
    """BM25 (Lucene variant) over chunk ids; rebuilt as a whole, since its statistics are global."""

    def __init__(self, bm25: bm25s.BM25, chunk_ids: np.ndarray, document_frequencies: dict[str, int]):
        self.bm25 = bm25
        self.chunk_ids = chunk_ids
        self.document_frequencies = document_frequencies

    @classmethod
    def build(cls, chunk_ids: Sequence[int], chunk_terms: Sequence[list[str]]) -> LexicalIndex:
        bm25 = bm25s.BM25(k1=1.2, b=0.75, method="lucene")
        if chunk_ids:
            bm25.index(list(chunk_terms), show_progress=False)
        frequencies = Counter(term for chunk in chunk_terms for term in set(chunk))
        return cls(bm25, np.asarray(chunk_ids, dtype=np.int64), dict(frequencies))

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        if len(self.chunk_ids):
            self.bm25.save(str(folder), show_progress=False)
        np.save(folder / _IDS_FILE, self.chunk_ids, allow_pickle=False)
        (folder / _DF_FILE).write_text(json.dumps(self.document_frequencies, ensure_ascii=False), "utf-8")

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        chunk_ids = np.load(folder / _IDS_FILE, allow_pickle=False)
        frequencies = json.loads((folder / _DF_FILE).read_text("utf-8"))
        if not len(chunk_ids):
            return cls(bm25s.BM25(), chunk_ids, frequencies)
        bm25 = bm25s.BM25.load(str(folder), mmap=False, show_progress=False, verbosity=0)
        return cls(bm25, chunk_ids, frequencies)

    def idf(self, term: str) -> float:
        """How rare a term is among the chunks (BM25's idf); unseen terms count as rarest."""
        n = len(self.chunk_ids)
        df = self.document_frequencies.get(term, 0)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def __len__(self) -> int:
        return len(self.chunk_ids)

    def search(self, question: str, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Up to k (chunk id, BM25 score) pairs with a positive score, best first; `allowed`: the
        chunk ids a filter admits."""
        query = [t for t in terms(question) if t in self.bm25.vocab_dict] if len(self) else []
        if not query:
            return []
        scores = self.bm25.get_scores(query)
        if allowed is not None:
            scores = np.where(np.isin(self.chunk_ids, allowed), scores, 0.0)
        k = min(k, int(np.count_nonzero(scores > 0)))
        if k == 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(self.chunk_ids[i]), float(scores[i])) for i in top]
