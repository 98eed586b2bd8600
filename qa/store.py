"""index/ on disk: a FAISS file of vectors, a SQLite chunk store and manifest.json tying them up.

Each build writes a new generation of files and then atomically replaces manifest.json, the one
commit point: a crash before that leaves the previous generation answering. Deciding *what*
to write is the build's job (qa/build.py); this module only stores and looks up.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import re
import shutil
import sqlite3
import threading
import zipfile
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import faiss
import numpy as np

from qa.articles import Article
from qa.chunking import Chunk, ChunkSettings, article_sentences, embedding_text
from qa.errors import IndexCorruptError, IndexFormatError, IndexMissingError, QAError
from qa.lexical import LexicalIndex, terms

FORMAT_VERSION = 4  # 3: sentence vectors; 4: BM25 as term counts, updated by rows
MANIFEST = "manifest.json"
# The manifest's file fields and the names a build gives them: a manifest naming anything else
# (`../../etc/passwd`) is refused before a file is opened.
_FILE_NAMES = {
    "vectors_file": re.compile(r"vectors-\d+\.faiss"),
    "chunks_file": re.compile(r"chunks-\d+\.sqlite"),
    "lexical_dir": re.compile(r"bm25-\d+"),
}
_TABLES = ("articles", "chunks", "sentences")
# A reader re-reads a manifest that changed while it opened the files (a build committed and
# removed them); commits come much further apart than an open takes, so a few tries settle it.
_OPEN_ATTEMPTS = 10


@dataclass(frozen=True)
class IndexSettings:
    """Everything that decides what the vectors are: a change means a full rebuild."""

    model: str
    dimension: int
    chunking: ChunkSettings
    cleaning_version: int

    def as_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> IndexSettings:
        """Raises ValueError naming the field that is missing or not what a build writes."""
        _no_other_fields(data, cls, "settings.")
        chunking = _field(data, "chunking", dict, "settings.")
        _no_other_fields(chunking, ChunkSettings, "settings.chunking.")
        model = _field(data, "model", str, "settings.")
        if not model:
            raise ValueError("field settings.model is empty")
        return cls(
            model=model,
            dimension=_count(data, "dimension", "settings.", least=1),
            chunking=ChunkSettings(
                **{f.name: _count(chunking, f.name, "settings.chunking.") for f in fields(ChunkSettings)}
            ),
            cleaning_version=_count(data, "cleaning_version", "settings."),
        )


@dataclass
class Manifest:
    format_version: int
    settings: IndexSettings
    generation: int
    next_chunk_id: int  # ids are never reused, so a chunk id means one text for the index's life
    articles: dict[str, str]  # article id → content hash of the file it was read from
    vectors_file: str
    chunks_file: str
    lexical_dir: str
    build: dict = field(default_factory=dict)

    def to_json(self) -> str:
        data = asdict(self)
        data["settings"] = self.settings.as_dict()
        return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict) -> Manifest:
        """Raises ValueError naming the field that is missing or not what a build writes."""
        _no_other_fields(data, cls)
        articles = _field(data, "articles", dict)
        for article_id, digest in articles.items():
            if not isinstance(digest, str):
                raise ValueError(f"field articles[{article_id!r}] is {_json_kind(digest)}, not a string")
        build = _field(data, "build", dict) if "build" in data else {}
        return cls(
            format_version=_count(data, "format_version"),
            settings=IndexSettings.from_dict(_field(data, "settings", dict)),
            generation=_count(data, "generation"),
            next_chunk_id=_count(data, "next_chunk_id"),
            articles=articles,
            vectors_file=_file_name(data, "vectors_file"),
            chunks_file=_file_name(data, "chunks_file"),
            lexical_dir=_file_name(data, "lexical_dir"),
            build=build,
        )


def _field(data: dict, name: str, kind: type, where: str = "") -> Any:
    """`data[name]` if it is a `kind`; a ValueError naming the field otherwise."""
    if name not in data:
        raise ValueError(f"field {where}{name} is missing")
    value = data[name]
    # JSON's true and false are bools, and a bool is an int to isinstance: not a count, though.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ValueError(f"field {where}{name} is {_json_kind(value)}, not {_KIND_NAMES[kind]}")
    return value


def _count(data: dict, name: str, where: str = "", least: int = 0) -> int:
    value = _field(data, name, int, where)
    if value < least:
        raise ValueError(f"field {where}{name} is {value}, not a whole number of at least {least}")
    return value


def _file_name(data: dict, name: str) -> str:
    """A file of the index folder, as a build names it: never a path that leads out of it."""
    value = _field(data, name, str)
    if not _FILE_NAMES[name].fullmatch(value):
        expected = _FILE_NAMES[name].pattern.replace("\\d+", "NNNNN").replace("\\", "")
        raise ValueError(f"field {name} is {json.dumps(value)}, not a file of the index folder ({expected})")
    return value


def _no_other_fields(data: dict, kind: type, where: str = "") -> None:
    known = {f.name for f in fields(kind)}
    other = sorted(set(data) - known)
    if other:
        raise ValueError(f"field {where}{other[0]} is not one a qa index has")


_KIND_NAMES = {int: "a whole number", str: "a string", dict: "an object"}


def _json_kind(value: object) -> str:
    """How a JSON value reads to whoever edits the manifest: `a string ("4")`."""
    kinds = {bool: "true/false", int: "a number", float: "a number", str: "a string", list: "a list"}
    kind = "an object" if isinstance(value, dict) else "null" if value is None else kinds[type(value)]
    shown = json.dumps(value, ensure_ascii=False)
    return f"{kind} ({shown[:37] + '...' if len(shown) > 40 else shown})"


@dataclass(frozen=True)
class ArticleInfo:
    """An indexed article's metadata, without its text."""

    id: str
    title: str
    date: str | None
    category: str | None
    url: str | None
    path: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class StoredChunk:
    id: int
    article: ArticleInfo
    position: int
    start: int
    end: int
    text: str
    sentences: tuple[tuple[int, int], ...]  # (start, end) in the article


_SCHEMA = """
CREATE TABLE IF NOT EXISTS articles (
    id TEXT PRIMARY KEY, title TEXT NOT NULL, date TEXT, category TEXT, url TEXT,
    path TEXT NOT NULL, hash TEXT NOT NULL, text TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY, article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    position INTEGER NOT NULL, start INTEGER NOT NULL, "end" INTEGER NOT NULL, text TEXT NOT NULL,
    sentences TEXT NOT NULL  -- JSON [[start, end], ...] in the article: answers need no re-splitting
);
CREATE INDEX IF NOT EXISTS chunks_article ON chunks(article_id);
-- Every sentence of the chunks, embedded at build time (half precision), so that choosing the
-- answer sentences needs no encoder call at question time.
CREATE TABLE IF NOT EXISTS sentences (
    article_id TEXT NOT NULL REFERENCES articles(id) ON DELETE CASCADE,
    start INTEGER NOT NULL, "end" INTEGER NOT NULL, vector BLOB NOT NULL
);
-- A rowid table: WITHOUT ROWID would put each 1 KB vector on overflow pages (4x the file).
CREATE INDEX IF NOT EXISTS sentences_article ON sentences(article_id, start);
"""
SentenceKey = tuple[str, int, int]  # (article id, start, end)
# Chunk ids in order; the distinct (date, category) pairs of their articles; each chunk's pair.
_Catalogue = tuple[np.ndarray, list[tuple[str | None, str | None]], np.ndarray]
_ARTICLE_COLUMNS = "a.id, a.title, a.date, a.category, a.url, a.path"


def read_manifest(folder: Path) -> Manifest | None:
    """The folder's manifest, None if there is no index there yet.

    Every field is checked to be what a build writes, with an error naming the field; the format
    version first, since another version's manifest may have other fields.
    """
    path = folder / MANIFEST
    if not path.exists():
        return None
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise IndexCorruptError(f"cannot read {path} ({e.strerror}); check its permissions") from None
    try:
        try:
            data = json.loads(text)
        except ValueError as e:
            raise ValueError(f"not JSON ({e})") from None
        if not isinstance(data, dict):
            raise ValueError(f"it is {_json_kind(data)}, not an object")
        found = _count(data, "format_version")
        if found != FORMAT_VERSION:
            raise IndexFormatError(
                f"{path} has index format {found}, this qa reads "
                f"{FORMAT_VERSION}; run `qa build --index {folder}` to rebuild it",
                found,
            )
        return Manifest.from_dict(data)
    except ValueError as e:
        raise _damaged(folder, f"{path} is not a qa index manifest: {e}") from None


def _damaged(folder: Path, problem: str) -> IndexCorruptError:
    """The error for an index whose files are damaged: one line, the problem and the fix."""
    problem = " ".join(problem.splitlines())  # SQLite's reports can span lines
    return IndexCorruptError(f"{problem}; run `qa build --rebuild --index {folder}`", problem=problem)


class FaissStore:
    """A read-only view of one committed generation of the index; safe to share across threads."""

    def __init__(
        self,
        folder: Path,
        manifest: Manifest,
        vectors: faiss.Index,
        lexical: LexicalIndex,
        db: sqlite3.Connection,
    ):
        self.folder = folder
        self.manifest = manifest
        self.vectors = vectors
        self.lexical = lexical
        self._db = db
        self._lock = threading.Lock()
        self._chunk_catalogue: tuple[np.ndarray, list[tuple[str | None, str | None]], np.ndarray] | None = (
            None
        )

    @contextlib.contextmanager
    def _reading(self) -> Iterator[sqlite3.Connection]:
        """The chunk store, one caller at a time; a damaged page that a question runs into is an
        error the user can fix, not a traceback."""
        with self._lock:
            try:
                yield self._db
            except (sqlite3.ProgrammingError, sqlite3.InterfaceError):
                raise  # our own mistakes (a closed store, a bad statement) stay loud
            except sqlite3.DatabaseError as e:
                chunks_path = self.folder / self.manifest.chunks_file
                raise _damaged(self.folder, f"{chunks_path} is damaged ({e})") from None

    @classmethod
    def open(cls, folder: Path) -> FaissStore:
        """The committed generation, checked to be whole (counts, schema; `check` goes further)."""
        manifest = read_manifest(folder)
        for _ in range(_OPEN_ATTEMPTS):
            if manifest is None:
                hint = "" if folder == Path("index") else f" --index {folder}"
                raise IndexMissingError(f"no index in {folder}/ yet; run `qa build{hint}` first")
            try:
                return cls._open_generation(folder, manifest)
            except IndexCorruptError:
                # A build that committed meanwhile removes the generation being opened: that is a
                # race, not damage, and the manifest now names the generation to open instead.
                current = read_manifest(folder)
                if current == manifest:
                    raise
                manifest = current
        raise QAError(f"{folder}/ changed {_OPEN_ATTEMPTS} times while being opened; try again")

    @classmethod
    def _open_generation(cls, folder: Path, manifest: Manifest) -> FaissStore:
        vectors_path = folder / manifest.vectors_file
        chunks_path = folder / manifest.chunks_file
        lexical_path = folder / manifest.lexical_dir
        for path in (vectors_path, chunks_path, lexical_path):
            if not path.exists():
                raise _damaged(folder, f"{path} is missing")
        try:
            vectors = faiss.read_index(str(vectors_path))
        except RuntimeError:
            raise _damaged(folder, f"{vectors_path} is not a readable FAISS index") from None
        try:
            lexical = LexicalIndex.load(lexical_path)
        except (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile) as e:
            raise _damaged(
                folder, f"{lexical_path}/ is not a readable BM25 index ({e.__class__.__name__}: {e})"
            ) from None
        try:
            # as_uri percent-encodes the path: a folder named with "?", "#" or "%" opens too.
            db = sqlite3.connect(
                f"{chunks_path.resolve().as_uri()}?mode=ro", uri=True, check_same_thread=False
            )
        except sqlite3.DatabaseError as e:
            raise _damaged(folder, f"{chunks_path} is not a readable chunk store ({e})") from None
        try:
            tables = {row[0] for row in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            missing = [table for table in _TABLES if table not in tables]
            stored = 0 if missing else db.execute("SELECT count(*) FROM chunks").fetchone()[0]
        except sqlite3.DatabaseError as e:
            db.close()
            raise _damaged(folder, f"{chunks_path} is not a readable chunk store ({e})") from None
        problem = None
        if missing:
            problem = f"{chunks_path} has no {missing[0]} table"
        elif not (stored == vectors.ntotal == len(lexical)) or vectors.d != manifest.settings.dimension:
            problem = (
                f"{folder}/ is inconsistent ({vectors.ntotal} vectors of dimension {vectors.d}, "
                f"{len(lexical)} in BM25, {stored} chunks, manifest says dimension "
                f"{manifest.settings.dimension})"
            )
        if problem:
            db.close()
            raise _damaged(folder, problem)
        # One question scans the vectors once: on 2 cores a second OpenMP thread saved nothing
        # (fp16, 100k chunks: 10 ms either way) and, when the other core is busy, its barrier
        # waits cost far more than the scan.
        faiss.omp_set_num_threads(1)
        return cls(folder, manifest, vectors, lexical, db)

    def check(self) -> None:
        """What `open` leaves out to stay fast: every page of the chunk store, and the same chunks in
        it, the vectors and BM25, the same articles as the manifest.

        A build runs it before carrying this generation forward: the chunk store is copied page by
        page, so damage not found here would live on in every later generation.
        """
        chunks_path = self.folder / self.manifest.chunks_file
        with self._reading() as db:
            (verdict,) = db.execute("PRAGMA quick_check(1)").fetchone()
            if verdict != "ok":
                raise _damaged(self.folder, f"{chunks_path} is damaged ({verdict})")
            stored = np.array([row[0] for row in db.execute("SELECT id FROM chunks ORDER BY id")], np.int64)
            articles = {row[0] for row in db.execute("SELECT id FROM articles")}
        manifest_path = self.folder / MANIFEST
        if articles != set(self.manifest.articles):
            raise _damaged(
                self.folder,
                f"{chunks_path} holds {len(articles)} articles, {manifest_path} lists "
                f"{len(self.manifest.articles)} ({len(articles ^ set(self.manifest.articles))} differ)",
            )
        if len(stored) and stored[-1] >= self.manifest.next_chunk_id:
            raise _damaged(
                self.folder,
                f"{chunks_path} holds chunk {stored[-1]}, {manifest_path} says ids start at "
                f"{self.manifest.next_chunk_id}",
            )
        if not isinstance(self.vectors, faiss.IndexIDMap2):
            raise _damaged(self.folder, f"{self.folder / self.manifest.vectors_file} has no chunk ids")
        vector_ids = np.sort(faiss.vector_to_array(self.vectors.id_map))
        lexical_ids = np.sort(self.lexical.chunk_ids)
        for path, ids in ((self.manifest.vectors_file, vector_ids), (self.manifest.lexical_dir, lexical_ids)):
            if not np.array_equal(ids, stored):
                raise _damaged(self.folder, f"{self.folder / path} holds other chunks than {chunks_path}")

    def close(self) -> None:
        self._db.close()

    def count(self) -> int:
        return self.vectors.ntotal

    def search(
        self, queries: np.ndarray, k: int, allowed: np.ndarray | None = None
    ) -> list[list[tuple[int, float]]]:
        """For each query vector, up to k (chunk id, inner product) pairs, best first.

        `allowed` restricts the search to those chunk ids (filters), inside FAISS, so a
        narrow filter still gets k results rather than whatever survives a top-k.
        """
        k = min(k, self.vectors.ntotal if allowed is None else len(allowed))
        if k == 0:
            return [[] for _ in range(len(queries))]
        params = None
        if allowed is not None:
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(allowed.astype(np.int64, copy=False)))
        scores, ids = self.vectors.search(np.ascontiguousarray(queries, dtype=np.float32), k, params=params)
        return [
            [(int(i), float(s)) for i, s in zip(row_ids, row_scores, strict=True) if i != -1]
            for row_ids, row_scores in zip(ids, scores, strict=True)
        ]

    def chunks(self, ids: Sequence[int]) -> dict[int, StoredChunk]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        with self._reading() as db:
            rows = db.execute(
                f'SELECT c.id, c.position, c.start, c."end", c.text, c.sentences, {_ARTICLE_COLUMNS} '
                f"FROM chunks c JOIN articles a ON a.id = c.article_id WHERE c.id IN ({marks})",
                [int(i) for i in ids],
            ).fetchall()
        return {
            row[0]: StoredChunk(
                row[0],
                ArticleInfo(*row[6:]),
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
        with self._reading() as db:
            for article_id in {k[0] for k in wanted}:
                starts = sorted({k[1] for k in wanted if k[0] == article_id})
                rows = db.execute(
                    f'SELECT start, "end", vector FROM sentences WHERE article_id = ? '
                    f"AND start IN ({','.join('?' * len(starts))})",
                    [article_id, *starts],
                ).fetchall()
                for start, end, blob in rows:
                    if (article_id, start, end) in wanted:
                        vector = np.frombuffer(blob, dtype=np.float16).astype(np.float32)
                        found[article_id, start, end] = vector
        return found

    def lexical_search(
        self, question: str, k: int, allowed: np.ndarray | None = None
    ) -> list[tuple[int, float]]:
        return self.lexical.search(question, k, allowed)

    def chunk_ids_where(self, admits: Callable[[str | None, str | None], bool]) -> np.ndarray:
        """Sorted ids of the chunks whose article's (date, category) `admits` accepts.

        `admits` runs once per distinct (date, category) pair, not per article: a filtered
        question at 100k chunks then costs about a millisecond instead of a scan of every
        article row.
        """
        ids, pairs, pair_of_chunk = self._catalogue()
        accepted = np.fromiter(
            (admits(date, category) for date, category in pairs), dtype=bool, count=len(pairs)
        )
        return ids[accepted[pair_of_chunk]]

    def _catalogue(self) -> _Catalogue:
        # Read once per opened generation, which never changes.
        with self._reading() as db:
            if self._chunk_catalogue is None:
                rows = db.execute(
                    "SELECT c.id, a.date, a.category FROM chunks c JOIN articles a ON a.id = c.article_id "
                    "ORDER BY c.id"
                ).fetchall()
                index: dict[tuple[str | None, str | None], int] = {}
                pair_of_chunk = np.fromiter(
                    (index.setdefault((date, category), len(index)) for _, date, category in rows),
                    dtype=np.int32,
                    count=len(rows),
                )
                ids = np.fromiter((row[0] for row in rows), dtype=np.int64, count=len(rows))
                self._chunk_catalogue = (ids, list(index), pair_of_chunk)
            return self._chunk_catalogue

    def articles(self) -> list[ArticleInfo]:
        with self._reading() as db:
            rows = db.execute(f"SELECT {_ARTICLE_COLUMNS} FROM articles a ORDER BY a.date, a.id").fetchall()
        return [ArticleInfo(*row) for row in rows]

    def article_text(self, article_id: str) -> str:
        with self._reading() as db:
            row = db.execute("SELECT text FROM articles WHERE id = ?", (article_id,)).fetchone()
        if row is None:
            raise QAError(f"no article {article_id!r} in {self.folder}/")
        return row[0]


class IndexWriter:
    """Builds the next generation from the last one; nothing is visible until commit()."""

    def __init__(self, folder: Path, settings: IndexSettings, base: FaissStore | None):
        self.folder = folder
        self.settings = settings
        previous = base.manifest if base else None
        # The committed generation must survive a full rebuild until the new one is committed.
        try:
            committed = read_manifest(folder)
        except IndexCorruptError:
            committed = None
        self.generation = (committed.generation + 1) if committed else 1
        self.next_chunk_id = previous.next_chunk_id if previous else 0
        self.articles = dict(previous.articles) if previous else {}
        self.vectors_file = f"vectors-{self.generation:05d}.faiss"
        self.chunks_file = f"chunks-{self.generation:05d}.sqlite"
        self.lexical_dir = f"bm25-{self.generation:05d}"
        self.committed = False
        remove_leftovers(folder, keep=committed)
        chunks_path = folder / self.chunks_file
        self.db = sqlite3.connect(chunks_path)
        # BM25 changes by rows: the chunks dropped and the chunks added, applied at commit.
        self.lexical = base.lexical if base is not None else LexicalIndex.build([], [])
        self.removed_chunks: list[int] = []
        self.added_chunks: list[int] = []
        self.added_terms: list[list[str]] = []
        if base is not None:
            with base._lock:
                base._db.backup(self.db)
            self.vectors = faiss.clone_index(base.vectors)
        else:
            # An exhaustive scan is exact and needs no training, but at 100k chunks it reads the
            # whole matrix per question: memory bandwidth, not arithmetic, sets its speed.
            # Half-precision codes halve that (10 ms instead of 20 at 100k x 512 on 2 cores)
            # and keep cosines within about 1e-3; ids and removal work as with a flat index.
            exact_enough = faiss.IndexScalarQuantizer(
                settings.dimension, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT
            )
            self.vectors = faiss.IndexIDMap2(exact_enough)
        self.db.executescript(_SCHEMA)
        self.db.execute("PRAGMA foreign_keys = ON")

    def remove_articles(self, article_ids: Sequence[str]) -> int:
        """Drop the articles and their vectors; returns how many chunks went."""
        removed = 0
        for article_id in article_ids:
            ids = [
                row[0] for row in self.db.execute("SELECT id FROM chunks WHERE article_id = ?", (article_id,))
            ]
            if ids:
                removed += self.vectors.remove_ids(np.array(ids, dtype=np.int64))
                self.removed_chunks += ids
            self.db.execute("DELETE FROM chunks WHERE article_id = ?", (article_id,))
            self.db.execute("DELETE FROM sentences WHERE article_id = ?", (article_id,))
            self.db.execute("DELETE FROM articles WHERE id = ?", (article_id,))
            self.articles.pop(article_id, None)
        return removed

    def add_article(
        self, article: Article, chunks: list[Chunk], vectors: np.ndarray, sentence_vectors: np.ndarray
    ) -> None:
        """`sentence_vectors` has a row per span of `article_sentences(chunks)`, in that order."""
        sentences = article_sentences(chunks)
        if len(chunks) != len(vectors) or len(sentences) != len(sentence_vectors):
            raise ValueError(
                f"{len(chunks)} chunks and {len(sentences)} sentences but {len(vectors)} chunk and "
                f"{len(sentence_vectors)} sentence vectors for {article.id}"
            )
        self.db.execute(
            "INSERT INTO articles (id, title, date, category, url, path, hash, text) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                article.id,
                article.title,
                article.date,
                article.category,
                article.url,
                article.path,
                article.hash,
                article.text,
            ),
        )
        ids = np.arange(self.next_chunk_id, self.next_chunk_id + len(chunks), dtype=np.int64)
        self.next_chunk_id += len(chunks)
        self.db.executemany(
            'INSERT INTO chunks (id, article_id, position, start, "end", text, sentences) '
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (int(i), c.article_id, c.position, c.start, c.end, c.text, json.dumps(c.sentences))
                for i, c in zip(ids, chunks, strict=True)
            ],
        )
        self.added_chunks += ids.tolist()
        self.added_terms += [terms(embedding_text(article, c)) for c in chunks]
        self.db.executemany(
            'INSERT INTO sentences (article_id, start, "end", vector) VALUES (?, ?, ?, ?)',
            [
                (article.id, start, end, row.astype(np.float16).tobytes())
                for (start, end), row in zip(sentences, sentence_vectors, strict=True)
            ],
        )
        if len(chunks):
            self.vectors.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids)
        self.articles[article.id] = article.hash

    def commit(self, build: dict) -> Manifest:
        """Write the files, then swap manifest.json in one rename: the moment the new index exists."""
        self.db.commit()
        self.db.close()
        _fsync(self.folder / self.chunks_file)
        vectors_path = self.folder / self.vectors_file
        faiss.write_index(self.vectors, str(vectors_path))
        _fsync(vectors_path)
        self._write_lexical()
        manifest = Manifest(
            format_version=FORMAT_VERSION,
            settings=self.settings,
            generation=self.generation,
            next_chunk_id=self.next_chunk_id,
            articles=dict(sorted(self.articles.items())),
            vectors_file=self.vectors_file,
            chunks_file=self.chunks_file,
            lexical_dir=self.lexical_dir,
            build={
                "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "faiss_version": faiss.__version__,
                **build,
            },
        )
        tmp = self.folder / (MANIFEST + ".tmp")
        tmp.write_text(manifest.to_json(), encoding="utf-8")
        _fsync(tmp)
        os.replace(tmp, self.folder / MANIFEST)
        # From here these files are the index: an interrupt while tidying up must not abort them.
        self.committed = True
        _fsync_dir(self.folder)
        remove_leftovers(self.folder, keep=manifest)
        return manifest

    def abort(self) -> None:
        """Throw the half-written generation away; the committed one is untouched."""
        if self.committed:
            return
        with contextlib.suppress(sqlite3.Error):
            self.db.close()
        for name in (self.vectors_file, self.chunks_file, self.lexical_dir):
            _remove(self.folder / name)

    def _write_lexical(self) -> None:
        lexical = self.lexical.updated(self.removed_chunks, self.added_chunks, self.added_terms)
        folder = self.folder / self.lexical_dir
        lexical.save(folder)
        # Like the other files, on disk before the manifest names them: after a power cut the
        # committed generation must be whole.
        for path in folder.iterdir():
            _fsync(path)
        _fsync_dir(folder)


@contextlib.contextmanager
def build_lock(folder: Path) -> Iterator[None]:
    """One build per index folder at a time, across processes."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".build.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise QAError(f"another build of {folder}/ is running; wait for it to finish") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def check_writable(folder: Path) -> None:
    """Refuse to build into a folder that holds something other than a qa index."""
    if not folder.exists():
        return
    if not folder.is_dir():
        raise QAError(f"{folder} is a file, not an index folder; pick another --index")
    ours = {MANIFEST, MANIFEST + ".tmp", ".build.lock", "README.md"}
    foreign = [p.name for p in folder.iterdir() if p.name not in ours and not _is_generation_file(p.name)]
    if foreign and not (folder / MANIFEST).exists():
        raise QAError(
            f"{folder}/ holds files that are not a qa index ({', '.join(sorted(foreign)[:3])}); "
            "pick an empty or new --index folder"
        )


def remove_leftovers(folder: Path, keep: Manifest | None) -> None:
    """Delete generations `keep` does not name: earlier ones, and those of a build that crashed or
    was killed (before its commit, or after it but before it removed the previous generation).

    Only with the build lock held: the next build's files would look like leftovers too.
    """
    referenced = {keep.vectors_file, keep.chunks_file, keep.lexical_dir} if keep else set()
    for path in folder.iterdir():
        if _is_generation_file(path.name) and path.name not in referenced:
            _remove(path)
    for path in folder.glob("*.sqlite-journal"):
        path.unlink(missing_ok=True)
    (folder / (MANIFEST + ".tmp")).unlink(missing_ok=True)


def _is_generation_file(name: str) -> bool:
    return any(pattern.fullmatch(name) for pattern in _FILE_NAMES.values())


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        _fsync(folder)
