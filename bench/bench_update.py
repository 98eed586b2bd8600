"""Incremental update at scale: adding one article to a 100k-chunk index, against rebuilding BM25
whole with bm25s (what every build did before BM25 was kept as term counts), in the same run.

The scale index is bench_ask.py's (sentences of the shipped articles recombined). The update is
what `qa build` does after embedding: copy the committed generation, add the article, commit
(FAISS, SQLite with sentence vectors, BM25 by rows, manifest swap).

    python bench/bench_update.py --size 100000
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import bm25s

from qa.articles import Article
from qa.chunking import ChunkSettings, article_sentences, chunk_article
from qa.encoders import DEFAULT_MODEL, load_encoder
from qa.store import FaissStore, IndexWriter

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_ask import build_scale_index

NEW = "De gemeente Maastricht opent een opvangcentrum voor 250 asielzoekers aan de Maas."


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--size", type=int, default=100_000)
    args = parser.parse_args()
    encoder = load_encoder(DEFAULT_MODEL)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "index"
        folder.mkdir()
        _, chunk_terms = build_scale_index(folder, args.size, encoder)
        article = Article("new.txt", "new.txt", "Nieuw", "2024-06", None, None, NEW, "new")
        chunks = chunk_article(article, ChunkSettings())
        vectors = encoder.encode_document([c.text for c in chunks], normalize_embeddings=True)
        sentences = encoder.encode_document(
            [article.text[s:e] for s, e in article_sentences(chunks)], normalize_embeddings=True
        )
        started = time.perf_counter()
        base = FaissStore.open(folder)
        writer = IndexWriter(folder, base.manifest.settings, base)
        copying = time.perf_counter() - started
        writer.add_article(article, chunks, vectors, sentences)
        writer.commit({"bench": "update"})
        ours = time.perf_counter() - started
        base.close()
        started = time.perf_counter()
        bm25s.BM25(k1=1.2, b=0.75, method="lucene").index(chunk_terms, show_progress=False)
        whole = time.perf_counter() - started
    print(f"command: python bench/bench_update.py --size {args.size}")
    print(f"{len(chunk_terms)} chunks, model {DEFAULT_MODEL}, {os.cpu_count()} CPUs")
    print(f"add one article, after embedding    {ours:6.2f} s   (copying the generation: {copying:.2f} s)")
    print(f"baseline: BM25 rebuilt whole, bm25s {whole:6.2f} s   ({whole / ours:.1f}x our update)")


if __name__ == "__main__":
    main()
