"""The one-time text_hash backfill: the first build on a chunk store written before articles kept a
text hash (qa.chunkstore.StoreWriter._add_text_hashes) hashes every article's text and stores it.

A store of about `--chunks` chunks in the old layout (no text_hash column) is written directly:
make_archive.py's articles, chunk rows of about ChunkSettings.max_words words each, a sentence row
per article of the size real sentence vectors take (random bytes: nothing reads them here). Each
measurement runs on a fresh copy of it. Baselines in the same run: opening a writer on a store
that has the column (what every build pays anyway), and a plain read of every article's text (the
least any backfill must do), and that read with the texts hashed in Python. Beside them, the
reader's side: ChunkStore.articles_with_text on the old store, which hashes every text in memory
the first time the app checks an upload for a duplicate before any build has written the column.

    python bench/bench_backfill.py --chunks 100000
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from make_archive import articles  # noqa: E402

from qa.articles import text_hash  # noqa: E402
from qa.chunking import ChunkSettings  # noqa: E402
from qa.chunkstore import _SCHEMA, ChunkStore, StoreWriter  # noqa: E402

SENTENCE_BYTES = 8 + 4 + 512  # a sentence's (start, end) as int32 and its int8 vector with a float32 scale
GENERATION = 1


def old_schema() -> str:
    """The chunk store's schema as it was before text hashes: the same, less that column."""
    lines = [line for line in _SCHEMA.splitlines() if not line.lstrip().startswith("text_hash TEXT")]
    return "\n".join(lines)


def write_store(path: Path, target_chunks: int, with_hashes: bool) -> tuple[int, int]:
    """A committed generation of about `target_chunks` chunks; (articles, chunks) written."""
    db = sqlite3.connect(path, isolation_level=None)
    db.executescript(_SCHEMA if with_hashes else old_schema())
    db.execute("BEGIN")
    words_per_chunk = ChunkSettings().max_words
    chunk_id = n_articles = 0
    for row in articles(10**9):
        if chunk_id >= target_chunks:
            break
        text, words = row["text"], row["text"].split()
        n_articles += 1
        starts = [0]
        at = 0
        for i, word in enumerate(words):
            at = text.index(word, at)
            if i and i % words_per_chunk == 0:
                starts.append(at)
        ends = [*starts[1:], len(text)]
        values = [row["id"], GENERATION, None, row["title"], row["date"], row["category"], None,
                  "archief.jsonl", row["id"], text, None]  # fmt: skip
        if with_hashes:
            values.append(text_hash(text))
        db.execute(f"INSERT INTO articles VALUES ({','.join('?' * len(values))})", values)
        db.executemany(
            'INSERT INTO chunks (id, article_id, article_added, added, segment, position, start, "end", '
            "sentences) VALUES (?, ?, ?, ?, 'seg-00001', ?, ?, ?, ?)",
            [
                (chunk_id + i, row["id"], GENERATION, GENERATION, i, s, e, json.dumps([[s, e]]))
                for i, (s, e) in enumerate(zip(starts, ends, strict=True))
            ],
        )
        chunk_id += len(starts)
        sentences = max(1, text.count(". ") + 1)
        db.execute(
            "INSERT INTO sentences VALUES (?, ?, ?, ?)",
            (row["id"], GENERATION, os.urandom(8 * sentences), os.urandom(516 * sentences)),
        )
    db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('generation', ?)", (GENERATION,))
    db.execute("COMMIT")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    return n_articles, chunk_id


def timed(source: Path, work: Path, run: Callable[[Path], object]) -> float:
    """Seconds `run` takes on a fresh copy of `source` (the copy is not timed)."""
    copy = work / "copy.sqlite"
    for leftover in work.glob("copy.sqlite*"):
        leftover.unlink()
    shutil.copyfile(source, copy)
    started = time.perf_counter()
    run(copy)
    return time.perf_counter() - started


def open_writer(path: Path) -> None:
    """What a build does first: open the store for the next generation, and commit."""
    StoreWriter(path, GENERATION + 1, ["seg-00001"]).commit()


def read_texts(path: Path) -> None:
    db = sqlite3.connect(path)
    for (text,) in db.execute("SELECT text FROM articles"):
        len(text)
    db.close()


def hash_texts(path: Path) -> None:
    db = sqlite3.connect(path)
    for (text,) in db.execute("SELECT text FROM articles"):
        text_hash(text)
    db.close()


def first_lookup(path: Path) -> None:
    store = ChunkStore.open(path, GENERATION)
    store.articles_with_text("0" * 64)
    store.close()


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--work", type=Path, help="folder for the stores (default: a temporary one)")
    args = parser.parse_args()
    print(f"command: python bench/bench_backfill.py --chunks {args.chunks}")
    with tempfile.TemporaryDirectory(dir=args.work) as tmp:
        work = Path(tmp)
        old, new = work / "old.sqlite", work / "new.sqlite"
        n_articles, n_chunks = write_store(old, args.chunks, with_hashes=False)
        write_store(new, args.chunks, with_hashes=True)
        size = old.stat().st_size / 1e6
        print(f"store: {n_articles:,} articles, {n_chunks:,} chunks, {size:,.0f} MB without text hashes")
        rows = [
            ("backfill: open a writer on the old store, commit", timed(old, work, open_writer)),
            ("baseline: the same on a store with text hashes", timed(new, work, open_writer)),
            ("baseline: read every text", timed(old, work, read_texts)),
            ("baseline: read and hash every text", timed(old, work, hash_texts)),
            ("reader: first duplicate lookup on the old store", timed(old, work, first_lookup)),
        ]
        for label, seconds in rows:
            print(f"{label:<52} {seconds:6.2f} s")


if __name__ == "__main__":
    main()
