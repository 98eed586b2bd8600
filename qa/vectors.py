"""Chunk vectors in FAISS: segment files a build writes once, searched together as one index.

The only module that imports faiss. Which chunks a segment holds and which of them were removed
since is the chunk store's to say (qa/chunkstore.py); when segments merge is qa/store.py's.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import faiss
import numpy as np

from qa import files

# A segment of more chunks than this is searched approximately (IVF): an exact fp16 scan reads
# every vector per search, 6 ms at 200k chunks and 41 ms at a million on this project's 2-core
# machine, and a question searches twice when it names a period; IVF takes 1.0 and 2.6 ms there
# (bench/bench_vectors.py, BENCHMARKS.md). Below it the exact scan costs little and needs no
# training (2 minutes at a million).
IVF_ABOVE = 200_000
# Inverted lists: about 4·√n, a power of two, and no more than one per 39 vectors (below that
# k-means has too few points a centroid); the trainer gets 64 points a list at most.
_POINTS_PER_LIST = 64
_MIN_POINTS_PER_LIST = 39
# Lists searched per question: the smallest of those measured that keeps Recall@10 ≥ 0.98
# against the exact scan at every size from 50k to a million chunks (0.981–0.988 with 1,024 to
# 4,096 lists; 128 gives 0.97: bench/bench_vectors.py, BENCHMARKS.md).
NPROBE = 256
_TRAIN_SEED = 7


@dataclass(frozen=True)
class Hit:
    chunk_id: int
    score: float  # inner product of unit vectors: cosine


def write_segment(path: Path, ids: np.ndarray, vectors: np.ndarray, kind: str) -> None:
    """Write `vectors` (unit rows, one per chunk id) as a segment file of `kind`, on disk when this
    returns (fsynced)."""
    dimension = vectors.shape[1]
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    ids = np.ascontiguousarray(ids, dtype=np.int64)
    if kind == "ivf":
        index = _ivf(dimension, vectors)
        index.add_with_ids(vectors, ids)
    else:
        # Half-precision codes halve the memory an exact scan reads (10 ms instead of 20 at
        # 100k x 512 on 2 cores) and keep cosines within about 1e-3.
        flat = faiss.IndexScalarQuantizer(
            dimension, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT
        )
        index = faiss.IndexIDMap2(flat)
        if len(ids):
            index.add_with_ids(vectors, ids)
    faiss.write_index(index, str(path))
    files.fsync(path)


def _ivf(dimension: int, vectors: np.ndarray) -> faiss.Index:
    index = _untrained_ivf(dimension, len(vectors))
    sample = vectors
    wanted = index.nlist * _POINTS_PER_LIST
    if len(vectors) > wanted:
        rng = np.random.default_rng(_TRAIN_SEED)
        sample = vectors[np.sort(rng.choice(len(vectors), wanted, replace=False))]
    index.train(sample)
    return index


def _untrained_ivf(dimension: int, n: int) -> faiss.IndexIVFScalarQuantizer:
    lists = min(1 << round(np.log2(4 * np.sqrt(max(n, 1)))), max(1, n // _MIN_POINTS_PER_LIST))
    quantizer = faiss.IndexFlatIP(dimension)
    index = faiss.IndexIVFScalarQuantizer(
        quantizer, dimension, lists, faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT
    )
    return index


Parts = Callable[[], Iterator[tuple[np.ndarray, np.ndarray]]]


def write_merged_segment(path: Path, parts: Parts, total: int, dimension: int, kind: str) -> None:
    """Write one segment of `kind` from `parts()`: (chunk ids, unit vectors) one source segment at
    a time, `total` rows in all. Memory holds the new segment's codes and one source's float32
    vectors, never every vector of a merge (2 GB at a million chunks, plus a copy to train on).
    An IVF segment calls `parts` twice: to draw its training sample (the same share of each
    source), then to add."""
    if kind == "ivf" and total:
        index = _untrained_ivf(dimension, total)
        share = min(1.0, index.nlist * _POINTS_PER_LIST / total)
        rng = np.random.default_rng(_TRAIN_SEED)
        sample = [
            vectors[np.sort(rng.choice(len(vectors), round(share * len(vectors)), replace=False))]
            for _, vectors in parts()
            if len(vectors)
        ]
        index.train(np.ascontiguousarray(np.concatenate(sample), dtype=np.float32))
        del sample
    else:
        flat = faiss.IndexScalarQuantizer(
            dimension, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT
        )
        index = faiss.IndexIDMap2(flat)
    for ids, vectors in parts():
        if len(ids):
            index.add_with_ids(
                np.ascontiguousarray(vectors, dtype=np.float32), np.ascontiguousarray(ids, dtype=np.int64)
            )
    faiss.write_index(index, str(path))
    files.fsync(path)


def read_segment(path: Path) -> faiss.Index:
    """Raises ValueError when the file is not a FAISS index of ours."""
    try:
        index = faiss.read_index(str(path))
    except RuntimeError as e:
        raise ValueError(f"not a readable FAISS index ({str(e).splitlines()[0][:80]})") from None
    if not isinstance(index, faiss.IndexIDMap2 | faiss.IndexIVF):
        raise ValueError("a FAISS index without chunk ids")
    return index


def segment_contents(index: faiss.Index) -> tuple[np.ndarray, np.ndarray]:
    """(chunk ids, vectors) a segment holds, for merging segments; vectors as float32 rows."""
    if isinstance(index, faiss.IndexIDMap2):
        ids = faiss.vector_to_array(index.id_map).astype(np.int64)
        inner = faiss.downcast_index(index.index)
        vectors = inner.reconstruct_n(0, inner.ntotal) if inner.ntotal else np.zeros((0, index.d), np.float32)
        return ids, vectors
    ivf = faiss.extract_index_ivf(index)
    ids = _ivf_ids(ivf)
    # Chunk ids are not 0..n-1: a hash table maps them to their codes (the array kind refuses).
    ivf.set_direct_map_type(faiss.DirectMap.Hashtable)
    vectors = ivf.reconstruct_batch(ids) if len(ids) else np.zeros((0, index.d), np.float32)
    return ids, vectors


def _ivf_ids(ivf: faiss.IndexIVF) -> np.ndarray:
    invlists = ivf.invlists
    return np.concatenate(
        [faiss.rev_swig_ptr(invlists.get_ids(i), invlists.list_size(i)).copy() for i in range(ivf.nlist)]
        or [np.zeros(0, np.int64)]
    ).astype(np.int64)


def segment_ids(index: faiss.Index) -> np.ndarray:
    return (
        _ivf_ids(faiss.extract_index_ivf(index))
        if isinstance(index, faiss.IndexIVF)
        else faiss.vector_to_array(index.id_map).astype(np.int64)
    )


class VectorIndex:
    """The segments of one generation, without the chunks removed since they were written.

    Searched as one: each segment answers with its best k and the best k of all are kept, with
    a filter (`allowed`) applied inside FAISS so that a narrow filter still gets k results.
    """

    def __init__(self, segments: Sequence[faiss.Index], dimension: int, nprobe: int = NPROBE):
        self.segments = list(segments)
        self.dimension = dimension
        self.nprobe = nprobe
        self._segment_of: dict[int, int] | None = None  # chunk id → its segment, once asked for
        # One question scans the vectors once: on 2 cores a second OpenMP thread saved nothing
        # (fp16, 100k chunks: 10 ms either way) and, when the other core is busy, its barrier
        # waits cost far more than the scan.
        faiss.omp_set_num_threads(1)

    @classmethod
    def load(cls, paths: Sequence[Path], removed: np.ndarray, dimension: int) -> VectorIndex:
        """Raises ValueError naming what is wrong with a file (prefixed by its path)."""
        segments = []
        selector = (
            faiss.IDSelectorBatch(np.ascontiguousarray(removed, dtype=np.int64)) if len(removed) else None
        )
        for path in paths:
            try:
                index = read_segment(path)
            except ValueError as e:
                raise ValueError(f"{path} is {e}") from None
            if index.d != dimension:
                raise ValueError(f"{path} holds vectors of dimension {index.d}, not {dimension}")
            if selector is not None:
                index.remove_ids(selector)
            segments.append(index)
        return cls(segments, dimension)

    def count(self) -> int:
        return sum(s.ntotal for s in self.segments)

    def ids(self) -> np.ndarray:
        """Every chunk id it holds, sorted (for the consistency check)."""
        return np.sort(np.concatenate([segment_ids(s) for s in self.segments] or [np.zeros(0, np.int64)]))

    def vectors(self, ids: np.ndarray) -> np.ndarray:
        """The stored vectors of these chunk ids as float32 rows (their fp16 or int8 codes decoded),
        to copy an index elsewhere without embedding it again."""
        if self._segment_of is None:
            self._segment_of = {}
            for n, segment in enumerate(self.segments):
                if isinstance(segment, faiss.IndexIVF):
                    # Ids are not 0..n-1, so the IVF's map from id to code is a hash table.
                    faiss.extract_index_ivf(segment).set_direct_map_type(faiss.DirectMap.Hashtable)
                self._segment_of.update(dict.fromkeys(segment_ids(segment).tolist(), n))
        rows = [self.segments[self._segment_of[int(i)]].reconstruct(int(i)) for i in ids]
        return np.array(rows, dtype=np.float32).reshape(len(rows), self.dimension)

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> list[Hit]:
        """Up to k hits for one query vector, best first; `allowed`: the chunk ids a filter admits."""
        k = min(k, self.count() if allowed is None else len(allowed))
        if k <= 0:
            return []
        query = np.ascontiguousarray(query.reshape(1, -1), dtype=np.float32)
        selector = (
            faiss.IDSelectorBatch(np.ascontiguousarray(allowed, dtype=np.int64))
            if allowed is not None
            else None
        )
        hits: list[Hit] = []
        for segment in self.segments:
            if not segment.ntotal:
                continue
            if isinstance(segment, faiss.IndexIVF):
                params = (
                    faiss.SearchParametersIVF(sel=selector, nprobe=self.nprobe)
                    if selector
                    else (faiss.SearchParametersIVF(nprobe=self.nprobe))
                )
            else:
                params = faiss.SearchParameters(sel=selector) if selector else None
            scores, ids = segment.search(query, min(k, segment.ntotal), params=params)
            hits += [Hit(int(i), float(s)) for i, s in zip(ids[0], scores[0], strict=True) if i != -1]
        hits.sort(key=lambda h: -h.score)
        return hits[:k]


def faiss_version() -> str:
    return faiss.__version__
