"""`qa.ask` latency at 10k and 100k chunks, against exhaustive numpy + rank_bm25 in the same run.

The scale corpus is generated deterministically from the shipped articles: their sentences are
recombined into new articles with varied dates. Embedding 100k chunks takes too long on a CPU
for a latency benchmark, so each chunk's vector is the normalised mean of its sentences' real
embeddings (sentences are embedded once); BM25 is built from the real chunk text. Query-time
work (question encoding, FAISS, BM25, merging, answer sentences) is exactly what a user gets.

    python bench/bench_ask.py --sizes 10000 100000
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import numpy as np
from rank_bm25 import BM25Okapi

from qa.answering import ask
from qa.articles import CLEANING_VERSION, Article, parse_article, scan_corpus
from qa.chunking import ChunkSettings, article_sentences, chunk_article, sentence_spans
from qa.encoders import DEFAULT_MODEL, load_encoder
from qa.evaluate import load_questions
from qa.lexical import terms
from qa.search import Retriever
from qa.store import IndexSettings, IndexWriter

ROOT = Path(__file__).resolve().parent.parent


def scale_articles(n_chunks: int, seed: int = 7) -> list[Article]:
    """Articles of ~8 chunks recombined from the seed sentences, until about n_chunks chunks."""
    seeds = [parse_article(s) for s in scan_corpus(ROOT / "corpus")]
    sentences = [a.text[s:e] for a in seeds for s, e in sentence_spans(a.text)]
    rng = random.Random(seed)
    articles = []
    per_article = 8 * 4  # ~4 sentences a chunk at the default size
    for i in range(max(1, n_chunks // 12)):  # recombined sentences make ~12 chunks an article
        body = " ".join(rng.choice(sentences) for _ in range(per_article))
        date = f"{rng.randint(2010, 2025)}-{rng.randint(1, 12):02d}"
        text_hash = hashlib.sha256(f"{i}{body}".encode()).hexdigest()
        articles.append(Article(f"scale/{i:06d}.txt", f"scale/{i:06d}.txt", f"Artikel {i}", date, None, None,
                                body, text_hash))  # fmt: skip
    return articles


def build_scale_index(folder: Path, n_chunks: int, encoder) -> tuple[np.ndarray, list[list[str]]]:
    articles = scale_articles(n_chunks)
    settings = ChunkSettings()
    unique: dict[str, int] = {}
    chunked = []
    for article in articles:
        chunks = chunk_article(article, settings)
        chunked.append((article, chunks))
        for s, e in article_sentences(chunks):
            unique.setdefault(article.text[s:e], len(unique))
    sentence_vectors = encoder.encode_document(list(unique), normalize_embeddings=True, batch_size=64)
    dimension = sentence_vectors.shape[1]
    writer = IndexWriter(folder, IndexSettings(DEFAULT_MODEL, dimension, settings, CLEANING_VERSION), None)
    all_vectors, all_terms = [], []
    for article, chunks in chunked:
        vectors = np.stack([
            sentence_vectors[[unique[article.text[s:e]] for s, e in c.sentences]].mean(axis=0)
            for c in chunks
        ])  # fmt: skip
        vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
        rows = [unique[article.text[s:e]] for s, e in article_sentences(chunks)]
        writer.add_article(article, chunks, vectors, sentence_vectors[rows])
        all_vectors.append(vectors)
        all_terms += [terms(f"{article.title}\n{c.text}") for c in chunks]
    writer.commit({"bench": "scale"})
    return np.concatenate(all_vectors).astype(np.float32), all_terms


def baseline(question: str, encoder, vectors: np.ndarray, bm25: BM25Okapi, k: int = 50) -> list[int]:
    """The obvious implementation: score every chunk both ways, fuse by reciprocal rank."""
    q = encoder.encode_query([question], normalize_embeddings=True)[0]
    dense = np.argsort(-(vectors @ q))[:k]
    lexical = np.argsort(-bm25.get_scores(terms(question)))[:k]
    fused: dict[int, float] = {}
    for ranking in (dense, lexical):
        for rank, i in enumerate(ranking, start=1):
            fused[int(i)] = fused.get(int(i), 0.0) + 1 / (60 + rank)
    return sorted(fused, key=fused.get, reverse=True)[:5]


def percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return statistics.median(ordered) * 1000, ordered[int(0.95 * (len(ordered) - 1))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--baseline-questions", type=int, default=15, help="rank_bm25 is slow at 100k")
    args = parser.parse_args()
    encoder = load_encoder(DEFAULT_MODEL)
    questions = [q.question for q in load_questions(ROOT / "eval" / "dev.tsv")]
    # English questions also match their words to the passages' Dutch words (qa/crosslingual.py):
    # an encoder call the Dutch ones do not make. Timed apart, after the others.
    english = [
        q.question
        for path in (ROOT / "eval" / "dev.tsv", ROOT / "eval" / "devarchive" / "questions.tsv")
        for q in load_questions(path)
        if q.lang == "en"
    ]
    print(f"command: python bench/bench_ask.py --sizes {' '.join(map(str, args.sizes))}")
    print(f"model {DEFAULT_MODEL}, {os.cpu_count()} CPUs, {len(questions)} dev questions")
    for size in args.sizes:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "index"
            folder.mkdir()
            started = time.perf_counter()
            vectors, chunk_terms = build_scale_index(folder, size, encoder)
            built = time.perf_counter() - started
            retriever = Retriever.open(folder)
            ask(questions[0], retriever=retriever)  # warm up
            ours = []
            for question in questions:
                t = time.perf_counter()
                ask(question, retriever=retriever)
                ours.append(time.perf_counter() - t)
            english_times = []
            for question in english:
                t = time.perf_counter()
                ask(question, retriever=retriever)
                english_times.append(time.perf_counter() - t)
            started = time.perf_counter()
            bm25 = BM25Okapi(chunk_terms)
            baseline_setup = time.perf_counter() - started
            theirs = []
            for question in questions[: args.baseline_questions]:
                t = time.perf_counter()
                baseline(question, encoder, vectors, bm25)
                theirs.append(time.perf_counter() - t)
            p50, p95 = percentiles(ours)
            b50, b95 = percentiles(theirs)
            print(f"\n{len(vectors)} chunks (scale index built in {built:.0f} s)")
            print(f"  qa.ask (hybrid + answer)       p50 {p50:7.1f} ms   p95 {p95:7.1f} ms")
            e50, e95 = percentiles(english_times)
            print(f"  qa.ask, {len(english)} English questions  p50 {e50:7.1f} ms   p95 {e95:7.1f} ms")
            print(f"  baseline numpy + rank_bm25     p50 {b50:7.1f} ms   p95 {b95:7.1f} ms"
                  f"   (BM25Okapi setup {baseline_setup:.1f} s)")  # fmt: skip
            print(f"  speed-up at p50: {b50 / p50:.1f}x")
            retriever.close()
    sys.stdout.flush()


if __name__ == "__main__":
    main()
