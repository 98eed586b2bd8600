"""BM25 over chunks with Dutch analysis: lower-case, Dutch stop words, Snowball Dutch stems.

Holds the term analysis, each segment's term counts on disk, and BM25 over the stacked segments;
when segments are written and how BM25 is fused with the vectors is decided elsewhere.
"""

from __future__ import annotations

import functools
import math
import re
import zipfile
from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np
import Stemmer
from scipy import sparse

from qa import files

# Question words carry no topic, and English stop words let English questions match too.
_QUESTION_WORDS = "hoeveel welke welk wanneer waar waarom wie wat hoe waardoor waarmee".split()
STOPWORDS = (
    frozenset(bm25s.stopwords.STOPWORDS_DUTCH)
    | frozenset(bm25s.stopwords.STOPWORDS_EN)
    | frozenset(_QUESTION_WORDS)
)
# Numbers keep their separators ("2,5", "10.000"): in news they are often the answer.
_TOKEN = re.compile(r"\w+(?:[.,']\w+)*")
_K1, _B = 1.2, 0.75  # the usual BM25 defaults (Lucene's)


@functools.lru_cache(maxsize=1)
def _stemmer() -> Stemmer.Stemmer:
    return Stemmer.Stemmer("dutch")


def terms(text: str) -> list[str]:
    """The index terms of `text`: what BM25 matches on, for chunks and questions alike."""
    words = [w for w in _TOKEN.findall(text.lower()) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())]
    return _stemmer().stemWords(words)


def write_counts(path: Path, chunk_ids: np.ndarray, term_ids: Sequence[Sequence[int]], columns: int) -> None:
    """One segment's term counts: a row per chunk (its `term_ids`, a column per vocabulary term,
    repeats counted), saved as `path` (an .npz), on disk when this returns."""
    rows = np.repeat(np.arange(len(term_ids), dtype=np.int64), [len(t) for t in term_ids])
    cols = np.fromiter((j for t in term_ids for j in t), dtype=np.int64, count=len(rows))
    counts = sparse.csr_matrix(
        (np.ones(len(rows), dtype=np.float32), (rows, cols)), shape=(len(term_ids), columns), dtype=np.float32
    )  # repeated (chunk, term) pairs add up: the term's count in the chunk
    save_counts(path, chunk_ids, counts)


def save_counts(path: Path, chunk_ids: np.ndarray, counts: sparse.csr_matrix) -> None:
    with path.open("wb") as handle:
        np.savez(
            handle,
            data=counts.data,
            indices=counts.indices,
            indptr=counts.indptr,
            shape=np.asarray(counts.shape, dtype=np.int64),
            chunk_ids=np.asarray(chunk_ids, dtype=np.int64),
        )
    files.fsync(path)


def stack_counts(parts: Sequence[sparse.csr_matrix], columns: int) -> sparse.csr_matrix:
    """Segments' counts one under the other, all as wide as the vocabulary is now."""
    parts = [c if c.shape[1] == columns else _widen(c, columns) for c in parts]
    return sparse.vstack(parts, format="csr") if parts else sparse.csr_matrix((0, columns), dtype=np.float32)


def read_counts(path: Path) -> tuple[np.ndarray, sparse.csr_matrix]:
    """(chunk ids, counts) of a segment; raises ValueError when the file is not one."""
    try:
        with np.load(path, allow_pickle=False) as stored:
            shape = tuple(int(x) for x in stored["shape"])
            counts = sparse.csr_matrix((stored["data"], stored["indices"], stored["indptr"]), shape=shape)
            chunk_ids = stored["chunk_ids"]
    except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as e:
        raise ValueError(f"not readable BM25 term counts ({e.__class__.__name__}: {e})") from None
    if counts.shape[0] != len(chunk_ids):
        raise ValueError(f"{counts.shape[0]} rows of counts for {len(chunk_ids)} chunks")
    return chunk_ids, counts


class LexicalIndex:
    """BM25 (Lucene's variant, scored as bm25s scores it) over chunk ids.

    Term counts are kept per chunk in a sparse matrix and the corpus-wide statistics (idf,
    average length) are applied at question time, so the index is the segments' counts stacked,
    less the chunks removed since: a build writes the counts of what it added, nothing else.
    """

    def __init__(self, chunk_ids: np.ndarray, vocabulary: dict[str, int], counts: sparse.csc_matrix):
        self.chunk_ids = chunk_ids  # row i of `counts` is chunk chunk_ids[i]
        self._column = vocabulary  # term → its column in `counts`
        self.counts = counts  # chunks x terms; CSC, so a term's postings are one slice
        lengths = np.asarray(counts.sum(axis=1), dtype=np.float32).ravel()
        average = float(lengths.mean()) if len(lengths) else 1.0
        self._norm = _K1 * (1 - _B + _B * lengths / average)  # per chunk, the tf saturation term
        self._df = np.diff(counts.indptr)

    @classmethod
    def from_segments(
        cls,
        segments: Sequence[tuple[np.ndarray, sparse.csr_matrix]],
        removed: np.ndarray,
        vocabulary: dict[str, int],
    ) -> LexicalIndex:
        columns = max([len(vocabulary), *(c.shape[1] for _, c in segments)])
        parts = [c if c.shape[1] == columns else _widen(c, columns) for _, c in segments]
        ids = np.concatenate([i for i, _ in segments] or [np.zeros(0, np.int64)]).astype(np.int64)
        counts = (
            sparse.vstack(parts, format="csr") if parts else sparse.csr_matrix((0, columns), dtype=np.float32)
        )
        if len(removed):
            keep = ~np.isin(ids, removed)
            ids, counts = ids[keep], counts[keep]
        return cls(ids, vocabulary, counts.tocsc())

    @classmethod
    def build(cls, chunk_ids: Sequence[int], chunk_terms: Sequence[list[str]]) -> LexicalIndex:
        """From terms directly: one segment, nothing removed (for tests and benchmarks)."""
        vocabulary: dict[str, int] = {}
        term_ids = [[vocabulary.setdefault(t, len(vocabulary)) for t in chunk] for chunk in chunk_terms]
        rows = np.repeat(np.arange(len(term_ids), dtype=np.int64), [len(t) for t in term_ids])
        cols = np.fromiter((j for t in term_ids for j in t), dtype=np.int64, count=len(rows))
        counts = sparse.csr_matrix(
            (np.ones(len(rows), dtype=np.float32), (rows, cols)),
            shape=(len(term_ids), len(vocabulary)),
            dtype=np.float32,
        )
        return cls.from_segments(
            [(np.asarray(chunk_ids, dtype=np.int64), counts)], np.zeros(0, np.int64), vocabulary
        )

    def idf(self, term: str) -> float:
        """How rare a term is among the chunks (BM25's idf); unseen terms count as rarest."""
        j = self._column.get(term)
        return self._idf(0 if j is None or j >= len(self._df) else int(self._df[j]))

    def _idf(self, df: int) -> float:
        n = len(self.chunk_ids)
        return math.log(1 + (n - df + 0.5) / (df + 0.5))

    def __len__(self) -> int:
        return len(self.chunk_ids)

    def search(self, question: str, k: int, allowed: np.ndarray | None = None) -> list[tuple[int, float]]:
        """Up to k (chunk id, BM25 score) pairs with a positive score, best first; `allowed`: the
        chunk ids a filter admits."""
        width = len(self._df)
        columns = [j for t in terms(question) if (j := self._column.get(t)) is not None and j < width]
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


def _widen(counts: sparse.csr_matrix, columns: int) -> sparse.csr_matrix:
    """Counts written before the vocabulary grew: the new terms' columns are empty."""
    return sparse.csr_matrix((counts.data, counts.indices, counts.indptr), shape=(counts.shape[0], columns))
