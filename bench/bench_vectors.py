"""Exact against approximate vector search, by segment size: where IVF starts to pay, and the
nprobe that keeps Recall@10 ≥ 0.98. The figures behind qa/vectors.py's IVF_ABOVE and NPROBE.

Chunk vectors: make_archive.py's articles, chunked as a build chunks them, embedded by
bench/derived.py (real model, per distinct sentence). Queries: the dev archive's 160 questions,
encoded as questions. Truth: the exact float32 scan. Both sides use one thread, as answering does.

    python bench/bench_vectors.py --sizes 10000 50000 100000 200000 400000
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import faiss
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from derived import DerivedEncoder
from make_archive import articles

from qa.articles import Article
from qa.chunking import ChunkSettings, chunk_article, embedding_text
from qa.encoders import DEFAULT_MODEL, encode_short, load_encoder
from qa.evaluate import load_questions
from qa.vectors import segment_contents, write_segment

ROOT = Path(__file__).resolve().parent.parent


def chunk_vectors(n: int, encoder: DerivedEncoder, cache: Path) -> np.ndarray:
    if cache.exists() and len(np.load(cache, mmap_mode="r")) >= n:
        return np.load(cache)[:n]
    rows: list[np.ndarray] = []
    count = 0
    for raw in articles(n):  # far more articles than needed: stops at n chunks
        article = Article(raw["id"], raw["id"], raw["title"], raw["date"], raw["category"], raw["url"],
                          raw["text"], raw["id"])  # fmt: skip
        chunks = chunk_article(article, ChunkSettings())
        rows.append(encoder.encode_document([embedding_text(article, c) for c in chunks]))
        count += len(chunks)
        if count >= n:
            break
    vectors = np.concatenate(rows)[:n].astype(np.float32)
    np.save(cache, vectors)
    return vectors


def timed(index: faiss.Index, queries: np.ndarray, params=None, k: int = 10) -> tuple[np.ndarray, float]:
    """The top k ids per query, and the milliseconds a query took (one at a time, as asked)."""
    index.search(queries[:5], k, params=params)  # warm
    started = time.perf_counter()
    found = np.vstack([index.search(q.reshape(1, -1), k, params=params)[1] for q in queries])
    return found, (time.perf_counter() - started) / len(queries) * 1000


def recall(found: np.ndarray, exact: np.ndarray, vectors: np.ndarray, queries: np.ndarray) -> float:
    """Recall@k against the exact scan, ties counted: a recombined archive repeats passages, so
    several chunks share the k-th best score and which of them the exact scan lists is chance."""
    hits = []
    for ids, truth, query in zip(found, exact, queries, strict=True):
        kth = float(vectors[truth[-1]] @ query)
        hits.append(np.sum(vectors[ids[ids >= 0]] @ query >= kth - 1e-6) / len(truth))
    return float(np.mean(hits))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 50_000, 100_000, 200_000, 400_000])
    parser.add_argument("--nprobe", type=int, nargs="+", default=[8, 16, 32, 48, 64, 96])
    parser.add_argument("--cache", type=Path, default=Path("/tmp/bench-vectors.npy"))
    args = parser.parse_args()
    faiss.omp_set_num_threads(1)
    model = load_encoder(DEFAULT_MODEL)
    questions = [q.question for q in load_questions(ROOT / "eval" / "devarchive" / "questions.tsv")]
    queries = encode_short(model, questions, "query").astype(np.float32)
    all_vectors = chunk_vectors(max(args.sizes), DerivedEncoder(model), args.cache)
    print(f"command: python bench/bench_vectors.py --sizes {' '.join(map(str, args.sizes))}")
    print(f"{len(queries)} questions, model {DEFAULT_MODEL}, 1 thread; ms per question, Recall@10 vs exact\n")
    for n in args.sizes:
        vectors = all_vectors[:n]
        ids = np.arange(n, dtype=np.int64)
        truth = faiss.IndexFlatIP(vectors.shape[1])
        truth.add(vectors)
        exact, exact_ms = timed(truth, queries)
        tmp = Path(f"/tmp/bench-vectors-{n}")
        write_segment(tmp.with_suffix(".flat"), ids, vectors, "flat")
        flat = faiss.read_index(str(tmp.with_suffix(".flat")))
        found, flat_ms = timed(flat, queries)
        flat_recall = recall(found, exact, vectors, queries)
        started = time.perf_counter()
        write_segment(tmp.with_suffix(".ivf"), ids, vectors, "ivf")
        trained = time.perf_counter() - started
        ivf = faiss.read_index(str(tmp.with_suffix(".ivf")))
        lists = faiss.extract_index_ivf(ivf).nlist
        print(f"{n:>8} chunks  exact fp32 {exact_ms:6.2f}  flat fp16 {flat_ms:6.2f} "
              f"(recall {flat_recall:.3f})  ivf {lists} lists, written in {trained:.1f} s")  # fmt: skip
        for nprobe in args.nprobe:
            found, ms = timed(ivf, queries, faiss.SearchParametersIVF(nprobe=nprobe))
            got = recall(found, exact, vectors, queries)
            print(f"{'':>17}nprobe {nprobe:>3}: {ms:6.2f} ms  recall {got:.3f}  ({flat_ms / ms:4.1f}x flat)")
        assert len(segment_contents(ivf)[0]) == n
        for suffix in (".flat", ".ivf"):
            tmp.with_suffix(suffix).unlink()


if __name__ == "__main__":
    main()
