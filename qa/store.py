"""index/ on disk, the embedded backend: a chunk store (SQLite) updated in place, vector (FAISS)
and BM25 segments written once each, and manifest.json naming the committed generation.

A build writes what changed only: its rows into the chunk store, tagged with its generation;
the vectors and term counts of what it added as one new segment; and, now and then, a merge of
small segments (or of one with many removed chunks). Swapping manifest.json in one rename is the
commit; a crash before it leaves the previous generation answering, and the next build undoes
what the crashed one wrote. Deciding *what* to write is qa/build.py's job; this module stores
and looks up, and `LocalIndex` is the door everything above it reads through.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import math
import os
import re
import shutil
import sqlite3
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from qa import files
from qa.articles import Article
from qa.chunking import Chunk, checked_sentences, embedding_text
from qa.chunkstore import (
    ArticleInfo,
    ChunkStore,
    Fingerprint,
    SentenceKey,
    StoredChunk,
    StoreWriter,
    record_sources,
)
from qa.errors import IndexCorruptError, IndexMissingError, QAError
from qa.filters import Filters
from qa.lexical import LexicalIndex, read_counts, save_counts, stack_counts, terms, write_counts
from qa.manifest import (
    FORMAT_VERSION,
    MANIFEST,
    IndexSettings,
    Manifest,
    Segment,
    damaged,
    read_manifest,
)
from qa.translations import Message
from qa.vectors import (
    IVF_ABOVE,
    VectorIndex,
    faiss_version,
    read_segment,
    segment_contents,
    segment_ids,
    write_merged_segment,
    write_segment,
)

__all__ = [
    "FORMAT_VERSION",
    "INDEX_TYPES",
    "MANIFEST",
    "ArticleInfo",
    "BuildBase",
    "IndexSettings",
    "IndexWriter",
    "LocalIndex",
    "LocalTarget",
    "Manifest",
    "SentenceKey",
    "StoredChunk",
    "VectorSettings",
    "build_lock",
    "check_writable",
    "read_manifest",
    "remove_leftovers",
]

# A reader re-reads a manifest that changed while it opened the files (a build committed and
# removed them); commits come much further apart than an open takes, so a few tries settle it.
_OPEN_ATTEMPTS = 10
# A build writes its new chunks as one segment, or several when it adds more than this many:
# the vectors of a segment are held in memory until it is written (200 MB at 512 dimensions).
SEGMENT_CHUNKS = 100_000
# Merge policy, by tiers of size (log base 8 of a segment's chunks): once a tier holds this many
# segments they become one of the next tier, so a question searches few segments while an
# update merges only small ones; a segment that has lost this share of its chunks to removals
# is rewritten without them.
_TIER_BASE = 8
_MERGE_AT = 6
_REWRITE_REMOVED = 0.25
# Filters whose admitted chunk ids an opened index keeps: a question uses two (the user's, and
# those narrowed to the period it names), a few threads ask at once.
_ADMITTED_KEPT = 16
_INDEX_FILE = re.compile(r"seg-\d{5,}(-\d+)?\.(faiss|bm25\.npz)|chunks-\d{5,}\.sqlite(-wal|-shm|-journal)?")


INDEX_TYPES = ("auto", "flat", "ivf")


@dataclass(frozen=True)
class VectorSettings:
    """How the vectors are searched: `kind` "auto" (exact below `ivf_above` chunks a segment,
    approximate above), "flat" (always exact) or "ivf" (approximate for every segment large
    enough to train on)."""

    kind: str = "auto"
    ivf_above: int = IVF_ABOVE

    def __post_init__(self) -> None:
        if self.kind not in INDEX_TYPES:
            raise ValueError(f"index type {self.kind!r} is not one of {', '.join(INDEX_TYPES)}")
        if self.ivf_above < 1:
            raise ValueError(f"ivf_above must be at least 1, not {self.ivf_above}")

    @classmethod
    def recorded_in(cls, manifest: Manifest | None) -> VectorSettings:
        """The settings the index's last build used (the default where it recorded none)."""
        recorded = manifest.build.get("vectors") if manifest else None
        try:
            return cls(**recorded) if isinstance(recorded, dict) else cls()
        except (TypeError, ValueError):
            return cls()

    def kind_for(self, chunks: int) -> str:
        if self.kind == "flat":
            return "flat"
        threshold = self.ivf_above if self.kind == "auto" else 1
        return "ivf" if chunks >= threshold else "flat"


@contextlib.contextmanager
def reading_store(folder: Path, manifest: Manifest) -> Iterator[None]:
    """A damaged page that a question or a build runs into is an error the user can fix, not a
    traceback."""
    try:
        yield
    except (sqlite3.ProgrammingError, sqlite3.InterfaceError):
        raise  # our own mistakes (a closed store, a bad statement) stay loud
    except sqlite3.DatabaseError as e:
        raise damaged(
            folder, Message("damage_store", path=folder / manifest.chunk_store, detail=str(e))
        ) from None


class LocalIndex:
    """One committed generation of an index folder, read-only; safe to share across threads."""

    def __init__(
        self, folder: Path, manifest: Manifest, store: ChunkStore, vectors: VectorIndex, lexical: LexicalIndex
    ):
        self.folder = folder
        self.manifest = manifest
        self._store = store
        self._vectors = vectors
        self._lexical = lexical
        self._catalogue: tuple[np.ndarray, list[tuple[str | None, str | None]], np.ndarray] | None = None
        self._catalogue_lock = threading.Lock()
        self._admitted: dict[Filters, np.ndarray] = {}  # the last few filters' chunk ids

    @property
    def settings(self) -> IndexSettings:
        return self.manifest.settings

    @property
    def generation(self) -> int:
        return self.manifest.generation

    @property
    def where(self) -> str:
        """Where the manifest lives, for messages."""
        return str(self.folder / MANIFEST)

    def committed_generation(self) -> int | None:
        """The generation committed now, which may be later than the one this reads."""
        manifest = read_manifest(self.folder)
        return manifest.generation if manifest else None

    @classmethod
    def open(cls, folder: Path) -> LocalIndex:
        """The committed generation, checked to be whole (counts, schema; `check` goes further)."""
        manifest = read_manifest(folder)
        for _ in range(_OPEN_ATTEMPTS):
            if manifest is None:
                hint = "" if folder == Path("index") else f" --index {folder}"
                raise IndexMissingError("error_no_index", folder=folder, hint=hint)
            try:
                return cls._open_generation(folder, manifest)
            except IndexCorruptError:
                # A build that committed meanwhile removes the segments being opened: that is a
                # race, not damage, and the manifest now names the generation to open instead.
                current = read_manifest(folder)
                if current == manifest:
                    raise
                manifest = current
        raise QAError("error_index_changing", folder=folder, n=_OPEN_ATTEMPTS)

    @classmethod
    def _open_generation(cls, folder: Path, manifest: Manifest) -> LocalIndex:
        store_path = folder / manifest.chunk_store
        for path in (folder / name for name in manifest.files()):
            if not path.exists():
                raise damaged(folder, Message("damage_missing", path=path))
        try:
            store = ChunkStore.open(store_path, manifest.generation)
        except ValueError as e:
            raise damaged(folder, Message("damage_store_detail", path=store_path, detail=str(e))) from None
        except sqlite3.DatabaseError as e:
            raise damaged(folder, Message("damage_not_store", path=store_path, detail=str(e))) from None
        try:
            removed = store.removed_ids()
            articles, chunks = store.counts()
            vocabulary = store.vocabulary()
        except sqlite3.DatabaseError as e:
            store.close()
            raise damaged(folder, Message("damage_not_store", path=store_path, detail=str(e))) from None
        try:
            vectors = VectorIndex.load(
                [folder / f"{s.name}.faiss" for s in manifest.segments], removed, manifest.settings.dimension
            )
            counts = []
            for segment in manifest.segments:
                path = folder / f"{segment.name}.bm25.npz"
                try:
                    counts.append(read_counts(path))
                except ValueError as e:
                    raise ValueError(f"{path} is {e}") from None
            lexical = LexicalIndex.from_segments(counts, removed, vocabulary)
        except ValueError as e:
            store.close()
            raise damaged(folder, Message("damage_detail", detail=str(e))) from None
        if (
            not (chunks == vectors.count() == len(lexical) == manifest.chunks)
            or articles != manifest.articles
        ):
            store.close()
            raise damaged(
                folder,
                Message(
                    "damage_inconsistent", folder=folder, vectors=vectors.count(), bm25=len(lexical),
                    chunks=chunks, articles=articles, manifest_chunks=manifest.chunks,
                    manifest_articles=manifest.articles,
                ),
            )  # fmt: skip
        return cls(folder, manifest, store, vectors, lexical)

    @contextlib.contextmanager
    def _reading(self) -> Iterator[None]:
        with reading_store(self.folder, self.manifest):
            yield

    def check(self) -> None:
        """What `open` leaves out to stay fast: every page of the chunk store, and the same chunks in
        it, the vectors and BM25. A build runs it before carrying this generation forward."""
        store_path = self.folder / self.manifest.chunk_store
        with self._reading():
            verdict = self._store.quick_check()
            if verdict != "ok":
                raise damaged(self.folder, Message("damage_store", path=store_path, detail=verdict))
            stored = self._store.live_ids()
        if len(stored) and stored[-1] >= self.manifest.next_chunk_id:
            raise damaged(
                self.folder,
                Message(
                    "damage_chunk_ids", path=store_path, chunk=stored[-1], manifest=self.folder / MANIFEST,
                    next=self.manifest.next_chunk_id,
                ),
            )  # fmt: skip
        for what, ids in (
            ("what_vectors", self._vectors.ids()),
            ("what_bm25", np.sort(self._lexical.chunk_ids)),
        ):
            if not np.array_equal(ids, stored):
                raise damaged(
                    self.folder,
                    Message("damage_other_chunks", what=Message(what), folder=self.folder, path=store_path),
                )

    def close(self) -> None:
        self._store.close()

    def count(self) -> int:
        return self._vectors.count()

    # --- what a question needs -------------------------------------------------------------

    def search(self, vector: np.ndarray, k: int, filters: Filters | None = None) -> list[tuple[int, float]]:
        """Up to k (chunk id, cosine) pairs for a query vector, best first; `filters` restrict the
        search to the chunks of the articles they admit, inside the vector index."""
        allowed = self._allowed(filters)
        if allowed is not None and not len(allowed):
            return []
        return [(hit.chunk_id, hit.score) for hit in self._vectors.search(vector, k, allowed)]

    def lexical_search(self, text: str, k: int, filters: Filters | None = None) -> list[tuple[int, float]]:
        """Up to k (chunk id, BM25 score) pairs with a positive score, best first."""
        allowed = self._allowed(filters)
        if allowed is not None and not len(allowed):
            return []
        return self._lexical.search(text, k, allowed)

    def _allowed(self, filters: Filters | None) -> np.ndarray | None:
        if filters is None or not filters.active:
            return None
        # A question searches with the same filters twice (vectors, BM25): they are worked out once.
        with self._catalogue_lock:
            found = self._admitted.get(filters)
        if found is None:
            found = self.chunk_ids_where(filters)
            with self._catalogue_lock:
                if len(self._admitted) >= _ADMITTED_KEPT:
                    self._admitted.pop(next(iter(self._admitted)))
                self._admitted[filters] = found
        return found

    def idf(self, term: str) -> float:
        return self._lexical.idf(term)

    def chunks(self, ids: Sequence[int]) -> dict[int, StoredChunk]:
        with self._reading():
            return self._store.chunks(ids)

    def sentence_vectors(self, keys: Sequence[SentenceKey]) -> dict[SentenceKey, np.ndarray]:
        with self._reading():
            return self._store.sentence_vectors(keys)

    def article_text(self, article_id: str) -> str:
        with self._reading():
            text = self._store.article_text(article_id)
        if text is None:
            raise QAError("error_no_article", id=repr(article_id), where=f"{self.folder}/")
        return text

    def articles(self) -> list[ArticleInfo]:
        with self._reading():
            return self._store.articles()

    def article_hashes(self) -> dict[str, str]:
        """Article id → the content hash of what it was read from: what a build compares with."""
        with self._reading():
            return self._store.article_hashes()

    def articles_with_text(self, text_hash: str) -> list[str]:
        """The ids of the articles whose cleaned text has this qa.articles.text_hash."""
        with self._reading():
            return self._store.articles_with_text(text_hash)

    def chunk_ids_where(self, filters: Filters) -> np.ndarray:
        """Sorted ids of the chunks whose article `filters` admit.

        `filters.admits` runs once per distinct (date, category) pair, not per article: a
        filtered question at 100k chunks then costs about a millisecond instead of a scan of
        every article row.
        """
        with self._catalogue_lock:
            if self._catalogue is None:  # read once per opened generation, which never changes
                with self._reading():
                    self._catalogue = self._store.catalogue()
        ids, pairs, pair_of_chunk = self._catalogue
        accepted = np.fromiter(
            (filters.admits(date, category) for date, category in pairs), dtype=bool, count=len(pairs)
        )
        return ids[accepted[pair_of_chunk]]

    def contents(self) -> Iterator[tuple[Article, list[Chunk], np.ndarray, np.ndarray]]:
        """Every article whole, one at a time, as a build handed it to the writer: the article,
        its chunks, their vectors and its sentences' vectors (to copy the index elsewhere)."""
        with self._reading():
            for article, chunks, ids, sentence_vectors in self._store.contents():
                yield article, chunks, self._vectors.vectors(ids), sentence_vectors

    def sources(self) -> dict[str, tuple[int, int]]:
        with self._reading():
            return self._store.sources()

    def stats(self) -> dict:
        """What the index holds, for `qa stats` and the app."""
        return folder_stats(self.folder, self.manifest)

    @classmethod
    def describe(cls, folder: Path) -> tuple[dict, list[ArticleInfo]]:
        """`stats` and `articles` of the committed generation, read from its manifest and chunk
        store alone: `qa stats` need not load the vectors and BM25 (13 s at a million chunks).
        The files are checked to exist and the chunk store to agree with the manifest's counts."""
        manifest = read_manifest(folder)
        if manifest is None:
            hint = "" if folder == Path("index") else f" --index {folder}"
            raise IndexMissingError("error_no_index", folder=folder, hint=hint)
        store = _open_checked_store(folder, manifest)
        try:
            with reading_store(folder, manifest):
                articles = store.articles()
        finally:
            store.close()
        return folder_stats(folder, manifest), articles


def folder_stats(folder: Path, manifest: Manifest) -> dict:
    """What a generation of an index folder holds, as `qa stats` and the app show it."""
    settings = manifest.settings
    return {
        "index": str(folder),
        "articles": manifest.articles,
        "chunks": manifest.chunks,
        "model": settings.model,
        "dimension": settings.dimension,
        "chunking": settings.as_dict()["chunking"],
        "generation": manifest.generation,
        "segments": [{"name": s.name, "chunks": s.chunks, "kind": s.kind} for s in manifest.segments],
        "disk_bytes": _disk_bytes(folder, manifest),
        "build": manifest.build,
    }


def _disk_bytes(folder: Path, manifest: Manifest) -> dict[str, int]:
    """Bytes on disk of each part of a generation, and in all."""

    def size(name: str) -> int:
        path = folder / name
        return path.stat().st_size if path.exists() else 0

    segments = manifest.segments
    disk = {
        "vectors": sum(size(f"{s.name}.faiss") for s in segments),
        "chunks": size(manifest.chunk_store),
        "lexical": sum(size(f"{s.name}.bm25.npz") for s in segments),
        "manifest": size(MANIFEST),
    }
    return {**disk, "total": sum(disk.values())}


def _open_checked_store(folder: Path, manifest: Manifest) -> ChunkStore:
    """The chunk store of `manifest`'s generation, opened after checking that the files the manifest
    names exist, and checked to agree with its counts and next chunk id; IndexCorruptError names
    what does not."""
    for path in (folder / name for name in manifest.files()):
        if not path.exists():
            raise damaged(folder, Message("damage_missing", path=path))
    store_path = folder / manifest.chunk_store
    try:
        store = ChunkStore.open(store_path, manifest.generation)
    except (ValueError, sqlite3.DatabaseError) as e:
        raise damaged(folder, Message("damage_not_store", path=store_path, detail=str(e))) from None
    try:
        with reading_store(folder, manifest):
            counts, last = store.counts(), store.max_chunk_id()
    except BaseException:
        store.close()
        raise
    if counts != (manifest.articles, manifest.chunks) or last >= manifest.next_chunk_id:
        store.close()
        raise damaged(
            folder,
            Message(
                "damage_counts", path=store_path, chunks=counts[1], articles=counts[0], last=last,
                manifest=folder / MANIFEST, manifest_chunks=manifest.chunks,
                manifest_articles=manifest.articles, next=manifest.next_chunk_id,
            ),
        )  # fmt: skip
    return store


# Up to this many chunks a build checks the committed generation whole before building on it:
# every page of the chunk store, and the same chunks in it, the vectors and BM25. Above, that
# would read the whole index (seconds at a million chunks) on every update of one article, so a
# build checks what it builds on: the files the manifest names exist, the chunk store opens and
# agrees with the manifest's counts and next chunk id. A question that meets damage still says so.
FULL_CHECK_CHUNKS = 200_000


class BuildBase:
    """The committed generation as a build sees it: its manifest, what its articles were read
    from, and the corpus files' fingerprints; opened without loading vectors or BM25, so that an
    update costs what changed, not what the index holds."""

    def __init__(self, folder: Path, manifest: Manifest, store: ChunkStore):
        self.folder = folder
        self.manifest = manifest
        self._store = store

    @classmethod
    def open(cls, folder: Path) -> BuildBase:
        """Raises IndexCorruptError (naming the problem) when the generation is not fit to build on."""
        manifest = read_manifest(folder)
        if manifest is None:
            raise IndexMissingError("error_no_index_yet", folder=folder)
        if manifest.chunks <= FULL_CHECK_CHUNKS:
            index = LocalIndex.open(folder)
            try:
                index.check()
            finally:
                index.close()
        return cls(folder, manifest, _open_checked_store(folder, manifest))

    @contextlib.contextmanager
    def _reading(self) -> Iterator[None]:
        with reading_store(self.folder, self.manifest):
            yield

    def article_hashes(self) -> dict[str, str]:
        """Article id → the content hash of what it was read from: what a build compares with."""
        with self._reading():
            return self._store.article_hashes()

    def articles_with_text(self, text_hash: str) -> list[str]:
        """The ids of the committed articles whose cleaned text has this qa.articles.text_hash."""
        with self._reading():
            return self._store.articles_with_text(text_hash)

    def sources(self) -> dict[str, tuple[int, int]]:
        with self._reading():
            return self._store.sources()

    def close(self) -> None:
        self._store.close()


class IndexWriter:
    """Writes the next generation: rows into the chunk store, a new segment of what was added,
    merges; nothing is visible until `commit` swaps the manifest."""

    def __init__(
        self,
        folder: Path,
        settings: IndexSettings,
        base: BuildBase | None,
        vectors: VectorSettings | None = None,
    ):
        """`base`: the committed generation to build on; None writes a whole new index beside
        the committed one (which keeps answering until the commit)."""
        self.folder = folder
        self.settings = settings
        self.vector_settings = vectors or VectorSettings()
        try:
            committed = read_manifest(folder)
        except IndexCorruptError:
            committed = None
        self.generation = (committed.generation + 1) if committed else 1
        remove_leftovers(folder, keep=committed)
        self.base_segments = list(base.manifest.segments) if base else []
        self.next_chunk_id = base.manifest.next_chunk_id if base else 0
        self.base_counts = (base.manifest.articles, base.manifest.chunks) if base else (0, 0)
        self.committed = False
        self.written: list[Path] = []  # files this writer made, to remove on abort
        if base is None:
            # A whole new index: a fresh chunk store beside the committed one, which keeps
            # answering until the manifest names this one.
            self.chunk_store = f"chunks-{self.generation:05d}.sqlite"
            self.written += [
                folder / f"{self.chunk_store}{suffix}" for suffix in ("", "-wal", "-shm", "-journal")
            ]
        else:
            self.chunk_store = base.manifest.chunk_store
        self.store = StoreWriter(
            folder / self.chunk_store, self.generation, [s.name for s in self.base_segments]
        )
        self.new_segments: list[Segment] = []
        self._pending_ids: list[np.ndarray] = []
        self._pending_vectors: list[np.ndarray] = []
        self._pending_terms: list[list[int]] = []

    def remove_articles(self, article_ids: Sequence[str]) -> int:
        """Drop the articles and their chunks from the next generation; how many chunks went."""
        return len(self.store.remove_articles(article_ids))

    def add_article(
        self, article: Article, chunks: list[Chunk], vectors: np.ndarray, sentence_vectors: np.ndarray
    ) -> None:
        """`sentence_vectors` has a row per span of `article_sentences(chunks)`, in that order."""
        sentences = checked_sentences(article.id, chunks, vectors, sentence_vectors)
        ids = np.arange(self.next_chunk_id, self.next_chunk_id + len(chunks), dtype=np.int64)
        self.next_chunk_id += len(chunks)
        self.store.add_article(
            article, chunks, ids, sentences, sentence_vectors, self._segment_name(len(self.new_segments))
        )
        self._pending_ids.append(ids)
        self._pending_vectors.append(np.asarray(vectors, dtype=np.float32))
        self._pending_terms += [self.store.term_ids(terms(embedding_text(article, c))) for c in chunks]
        if sum(len(i) for i in self._pending_ids) >= SEGMENT_CHUNKS:
            self._flush()

    def _segment_name(self, n: int) -> str:
        return f"seg-{self.generation:05d}" + (f"-{n}" if n else "")

    def _flush(self) -> None:
        """Write the chunks added since the last flush as a segment."""
        if not self._pending_ids:
            return
        ids = np.concatenate(self._pending_ids)
        vectors = np.concatenate(self._pending_vectors)
        segment = Segment(
            self._segment_name(len(self.new_segments)), len(ids), self.vector_settings.kind_for(len(ids))
        )
        self._write(segment, ids, vectors, self._pending_terms)
        self.new_segments.append(segment)
        self._pending_ids, self._pending_vectors, self._pending_terms = [], [], []

    def _write(
        self, segment: Segment, ids: np.ndarray, vectors: np.ndarray, term_ids: Sequence[Sequence[int]]
    ) -> None:
        for suffix in (".faiss", ".bm25.npz"):
            self.written.append(self.folder / f"{segment.name}{suffix}")
        write_segment(self.folder / f"{segment.name}.faiss", ids, vectors, segment.kind)
        write_counts(self.folder / f"{segment.name}.bm25.npz", ids, term_ids, self.store.vocabulary_size)

    def _merge(self, segments: Sequence[Segment], removed: np.ndarray) -> Segment:
        """One segment holding the live chunks of `segments`; named as this build's next one.

        Vectors are read one source segment at a time (write_merged_segment): a merge into a
        million-chunk segment held 2 GB of float32 vectors and a training copy at once."""
        ids_parts, count_parts = [], []
        for segment in segments:
            ids = segment_ids(read_segment(self.folder / f"{segment.name}.faiss"))
            ids = ids[~np.isin(ids, removed)]
            count_ids, counts = read_counts(self.folder / f"{segment.name}.bm25.npz")
            row_of = {int(i): n for n, i in enumerate(count_ids)}
            ids_parts.append(ids)
            count_parts.append(counts[np.array([row_of[int(i)] for i in ids], dtype=np.int64)])
        ids = np.concatenate(ids_parts)
        merged = Segment(
            self._segment_name(len(self.new_segments)), len(ids), self.vector_settings.kind_for(len(ids))
        )
        for suffix in (".faiss", ".bm25.npz"):
            self.written.append(self.folder / f"{merged.name}{suffix}")

        def parts() -> Iterator[tuple[np.ndarray, np.ndarray]]:
            for segment in segments:
                source_ids, vectors = segment_contents(read_segment(self.folder / f"{segment.name}.faiss"))
                keep = ~np.isin(source_ids, removed)
                yield source_ids[keep], vectors[keep]

        write_merged_segment(
            self.folder / f"{merged.name}.faiss", parts, len(ids), self.settings.dimension, merged.kind
        )
        save_counts(
            self.folder / f"{merged.name}.bm25.npz",
            ids,
            stack_counts(count_parts, self.store.vocabulary_size),
        )
        self.store.move_to_segment([s.name for s in segments], merged.name)
        return merged

    def _merged_segments(self) -> list[Segment]:
        """The segments the next generation reads, after the merge policy has run."""
        segments = self.base_segments + self.new_segments
        gone_from = self.store.removed_by_segment()
        removed = self.store.removed_ids()
        # A segment that lost many chunks is rewritten alone; then tiers of like size merge.
        for segment in list(segments):
            total, gone = segment.chunks, gone_from.get(segment.name, 0)
            if total and gone / total > _REWRITE_REMOVED:
                segments.remove(segment)
                merged = self._merge([segment], removed)
                self.new_segments.append(merged)
                segments.append(merged)
        while True:
            tiers: dict[int, list[Segment]] = {}
            for segment in segments:
                live = segment.chunks - gone_from.get(segment.name, 0)
                tiers.setdefault(int(math.log(max(live, 1), _TIER_BASE)), []).append(segment)
            full = next((group for _, group in sorted(tiers.items()) if len(group) >= _MERGE_AT), None)
            if full is None:
                return [s for s in segments if s.chunks]
            merged = self._merge(full, removed)
            self.new_segments.append(merged)
            segments = [s for s in segments if s not in full] + [merged]
            gone_from = self.store.removed_by_segment()

    def commit(self, build: dict) -> Manifest:
        """Write what is left, merge, commit the chunk store, then swap manifest.json in one rename:
        the moment the new generation exists."""
        self._flush()
        segments = self._merged_segments()
        w = self.store
        articles = self.base_counts[0] + w.articles_added - w.articles_removed
        chunks = self.base_counts[1] + w.chunks_added - w.chunks_removed
        self.store.commit()
        files.fsync(self.folder / self.chunk_store)
        manifest = Manifest(
            format_version=FORMAT_VERSION,
            settings=self.settings,
            generation=self.generation,
            next_chunk_id=self.next_chunk_id,
            articles=articles,
            chunks=chunks,
            segments=segments,
            chunk_store=self.chunk_store,
            build={
                "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "faiss_version": faiss_version(),
                "vectors": {"kind": self.vector_settings.kind, "ivf_above": self.vector_settings.ivf_above},
                **build,
            },
        )
        tmp = self.folder / (MANIFEST + ".tmp")
        tmp.write_text(manifest.to_json(), encoding="utf-8")
        files.fsync(tmp)
        files.fsync_dir(self.folder)  # the segment files' names, before the manifest that names them
        os.replace(tmp, self.folder / MANIFEST)
        # From here these files are the index: an interrupt while tidying up must not abort them.
        self.committed = True
        files.fsync_dir(self.folder)
        remove_leftovers(self.folder, keep=manifest)
        return manifest

    def abort(self) -> None:
        """Throw the half-written generation away; the committed one is untouched (the chunk
        store's rows of this generation are undone by the next build, or rolled back now)."""
        if self.committed:
            return
        self.store.abort()
        for path in self.written:
            path.unlink(missing_ok=True)


@contextlib.contextmanager
def build_lock(folder: Path) -> Iterator[None]:
    """One build per index folder at a time, across processes."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / ".build.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise QAError("error_build_running", where=f"{folder}/") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def check_writable(folder: Path) -> None:
    """Refuse to build into a folder that holds something other than a qa index."""
    if not folder.exists():
        return
    if not folder.is_dir():
        raise QAError("error_index_is_file", folder=folder)
    ours = {MANIFEST, MANIFEST + ".tmp", ".build.lock", "README.md"}
    foreign = [p.name for p in folder.iterdir() if p.name not in ours and not _INDEX_FILE.fullmatch(p.name)]
    if foreign and not (folder / MANIFEST).exists():
        raise QAError("error_foreign_files", folder=folder, names=", ".join(sorted(foreign)[:3]))


def remove_leftovers(folder: Path, keep: Manifest | None) -> None:
    """Delete the index files `keep` does not name: segments of a build that crashed or was killed
    or that a merge replaced, the chunk store of a full rebuild that never committed or that a
    committed full rebuild replaced.

    Only with the build lock held: the next build's files would look like leftovers too.
    """
    referenced = set(keep.files()) if keep else set()
    for path in folder.iterdir():
        match = _INDEX_FILE.fullmatch(path.name)
        if match and re.sub(r"-(wal|shm|journal)$", "", path.name) not in referenced:
            _remove(path)
    (folder / (MANIFEST + ".tmp")).unlink(missing_ok=True)


def _remove(path: Path) -> None:
    if path.is_dir():
        shutil.rmtree(path, ignore_errors=True)
    else:
        path.unlink(missing_ok=True)


class LocalTarget:
    """An index folder as a build sees it: its committed manifest, the lock, the leftovers of a
    crashed build, the corpus files' fingerprints, a base to build on and a writer (MilvusTarget's
    verbs, for qa/build.py)."""

    def __init__(self, folder: Path):
        self.folder = folder

    def __str__(self) -> str:
        return f"{self.folder}/"

    @property
    def where(self) -> str:
        return str(self.folder / MANIFEST)

    def close(self) -> None:
        """Nothing held open."""

    def check_writable(self) -> None:
        check_writable(self.folder)

    def lock(self) -> contextlib.AbstractContextManager[None]:
        return build_lock(self.folder)

    def committed(self) -> Manifest | None:
        return read_manifest(self.folder)

    def vector_settings(self, asked: object, previous: Manifest | None) -> VectorSettings:
        """What the build was asked for, else what the index has, else the default."""
        if asked is None:
            return VectorSettings.recorded_in(previous)
        if not isinstance(asked, VectorSettings):
            raise QAError("error_local_index_type", folder=self.folder, types=", ".join(INDEX_TYPES))
        return asked

    def tidy(self, keep: Manifest | None) -> None:
        remove_leftovers(self.folder, keep)

    def open_base(self, manifest: Manifest) -> BuildBase:
        return BuildBase.open(self.folder)

    def writer(self, settings: IndexSettings, base: BuildBase | None, vectors: VectorSettings) -> IndexWriter:
        return IndexWriter(self.folder, settings, base, vectors)

    def record_sources(
        self, manifest: Manifest, fingerprints: dict[str, Fingerprint], gone: Sequence[str]
    ) -> None:
        record_sources(self.folder / manifest.chunk_store, fingerprints, gone)
