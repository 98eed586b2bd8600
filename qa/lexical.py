"""BM25 over chunks with Dutch analysis: lower-case, Dutch stop words, Snowball Dutch stems.

Holds the term analysis and the BM25 files; when it is rebuilt and fused with FAISS is decided elsewhere.
"""

from __future__ import annotations

import functools
import json
import math
import re
from collections.abc import Collection, Sequence
from pathlib import Path

import bm25s
import numpy as np
import Stemmer
from scipy import sparse

# Question words carry no topic, and English stop words let English questions match too.
_QUESTION_WORDS = "hoeveel welke welk wanneer waar waarom wie wat hoe waardoor waarmee".split()
STOPWORDS = (
    frozenset(bm25s.stopwords.STOPWORDS_DUTCH)
    | frozenset(bm25s.stopwords.STOPWORDS_EN)
    | frozenset(_QUESTION_WORDS)
)
# Numbers keep their separators ("2,5", "10.000"): in news they are often the answer.
_TOKEN = re.compile(r"\w+(?:[.,']\w+)*")
_COUNTS_FILE = "counts.npz"
_VOCABULARY_FILE = "vocabulary.json"
_K1, _B = 1.2, 0.75  # the usual BM25 defaults (Lucene's)


@functools.lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("dutch")


def terms(text: str) -> list[str]:
    """The index terms of `text`: what BM25 matches on, for chunks and questions alike."""
    words = [w for w in _TOKEN.findall(text.lower()) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]
    return _stemmer().stemWords(words)


class LexicalIndex:
    """BM25 (Lucene's variant, scored as bm25s scores it) over chunk ids.

    Term counts are kept per chunk in a sparse matrix and the corpus-wide statistics (idf,
    average length) are applied at question time, so a build drops and adds rows instead of
    re-analysing every chunk: adding one article at 100k chunks no longer rebuilds BM25 whole.
    """

    def __init__(self, chunk_ids: np.ndarray, vocabulary: list[str], counts: sparse.csc_matrix):
        self.chunk_ids = chunk_ids  # row i of `counts` is chunk chunk_ids[i]
        self.vocabulary = vocabulary  # column j of `counts` is term vocabulary[j]
        self.counts = counts  # chunks x terms; CSC, so a term's postings are one slice
        self._column = {term: j for j, term in enumerate(vocabulary)}
        lengths = np.asarray(counts.sum(axis=1), dtype=np.float32).ravel()
        average = float(lengths.mean()) if len(lengths) else 1.0
        self._norm = _K1 * (1 - _B + _B * lengths / average)  # per chunk, the tf saturation term
        self._df = np.diff(counts.indptr)

    @classmethod
    def build(cls, chunk_ids: Sequence[int], chunk_terms: Sequence[list[str]]) -> LexicalIndex:
        empty = sparse.csc_matrix((0, 0), dtype=np.float32)
        return cls(np.zeros(0, dtype=np.int64), [], empty).updated((), chunk_ids, chunk_terms)

    def updated(
        self, removed: Collection[int], chunk_ids: Sequence[int], chunk_terms: Sequence[list[str]]
    ) -> LexicalIndex:
        """This index without the `removed` chunks and with these chunks added."""
        kept = ~np.isin(self.chunk_ids, np.fromiter(removed, dtype=np.int64, count=len(removed)))
        new_row = np.cumsum(kept) - 1
        old = self.counts.tocoo()
        survives = kept[old.row]
        vocabulary = list(self.vocabulary)
        column = dict(self._column)
        rows: list[int] = []
        columns: list[int] = []
        first = int(kept.sum())
        for i, chunk in enumerate(chunk_terms):
            for term in chunk:
                j = column.get(term)
                if j is None:
                    j = column[term] = len(vocabulary)
                    vocabulary.append(term)
                rows.append(first + i)
                columns.append(j)
        # Terms no chunk holds any more keep their column (document frequency 0) until a full
        # rebuild; they cost a vocabulary entry, nothing at question time.
        counts = sparse.csc_matrix(
            (
                np.concatenate([old.data[survives], np.ones(len(rows), dtype=np.float32)]),
                (
                    np.concatenate([new_row[old.row[survives]], np.asarray(rows, dtype=np.int64)]),
                    np.concatenate([old.col[survives], np.asarray(columns, dtype=np.int64)]),
                ),
            ),
            shape=(first + len(chunk_ids), len(vocabulary)),
            dtype=np.float32,
        )  # repeated (chunk, term) pairs add up: the term's count in the chunk
        ids = np.concatenate([self.chunk_ids[kept], np.asarray(chunk_ids, dtype=np.int64)])
        return LexicalIndex(ids, vocabulary, counts)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        np.savez(
            folder / _COUNTS_FILE,
            data=self.counts.data,
            indices=self.counts.indices,
            indptr=self.counts.indptr,
            shape=np.asarray(self.counts.shape, dtype=np.int64),
            chunk_ids=self.chunk_ids,
        )
        (folder / _VOCABULARY_FILE).write_text(json.dumps(self.vocabulary, ensure_ascii=False), "utf-8")

    @classmethod
    def load(cls, folder: Path) -> LexicalIndex:
        with np.load(folder / _COUNTS_FILE, allow_pickle=False) as stored:
            counts = sparse.csc_matrix(
                (stored["data"], stored["indices"], stored["indptr"]), shape=tuple(stored["shape"])
            )
            chunk_ids = stored["chunk_ids"]
        vocabulary = json.loads((folder / _VOCABULARY_FILE).read_text("utf-8"))
        if counts.shape != (len(chunk_ids), len(vocabulary)):
            raise ValueError(f"{counts.shape} counts for {len(chunk_ids)} chunks and {len(vocabulary)} terms")
        return cls(chunk_ids, vocabulary, counts)

    def idf(self, term: str) -> float:
        """How rare a term is among the chunks (BM25's idf); unseen terms count as rarest."""
        j = self._column.get(term)
        return self._idf(0 if j is None else int(self._df[j]))

    def _idf(self, df: int) -> float:
        n = len(self.chunk_ids)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def __len__(self) -> int:
        return len(self.chunk_ids)

    def search(self, question: str, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Up to k (chunk id, BM25 score) pairs with a positive score, best first; `allowed`: the
        chunk ids a filter admits."""
        columns = [self._column[t] for t in terms(question) if t in self._column]
        if not columns or not len(self):
            return []
        scores = np.zeros(len(self), dtype=np.float32)
        indptr, indices, data = self.counts.indptr, self.counts.indices, self.counts.data
        for j in columns:  # a repeated question term counts again, as in bm25s
            rows, tf = indices[indptr[j] : indptr[j + 1]], data[indptr[j] : indptr[j + 1]]
            if len(rows):
                scores[rows] += np.float32(self._idf(int(self._df[j]))) * tf / (tf + self._norm[rows])
        if allowed is not None:
            scores = np.where(np.isin(self.chunk_ids, allowed), scores, 0.0)
        k = min(k, int(np.count_nonzero(scores > 0)))
        if k == 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(int(self.chunk_ids[i]), float(scores[i])) for i in top]
