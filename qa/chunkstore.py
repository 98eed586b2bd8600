"""The chunk store: articles, chunks, sentence vectors and BM25 terms in one SQLite file that a
build updates in place, each row tagged with the generation that added it and the one that
removed it.

A reader of generation G sees the rows added by G or before and not removed by G: what a build
writes for G+1, even committed to SQLite, stays invisible until the manifest names G+1, and a
build that died before that is undone by the next one. Holds storage only; which generation is
committed is the manifest's to say (qa/manifest.py), vectors are FAISS's (qa/vectors.py).
"""

from __future__ import annotations

import bisect
import contextlib
import json
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from qa.articles import Article, text_hash
from qa.chunking import Chunk, article_sentences

_SCHEMA = """
PRAGMA journal_mode = WAL;
CREATE TABLE IF NOT EXISTS articles (
    id TEXT NOT NULL, added INTEGER NOT NULL, removed INTEGER,
    title TEXT NOT NULL, date TEXT, category TEXT, url TEXT, path TEXT NOT NULL, hash TEXT NOT NULL,
    text TEXT NOT NULL,
    pages TEXT,  -- a PDF's JSON [0, 1834, ...]: where each page starts in the text; NULL for others
    text_hash TEXT,  -- qa.articles.text_hash: an article found again under another name is a duplicate
    PRIMARY KEY (id, added)
);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY, article_id TEXT NOT NULL, article_added INTEGER NOT NULL,
    added INTEGER NOT NULL, removed INTEGER, segment TEXT NOT NULL,
    position INTEGER NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL,
    sentences TEXT NOT NULL  -- JSON [[start, end], ...] in the article: answers need no re-splitting
);
CREATE INDEX IF NOT EXISTS chunks_article ON chunks(article_id, article_added);
CREATE INDEX IF NOT EXISTS chunks_removed ON chunks(removed);
-- Every sentence of an article's chunks, embedded at build time, so that choosing the answer
-- sentences needs no encoder call at question time: one row per article, its sentences' (start,
-- end) as int32 pairs and their vectors as int8 codes with a float32 scale each (516 bytes a
-- sentence at 512 dimensions, a quarter of float32; cosines stay within 1e-3). A row per article
-- rather than per sentence saves a key and an index entry per sentence: 0.5 KB a chunk.
CREATE TABLE IF NOT EXISTS sentences (
    article_id TEXT NOT NULL, article_added INTEGER NOT NULL, spans BLOB NOT NULL, vectors BLOB NOT NULL,
    PRIMARY KEY (article_id, article_added)
);
-- BM25's vocabulary: a term's column in every segment's term counts. Only ever appended to.
CREATE TABLE IF NOT EXISTS terms (term TEXT PRIMARY KEY, id INTEGER NOT NULL UNIQUE);
-- The last generation whose rows were committed here: a build undoes rows of a later one (its
-- manifest never came) without scanning every table for them.
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL);
-- Size and modification time of each corpus file as last read whole and clean: a build skips a
-- file that still has them (rsync's and git's quick check) instead of reading a gigabyte archive
-- to learn that nothing changed. A cache: losing it costs one full read, never content.
CREATE TABLE IF NOT EXISTS sources (name TEXT PRIMARY KEY, size INTEGER NOT NULL, mtime_ns INTEGER NOT NULL);
"""
Fingerprint = tuple[int, int]  # a file's (size, mtime_ns)
TABLES = ("articles", "chunks", "sentences", "terms")
SentenceKey = tuple[str, int, int]  # (article id, start, end)
_ARTICLE_COLUMNS = "a.id, a.title, a.date, a.category, a.url, a.path, a.pages"


@dataclass(frozen=True)
class ArticleInfo:
    """An indexed article's metadata, without its text."""

    id: str
    title: str
    date: str | None
    category: str | None
    url: str | None
    path: str
    pages: tuple[int, ...] = ()  # a PDF's: where each page starts in the text

    @classmethod
    def from_row(cls, row: Sequence) -> ArticleInfo:
        """From the _ARTICLE_COLUMNS of a query."""
        *fields, pages = row
        return cls(*fields, tuple(json.loads(pages)) if pages else ())

    def page_span(self, start: int, end: int) -> tuple[int, int] | None:
        """The pages (from 1) on which the text[start:end] begins and ends; None without pages."""
        if not self.pages:
            return None
        first = bisect.bisect_right(self.pages, start)
        return first, max(first, bisect.bisect_right(self.pages, end - 1))

    def to_dict(self) -> dict:
        # Where pages start is the passage's business ("pages" beside its offsets), not the
        # article's stable JSON.
        info = asdict(self)
        del info["pages"]
        return info


@dataclass(frozen=True)
class StoredChunk:
    id: int
    article: ArticleInfo
    position: int
    start: int
    end: int
    text: str  # the article's text[start:end]
    sentences: tuple[tuple[int, int], ...]  # (start, end) in the article


def _visible(table: str, generation: int) -> str:
    return f"({table}.added <= {generation} AND ({table}.removed IS NULL OR {table}.removed > {generation}))"


def quantize(vectors: np.ndarray) -> list[bytes]:
    """Unit rows → int8 codes with a float32 scale each, as blobs."""
    scale = np.maximum(np.abs(vectors).max(axis=1), 1e-12) / 127.0
    codes = np.round(vectors / scale[:, None]).astype(np.int8)
    return [s.astype(np.float32).tobytes() + c.tobytes() for s, c in zip(scale, codes, strict=True)]


def dequantize(blob: bytes) -> np.ndarray:
    scale = np.frombuffer(blob[:4], dtype=np.float32)[0]
    return np.frombuffer(blob[4:], dtype=np.int8).astype(np.float32) * scale


class ChunkStore:
    """What generation `generation` of the chunk store holds, read-only; one caller at a time
    (the methods take a lock), so one store serves every thread of a process."""

    def __init__(self, db: sqlite3.Connection, generation: int, path: Path, text_hashes: bool = True):
        self._db = db
        self.generation = generation
        self.path = path
        self._lock = threading.Lock()
        # A store written before text hashes were kept has none until its next build: for it,
        # the visible articles' texts are hashed once, when first asked.
        self._text_hashes = text_hashes
        self._hashed: dict[str, list[str]] | None = None

    @classmethod
    def open(cls, path: Path, generation: int) -> ChunkStore:
        """Raises sqlite3.DatabaseError when the file is not a chunk store; ValueError naming a
        missing table."""
        # as_uri percent-encodes the path: a folder named with "?", "#" or "%" opens too.
        db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False)
        try:
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            missing = [table for table in TABLES if table not in tables]
            if missing:
                raise ValueError(f"has no {missing[0]} table")
            columns = {row[1] for row in db.execute("PRAGMA table_info(articles)")}
            if "pages" not in columns:  # written before PDFs kept their pages
                raise ValueError("has no pages column in its articles table")
            text_hashes = "text_hash" in columns
            columns = {row[1] for row in db.execute("PRAGMA table_info(sentences)")}
            if "vectors" not in columns:  # written when each sentence had a row
                raise ValueError("keeps a row per sentence, not per article")
        except BaseException:
            db.close()
            raise
        return cls(db, generation, path, text_hashes)

    def close(self) -> None:
        self._db.close()

    @contextlib.contextmanager
    def reading(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            yield self._db

    def counts(self) -> tuple[int, int]:
        """(articles, chunks) of the generation."""
        g = self.generation
        with self.reading() as db:
            (articles,) = db.execute(
                f"SELECT count(*) FROM articles WHERE {_visible('articles', g)}"
            ).fetchone()
            (chunks,) = db.execute(f"SELECT count(*) FROM chunks WHERE {_visible('chunks', g)}").fetchone()
        return articles, chunks

    def live_ids(self) -> np.ndarray:
        """The ids of the generation's chunks, sorted."""
        with self.reading() as db:
            rows = db.execute(
                f"SELECT id FROM chunks WHERE {_visible('chunks', self.generation)} ORDER BY id"
            )
            return np.array([row[0] for row in rows], dtype=np.int64)

    def removed_ids(self) -> np.ndarray:
        """Chunks removed by this generation or before whose vectors a segment may still hold."""
        with self.reading() as db:
            rows = db.execute(
                "SELECT id FROM chunks WHERE removed IS NOT NULL AND removed <= ?", (self.generation,)
            )
            return np.array([row[0] for row in rows], dtype=np.int64)

    def article_hashes(self) -> dict[str, str]:
        with self.reading() as db:
            rows = db.execute(f"SELECT id, hash FROM articles WHERE {_visible('articles', self.generation)}")
            return dict(rows.fetchall())

    def articles_with_text(self, hashed: str) -> list[str]:
        """The ids of the articles whose text has this text_hash."""
        with self.reading() as db:
            if self._text_hashes:
                rows = db.execute(
                    f"SELECT id FROM articles a WHERE a.text_hash = ? AND {_visible('a', self.generation)} "
                    "ORDER BY id",
                    (hashed,),
                )
                return [row[0] for row in rows]
            if self._hashed is None:
                self._hashed = {}
                rows = db.execute(f"SELECT id, text FROM articles a WHERE {_visible('a', self.generation)}")
                for article_id, text in rows:
                    self._hashed.setdefault(text_hash(text), []).append(article_id)
            return sorted(self._hashed.get(hashed, []))

    def sources(self) -> dict[str, Fingerprint]:
        """Corpus file → its fingerprint when last read whole and clean (see the sources table)."""
        with self.reading() as db:
            try:
                return {name: (size, mtime) for name, size, mtime in db.execute("SELECT * FROM sources")}
            except sqlite3.OperationalError:  # a store written before the table existed
                return {}

    def max_chunk_id(self) -> int:
        with self.reading() as db:
            return db.execute("SELECT coalesce(max(id), -1) FROM chunks").fetchone()[0]

    def vocabulary(self) -> dict[str, int]:
        with self.reading() as db:
            return dict(db.execute("SELECT term, id FROM terms").fetchall())

    def chunks(self, ids: Sequence[int]) -> dict[int, StoredChunk]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        with self.reading() as db:
            rows = db.execute(
                f'SELECT c.id, c.position, c.start, c."end", substr(a.text, c.start + 1, c."end" - c.start), '
                f"c.sentences, {_ARTICLE_COLUMNS} "
                f"FROM chunks c JOIN articles a ON a.id = c.article_id AND a.added = c.article_added "
                f"WHERE c.id IN ({marks}) AND {_visible('c', self.generation)}",
                [int(i) for i in ids],
            ).fetchall()
        return {
            row[0]: StoredChunk(
                row[0],
                ArticleInfo.from_row(row[6:]),
                row[1],
                row[2],
                row[3],
                row[4],
                tuple((s, e) for s, e in json.loads(row[5])),
            )
            for row in rows
        }

    def sentence_vectors(self, keys: Sequence[SentenceKey]) -> dict[SentenceKey, np.ndarray]:
        """The stored vectors of these (article id, start, end) sentences, as float32 rows."""
        found: dict[SentenceKey, np.ndarray] = {}
        wanted = set(keys)
        with self.reading() as db:
            for article_id in {k[0] for k in wanted}:
                row = db.execute(
                    f"SELECT s.spans, s.vectors FROM sentences s JOIN articles a "
                    f"ON a.id = s.article_id AND a.added = s.article_added "
                    f"WHERE s.article_id = ? AND {_visible('a', self.generation)}",
                    (article_id,),
                ).fetchone()
                if row is None:
                    continue
                spans = np.frombuffer(row[0], dtype=np.int32).reshape(-1, 2)
                width = len(row[1]) // max(len(spans), 1)
                for n, (start, end) in enumerate(spans.tolist()):
                    if (article_id, start, end) in wanted:
                        found[article_id, start, end] = dequantize(row[1][n * width : (n + 1) * width])
        return found

    def catalogue(self) -> tuple[np.ndarray, list[tuple[str | None, str | None]], np.ndarray]:
        """Chunk ids in order; the distinct (date, category) pairs of their articles; each chunk's
        pair (an index into the pairs)."""
        with self.reading() as db:
            rows = db.execute(
                f"SELECT c.id, a.date, a.category FROM chunks c JOIN articles a "
                f"ON a.id = c.article_id AND a.added = c.article_added "
                f"WHERE {_visible('c', self.generation)} ORDER BY c.id"
            ).fetchall()
        index: dict[tuple[str | None, str | None], int] = {}
        pair_of_chunk = np.fromiter(
            (index.setdefault((date, category), len(index)) for _, date, category in rows),
            dtype=np.int32,
            count=len(rows),
        )
        ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
        return ids, list(index), pair_of_chunk

    def articles(self) -> list[ArticleInfo]:
        with self.reading() as db:
            rows = db.execute(
                f"SELECT {_ARTICLE_COLUMNS} FROM articles a WHERE {_visible('a', self.generation)} "
                f"ORDER BY a.date, a.id"
            ).fetchall()
        return [ArticleInfo.from_row(row) for row in rows]

    def contents(self) -> Iterator[tuple[Article, list[Chunk], np.ndarray, np.ndarray]]:
        """Every article of the generation whole, one at a time: the article, its chunks in order
        with their ids, and its sentences' vectors (float32 rows, in `article_sentences` order)."""
        g = self.generation
        with self.reading() as db:
            keys = db.execute(
                f"SELECT id, added FROM articles a WHERE {_visible('a', g)} ORDER BY id"
            ).fetchall()
        for article_id, added in keys:
            with self.reading() as db:
                row = db.execute(
                    "SELECT id, path, title, date, category, url, text, hash, pages FROM articles "
                    "WHERE id = ? AND added = ?",
                    (article_id, added),
                ).fetchone()
                chunk_rows = db.execute(
                    f'SELECT id, position, start, "end", sentences FROM chunks c '
                    f"WHERE article_id = ? AND article_added = ? AND {_visible('c', g)} ORDER BY position",
                    (article_id, added),
                ).fetchall()
                sentences = db.execute(
                    "SELECT spans, vectors FROM sentences WHERE article_id = ? AND article_added = ?",
                    (article_id, added),
                ).fetchone()
            *fields, pages = row
            article = Article(*fields, tuple(json.loads(pages)) if pages else ())
            chunks = [
                Chunk(
                    article.id,
                    position,
                    start,
                    end,
                    article.text[start:end],
                    tuple(map(tuple, json.loads(spans))),
                )
                for _, position, start, end, spans in chunk_rows
            ]
            ids = np.array([r[0] for r in chunk_rows], dtype=np.int64)
            spans = (
                np.frombuffer(sentences[0], dtype=np.int32).reshape(-1, 2) if sentences else np.zeros((0, 2))
            )
            width = len(sentences[1]) // max(len(spans), 1) if sentences else 0
            vectors = {
                (start, end): dequantize(sentences[1][n * width : (n + 1) * width])
                for n, (start, end) in enumerate(spans.tolist())
            }
            yield (
                article,
                chunks,
                ids,
                np.array([vectors[span] for span in article_sentences(chunks)], dtype=np.float32),
            )

    def article_text(self, article_id: str) -> str | None:
        with self.reading() as db:
            row = db.execute(
                f"SELECT text FROM articles a WHERE a.id = ? AND {_visible('a', self.generation)}",
                (article_id,),
            ).fetchone()
        return None if row is None else row[0]

    def quick_check(self) -> str:
        with self.reading() as db:
            return db.execute("PRAGMA quick_check(1)").fetchone()[0]


class StoreWriter:
    """Writes generation `generation` into the chunk store, in one SQLite transaction that
    `commit` ends; nothing of it is visible to readers until the manifest names it."""

    def __init__(self, path: Path, generation: int, segments: Sequence[str]):
        """`segments`: those the committed generation (generation - 1) reads."""
        self.path = path
        self.generation = generation
        self.db = sqlite3.connect(path, isolation_level=None)
        self.db.executescript(_SCHEMA)
        committed = generation - 1
        self.db.execute("BEGIN IMMEDIATE")
        self._add_text_hashes()
        last = self.db.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        if last is None or last[0] > committed:
            # A build that died after its SQLite commit but before its manifest: undo it.
            for table in ("articles", "chunks"):
                self.db.execute(f"DELETE FROM {table} WHERE added > ?", (committed,))
                self.db.execute(f"UPDATE {table} SET removed = NULL WHERE removed > ?", (committed,))
            self.db.execute("DELETE FROM sentences WHERE article_added > ?", (committed,))
        self.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES ('generation', ?)", (generation,))
        # What this generation adds and removes, so that its counts need no scan of every row.
        self.articles_added = self.articles_removed = self.chunks_added = self.chunks_removed = 0
        # Rows no reader of the committed generation or the one before can see, whose vectors no
        # segment holds any more (a merge left them out): gone.
        old = committed - 1
        marks = ",".join("?" * len(segments))
        self.db.execute(
            f"DELETE FROM chunks WHERE removed IS NOT NULL AND removed <= ? AND segment NOT IN ({marks})",
            [old, *segments],
        )
        gone = (
            "removed IS NOT NULL AND removed <= ? AND NOT EXISTS "
            "(SELECT 1 FROM chunks c WHERE c.article_id = articles.id AND c.article_added = articles.added)"
        )
        self.db.execute(
            f"DELETE FROM sentences WHERE (article_id, article_added) IN "
            f"(SELECT id, added FROM articles WHERE {gone})",
            (old,),
        )
        self.db.execute(f"DELETE FROM articles WHERE {gone}", (old,))
        # Terms are looked up as chunks need them: the whole vocabulary of a large archive is
        # a second's read that an update of one article should not pay.
        self._terms: dict[str, int] = {}
        self._next_term = self.db.execute("SELECT coalesce(max(id) + 1, 0) FROM terms").fetchone()[0]

    def _add_text_hashes(self) -> None:
        """Give a store written before text hashes were kept its column, filled from the texts it
        holds (once: a read of every text), and the index a duplicate is looked up by."""
        columns = {row[1] for row in self.db.execute("PRAGMA table_info(articles)")}
        if "text_hash" not in columns:
            self.db.create_function("qa_text_hash", 1, text_hash, deterministic=True)
            self.db.execute("ALTER TABLE articles ADD COLUMN text_hash TEXT")
            self.db.execute("UPDATE articles SET text_hash = qa_text_hash(text)")
        self.db.execute("CREATE INDEX IF NOT EXISTS articles_text_hash ON articles(text_hash)")

    def remove_articles(self, article_ids: Sequence[str]) -> list[int]:
        """Mark the articles and their chunks removed by this generation; their chunk ids."""
        g = self.generation
        removed: list[int] = []
        for article_id in article_ids:
            rows = self.db.execute(
                f"SELECT id FROM chunks WHERE article_id = ? AND {_visible('chunks', g - 1)}", (article_id,)
            ).fetchall()
            removed += [row[0] for row in rows]
            self.db.execute(
                f"UPDATE chunks SET removed = ? WHERE article_id = ? AND {_visible('chunks', g - 1)}",
                (g, article_id),
            )
            self.articles_removed += self.db.execute(
                f"UPDATE articles SET removed = ? WHERE id = ? AND {_visible('articles', g - 1)}",
                (g, article_id),
            ).rowcount
        self.chunks_removed += len(removed)
        return removed

    def add_article(
        self,
        article: Article,
        chunks: Sequence[Chunk],
        ids: np.ndarray,
        sentences: Sequence[tuple[int, int]],
        sentence_vectors: np.ndarray,
        segment: str,
    ) -> None:
        g = self.generation
        self.articles_added += 1
        self.chunks_added += len(chunks)
        self.db.execute(
            "INSERT INTO articles (id, added, title, date, category, url, path, hash, text, pages, "
            "text_hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (article.id, g, article.title, article.date, article.category, article.url, article.path,
             article.hash, article.text, json.dumps(article.pages) if article.pages else None,
             article.text_hash),
        )  # fmt: skip
        self.db.executemany(
            'INSERT INTO chunks (id, article_id, article_added, added, segment, position, start, "end", '
            "sentences) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (int(i), article.id, g, g, segment, c.position, c.start, c.end, json.dumps(c.sentences))
                for i, c in zip(ids, chunks, strict=True)
            ],
        )
        self.db.execute(
            "INSERT INTO sentences (article_id, article_added, spans, vectors) VALUES (?, ?, ?, ?)",
            (
                article.id,
                g,
                np.asarray(sentences, dtype=np.int32).reshape(-1, 2).tobytes(),
                b"".join(quantize(np.asarray(sentence_vectors, dtype=np.float32))),
            ),
        )

    def term_ids(self, terms: Sequence[str]) -> list[int]:
        """Each term's BM25 column, new terms appended to the vocabulary."""
        found = []
        for term in terms:
            j = self._terms.get(term)
            if j is None:
                row = self.db.execute("SELECT id FROM terms WHERE term = ?", (term,)).fetchone()
                if row is None:
                    row = (self._next_term,)
                    self._next_term += 1
                    self.db.execute("INSERT INTO terms (term, id) VALUES (?, ?)", (term, row[0]))
                j = self._terms[term] = row[0]
            found.append(j)
        return found

    @property
    def vocabulary_size(self) -> int:
        return self._next_term

    def move_to_segment(self, merged: Sequence[str], into: str) -> None:
        """The live chunks of the `merged` segments now live in `into`."""
        marks = ",".join("?" * len(merged))
        self.db.execute(
            f"UPDATE chunks SET segment = ? WHERE segment IN ({marks}) "
            f"AND {_visible('chunks', self.generation)}",
            [into, *merged],
        )

    def removed_by_segment(self) -> dict[str, int]:
        """Per segment, how many of the chunks it holds are removed by this generation or before
        (through the index on `removed`: as many rows as were removed, not every chunk)."""
        rows = self.db.execute(
            "SELECT segment, count(*) FROM chunks WHERE removed IS NOT NULL AND removed <= ? "
            "GROUP BY segment",
            (self.generation,),
        ).fetchall()
        return dict(rows)

    def live_chunks_of(self, segments: Sequence[str]) -> np.ndarray:
        marks = ",".join("?" * len(segments))
        rows = self.db.execute(
            f"SELECT id FROM chunks WHERE segment IN ({marks}) AND {_visible('chunks', self.generation)}",
            list(segments),
        )
        return np.array([row[0] for row in rows], dtype=np.int64)

    def removed_ids(self) -> np.ndarray:
        rows = self.db.execute(
            "SELECT id FROM chunks WHERE removed IS NOT NULL AND removed <= ?", (self.generation,)
        )
        return np.array([row[0] for row in rows], dtype=np.int64)

    def commit(self) -> None:
        self.db.execute("COMMIT")
        # The WAL folded back into the database file, so that the file a backup or a reader sees
        # is whole by itself.
        self.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        self.db.close()

    def abort(self) -> None:
        with contextlib.suppress(sqlite3.Error):
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
        with contextlib.suppress(sqlite3.Error):
            self.db.close()


def record_sources(path: Path, fingerprints: dict[str, Fingerprint], gone: Sequence[str]) -> None:
    """Note corpus files read whole and clean with their fingerprints, forget `gone` ones: after
    a commit, in a transaction of its own (a cache beside the generations, see the sources table)."""
    if not fingerprints and not gone:
        return
    db = sqlite3.connect(path, isolation_level=None)
    try:
        db.executescript(_SCHEMA)
        db.execute("BEGIN IMMEDIATE")
        db.executemany("DELETE FROM sources WHERE name = ?", [(name,) for name in gone])
        db.executemany(
            "INSERT OR REPLACE INTO sources (name, size, mtime_ns) VALUES (?, ?, ?)",
            [(name, size, mtime) for name, (size, mtime) in fingerprints.items()],
        )
        db.execute("COMMIT")
    finally:
        db.close()
