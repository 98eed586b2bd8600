"""Building an index in Milvus: MilvusTarget (the lease, the leftovers of a crashed build, the
commit), MilvusBase and MilvusWriter, with the verbs of qa/store.py's LocalTarget, BuildBase and
IndexWriter.

Deciding what to write is qa/build.py's job; the collections' schema and the manifest are
qa/milvus.py's, reading qa/milvus_index.py's.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import re
import socket
import time
import uuid
from collections import Counter
from collections.abc import Iterator, Sequence

import numpy as np

from qa import __version__
from qa.articles import Article
from qa.chunking import Chunk, checked_sentences, embedding_text
from qa.errors import IndexCorruptError, QAError
from qa.lexical import terms
from qa.location import MilvusStore
from qa.manifest import IndexSettings
from qa.milvus import (
    FORMAT_VERSION,
    INSERT_ROWS,
    MilvusException,
    MilvusManifest,
    MilvusVectors,
    _batches,
    _count,
    _create,
    _hashes,
    _in,
    _key,
    _meta,
    _names,
    _query_all,
    _read_manifest,
    _with_text,
    connect,
    disconnect,
    speaking,
)
from qa.milvus_index import MilvusIndex
from qa.question import first_day, last_day

# pymilvus 2.5 packs a row's half-precision vector by appending its bytes to the batch's (`+=` on a
# protobuf bytes field, which copies what is there): 1,000-row batches of sentences spent 0.4 s
# each in that, most of a build's time; 100-row ones spend a tenth as much a row.
_INSERT_ROWS = {"chunks": INSERT_ROWS, "articles": INSERT_ROWS, "sentences": 100}
# Milvus keeps a VARCHAR to 65,535 bytes: an article's text is stored in parts of at most this
# many characters (4 bytes each at worst in UTF-8).
TEXT_PART_CHARS = 16_000
# A build on a server holds a lease in N_meta, renewed as it writes; one that died stops blocking
# others after this long (at once on the machine where it ran).
LEASE_SECONDS = 600
_LEASE_RENEW = 60
_DUMMY = np.zeros(2, dtype=np.float32)  # Milvus needs a vector field in every collection


def _meta_row(key: str, value: str) -> dict:
    return {"id": _key(key), "key": key, "value": value, "none": _DUMMY}


def _term_row(term: str, df: int, generation: int, df_before: int) -> dict:
    return {
        "id": _key(term),
        "term": term,
        "df": df,
        "gen": generation,
        "df_before": df_before,
        "none": _DUMMY,
    }


class MilvusTarget:
    """An index in Milvus as a build sees it: its committed manifest, the lock, the leftovers of a
    crashed build, the corpus files' fingerprints, a base to build on and a writer."""

    def __init__(self, store: MilvusStore):
        self.store = store
        self.client = connect(store)
        self._holder = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._renewed = 0.0

    def close(self) -> None:
        disconnect(self.store)

    def __str__(self) -> str:
        return str(self.store)

    @property
    def where(self) -> str:
        return f"{self.store.uri} (collection {_meta(self.store)})"

    def check_writable(self) -> None:
        """Nothing to check before connecting: a collection that is not ours is named on reading."""

    def committed(self) -> MilvusManifest | None:
        with speaking(self.store):
            return _read_manifest(self.client, self.store)

    def vector_settings(self, asked: object, previous: MilvusManifest | None) -> MilvusVectors:
        """What the build was asked for (a local index's kind, flat or ivf, is taken as Milvus's
        FLAT or IVF_FLAT), else what the index has, else the default."""
        if asked is None:
            return previous.vectors if previous else MilvusVectors.chosen(None, None, self.store.lite)
        if not isinstance(asked, MilvusVectors):
            asked = MilvusVectors.chosen(getattr(asked, "kind", None), None, self.store.lite)
        if previous is not None and asked != previous.vectors:
            # Milvus rebuilds a vector index only by dropping it, which the collections' readers
            # would meet half-way; a full build writes new collections beside them instead.
            raise QAError(
                "error_milvus_vectors_changed", store=self.store, previous=previous.vectors, asked=asked
            )
        return asked

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """One build at a time. milvus-lite opens its file for one process only, which is lock
        enough; a server's builds take a lease in N_meta. (A lease, not a lock: two builds that
        start within the same few milliseconds could both take it.)"""
        if self.store.lite:
            yield
            return
        with speaking(self.store):
            self._meta_collection()
            self._take_lease()
        try:
            yield
        finally:
            with contextlib.suppress(MilvusException), speaking(self.store):
                held = self._lease()
                if held and held.get("holder") == self._holder:
                    self.client.delete(_meta(self.store), filter='key == "build"')

    def _lease(self) -> dict | None:
        rows = self.client.query(_meta(self.store), filter='key == "build"', output_fields=["value"])
        return json.loads(rows[0]["value"]) if rows else None

    def _take_lease(self) -> None:
        held = self._lease()
        if held and held.get("holder") != self._holder and not _lapsed(held):
            raise QAError(
                "error_milvus_build_running", store=self.store, host=held.get("host"), pid=held.get("pid"),
                since=held.get("since"),
            )  # fmt: skip
        self.renew(force=True)
        if (self._lease() or {}).get("holder") != self._holder:
            raise QAError("error_milvus_build_started", store=self.store)

    def renew(self, force: bool = False) -> None:
        """Keep the lease of a build that is still writing (on a server; milvus-lite needs none)."""
        if self.store.lite or (not force and time.monotonic() - self._renewed < _LEASE_RENEW):
            return
        now = time.time()
        lease = {
            "holder": self._holder,
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "since": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            "until": now + LEASE_SECONDS,
        }
        self.client.upsert(_meta(self.store), [_meta_row("build", json.dumps(lease))])
        self._renewed = time.monotonic()

    def _meta_collection(self) -> None:
        meta = _meta(self.store)
        if not self.client.has_collection(meta):
            _create(self.client, meta, "meta", 0, MilvusVectors())
        self.client.load_collection(meta)

    def tidy(self, keep: MilvusManifest | None) -> None:
        """Undo what a build that never committed wrote: collections of a full build the manifest
        does not name, rows of a generation after the committed one, term counts it changed.
        Only with the lock held."""
        with speaking(self.store):
            ours = re.compile(rf"{self.store.collection}_g\d{{5,}}_(chunks|articles|sentences|terms)")
            for name in self.client.list_collections():
                if ours.fullmatch(name) and (keep is None or not name.startswith(f"{keep.collections}_")):
                    self.client.drop_collection(name)
            if keep is None:
                return
            names = _names(keep.collections)
            g = keep.generation
            # Counted first: a delete by expression costs a tenth of a second even when nothing matches.
            for kind in ("chunks", "articles", "sentences"):
                if _count(self.client, names[kind], f"gen > {g}"):
                    self.client.delete(names[kind], filter=f"gen > {g}")
            rows = list(_query_all(self.client, names["terms"], f"gen > {g}", ["term", "df_before"]))
            for batch in _batches(rows, INSERT_ROWS):
                self.client.upsert(
                    names["terms"], [_term_row(r["term"], r["df_before"], g, r["df_before"]) for r in batch]
                )
            # Terms no chunk holds any more: a reader of the committed generation sees 0 either way.
            if _count(self.client, names["terms"], f"df == 0 and gen <= {g}"):
                self.client.delete(names["terms"], filter=f"df == 0 and gen <= {g}")

    def open_base(self, manifest: MilvusManifest) -> MilvusBase:
        """The committed generation to build on, its counts checked against its manifest; raises
        IndexCorruptError (naming the problem) when they disagree, and the build starts afresh."""
        index = MilvusIndex(self.store, self.client, manifest)
        with speaking(self.store):
            index._load()
        index.check()
        return MilvusBase(self, manifest)

    def writer(
        self, settings: IndexSettings, base: MilvusBase | None, vectors: MilvusVectors
    ) -> MilvusWriter:
        return MilvusWriter(self, settings, base, vectors)

    def sources(self) -> dict[str, tuple[int, int]]:
        """Corpus file → (size, mtime_ns) when last read whole and clean: a cache, as locally."""
        with speaking(self.store):
            rows = _query_all(self.client, _meta(self.store), 'key like "source/%"', ["key", "value"])
            return {row["key"].removeprefix("source/"): tuple(json.loads(row["value"])) for row in rows}

    def record_sources(
        self, manifest: MilvusManifest, fingerprints: dict[str, tuple[int, int]], gone: Sequence[str]
    ) -> None:
        """After a commit: note the files read whole and clean, forget `gone` ones."""
        with speaking(self.store):
            meta = _meta(self.store)
            for batch in _batches(list(gone)):
                self.client.delete(meta, filter=_in("key", [f"source/{name}" for name in batch]))
            rows = [
                _meta_row(f"source/{name}", json.dumps(list(fingerprint)))
                for name, fingerprint in fingerprints.items()
            ]
            for batch in _batches(rows, INSERT_ROWS):
                self.client.upsert(meta, list(batch))
            self.client.flush(meta)

    def write_manifest(self, manifest: MilvusManifest) -> None:
        """The commit: one row, written and flushed."""
        meta = _meta(self.store)
        self._meta_collection()
        self.client.upsert(meta, [_meta_row("manifest", manifest.to_json())])
        self.client.flush(meta)


def _lapsed(lease: dict) -> bool:
    """A lease its build no longer holds: expired, or taken on this machine by a process now gone."""
    if float(lease.get("until", 0)) < time.time():
        return True
    if lease.get("host") == socket.gethostname():
        try:
            os.kill(int(lease.get("pid", 0)), 0)
        except ProcessLookupError:
            return True
        except (PermissionError, ValueError):
            return False
    return False


class MilvusBase:
    """The committed generation as a build sees it: its manifest, what its articles were read from."""

    def __init__(self, target: MilvusTarget, manifest: MilvusManifest):
        self.target = target
        self.manifest = manifest

    def article_hashes(self) -> dict[str, str]:
        with speaking(self.target.store):
            return _hashes(
                self.target.client, _names(self.manifest.collections)["articles"], self.manifest.generation
            )

    def articles_with_text(self, text_hash: str) -> list[str]:
        """The ids of the articles whose text has this text_hash (qa.articles.text_hash)."""
        with speaking(self.target.store):
            return _with_text(
                self.target.client,
                _names(self.manifest.collections)["articles"],
                self.manifest.generation,
                text_hash,
            )

    def sources(self) -> dict[str, tuple[int, int]]:
        return self.target.sources()

    def close(self) -> None:
        """The target holds the connection."""


def _chunk_row(article: Article, chunk: Chunk, chunk_id: int, vector: np.ndarray, generation: int) -> dict:
    text = embedding_text(article, chunk)
    return {
        "id": chunk_id,
        "vector": vector,
        "text": text,
        "text_from": len(text) - len(chunk.text),
        "article_id": article.id,
        "gen": generation,
        "first_day": first_day(article.date) if article.date else "",
        "last_day": last_day(article.date) if article.date else "",
        "category": (article.category or "").casefold(),
        "position": chunk.position,
        "start_char": chunk.start,
        "end_char": chunk.end,
        "sentences": [list(span) for span in chunk.sentences],
    }


def _article_rows(article: Article, generation: int) -> Iterator[dict]:
    """The article's text in parts; its metadata on the first."""
    parts = range(0, max(len(article.text), 1), TEXT_PART_CHARS)
    for part, start in enumerate(parts):
        row = {
            "article_id": article.id,
            "gen": generation,
            "part": part,
            "text": article.text[start : start + TEXT_PART_CHARS],
            "none": _DUMMY,
        }
        first = part == 0
        row["title"] = article.title if first else ""
        row["date"] = (article.date or "") if first else ""
        row["category"] = (article.category or "") if first else ""
        row["url"] = (article.url or "") if first else ""
        row["path"] = article.path if first else ""
        row["hash"] = article.hash if first else ""
        row["text_hash"] = article.text_hash if first else ""
        row["pages"] = list(article.pages) if first else []
        yield row


class MilvusWriter:
    """Writes the next generation into Milvus; nothing is visible until `commit` writes the manifest.

    Rows are inserted tagged with the new generation, which readers skip until the manifest names
    it. At commit, the old versions of changed and removed articles are deleted, then the manifest
    row is written: the commit. A crash before the deletes leaves the old generation whole, and the
    next build deletes the rows tagged after it (MilvusTarget.tidy) and does the work again. A crash
    between the deletes and the manifest (a second or so) leaves the old generation without the
    articles being replaced or removed: the next build finds their hashes gone and embeds those
    articles again. Either way the rows converge, with no duplicates: a chunk's id comes from the
    committed manifest's counter, and rows written under a generation that never committed are
    deleted before any is written again.
    """

    def __init__(
        self, target: MilvusTarget, settings: IndexSettings, base: MilvusBase | None, vectors: MilvusVectors
    ):
        self.target = target
        self.store = target.store
        self.client = target.client
        self.settings = settings
        self.vectors = vectors
        try:
            committed = target.committed()
        except IndexCorruptError:  # rebuilding an index whose manifest is damaged (or of another format)
            committed = None
        self.generation = (committed.generation + 1) if committed else 1
        self.base = base
        self.committed = False
        if base is None:
            # A whole new index: new collections beside the committed ones, which keep answering
            # until the manifest names these.
            self.collections = f"{self.store.collection}_g{self.generation:05d}"
            self._replaced = committed.collections if committed else None
            with speaking(self.store):
                for kind, name in _names(self.collections).items():
                    if self.client.has_collection(name):
                        self.client.drop_collection(name)
                    _create(self.client, name, kind, settings.dimension, vectors)
        else:
            assert base.manifest.vectors == vectors, "vector_settings refuses another index type"
            self.collections = base.manifest.collections
            self._replaced = None
        self.names = _names(self.collections)
        self.next_chunk_id = base.manifest.next_chunk_id if base else 0
        self.base_counts = (base.manifest.articles, base.manifest.chunks) if base else (0, 0)
        self.articles_added = self.articles_removed = self.chunks_added = self.chunks_removed = 0
        self._pending: dict[str, list[dict]] = {"chunks": [], "articles": [], "sentences": []}
        self._df_change: Counter[str] = Counter()
        self._gone: list[str] = []  # articles whose committed version goes at commit

    def remove_articles(self, article_ids: Sequence[str]) -> int:
        """Drop the articles and their chunks from the next generation; how many chunks went."""
        if self.base is None or not article_ids:
            return 0
        g = self.base.manifest.generation
        removed = 0
        with speaking(self.store):
            for batch in _batches(list(article_ids)):
                ids = _in("article_id", batch)
                for row in _query_all(self.client, self.names["chunks"], f"{ids} and gen <= {g}", ["text"]):
                    self._df_change.subtract(set(terms(row["text"])))
                    removed += 1
                self.articles_removed += _count(
                    self.client, self.names["articles"], f"{ids} and part == 0 and gen <= {g}"
                )
        self._gone += article_ids
        self.chunks_removed += removed
        return removed

    def add_article(
        self, article: Article, chunks: list[Chunk], vectors: np.ndarray, sentence_vectors: np.ndarray
    ) -> None:
        """`sentence_vectors` has a row per span of `article_sentences(chunks)`, in that order."""
        sentences = checked_sentences(article.id, chunks, vectors, sentence_vectors)
        g = self.generation
        for chunk, vector in zip(chunks, np.asarray(vectors, dtype=np.float32), strict=True):
            row = _chunk_row(article, chunk, self.next_chunk_id, vector, g)
            self._df_change.update(set(terms(row["text"])))
            self._put("chunks", row)
            self.next_chunk_id += 1
        for row in _article_rows(article, g):
            self._put("articles", row)
        codes = np.asarray(sentence_vectors, dtype=np.float16)
        for (start, end), vector in zip(sentences, codes, strict=True):
            self._put(
                "sentences",
                {"article_id": article.id, "gen": g, "start_char": start, "end_char": end, "vector": vector},
            )
        self.articles_added += 1
        self.chunks_added += len(chunks)

    def _put(self, kind: str, row: dict) -> None:
        pending = self._pending[kind]
        pending.append(row)
        if len(pending) >= _INSERT_ROWS[kind]:
            self._insert(kind)

    def _insert(self, kind: str) -> None:
        rows = self._pending[kind]
        if rows:
            with speaking(self.store):
                self.target.renew()
                self.client.insert(self.names[kind], rows)
            self._pending[kind] = []

    def _write_terms(self) -> None:
        """Each changed term's chunk count, with the count before it, tagged with this generation."""
        changed = sorted(term for term, change in self._df_change.items() if change)
        g = self.generation
        for batch in _batches(changed, INSERT_ROWS):
            now = {
                row["term"]: row["df"] if row["gen"] < g else row["df_before"]
                for row in self.client.query(
                    self.names["terms"],
                    filter=_in("id", [_key(t) for t in batch]),
                    output_fields=["term", "df", "gen", "df_before"],
                )
            }
            rows = [_term_row(t, max(now.get(t, 0) + self._df_change[t], 0), g, now.get(t, 0)) for t in batch]
            self.target.renew()
            self.client.upsert(self.names["terms"], rows)

    def commit(self, build: dict) -> MilvusManifest:
        """Write what is left, delete the replaced versions, then write the manifest row: the
        moment the new generation exists."""
        for kind in self._pending:
            self._insert(kind)
        with speaking(self.store):
            self._write_terms()
            if self.base is not None:
                g = self.base.manifest.generation
                for batch in _batches(self._gone):
                    for kind in ("chunks", "articles", "sentences"):
                        self.client.delete(
                            self.names[kind], filter=f"{_in('article_id', batch)} and gen <= {g}"
                        )
            # Flushed (sealed), what was written is on disk before the manifest names it, and is
            # searched through the index rather than scanned (unflushed rows searched slowly).
            for name in self.names.values():
                self.client.flush(name)
            manifest = MilvusManifest(
                format_version=FORMAT_VERSION,
                settings=self.settings,
                generation=self.generation,
                next_chunk_id=self.next_chunk_id,
                articles=self.base_counts[0] + self.articles_added - self.articles_removed,
                chunks=self.base_counts[1] + self.chunks_added - self.chunks_removed,
                collections=self.collections,
                vectors=self.vectors,
                build={
                    "created": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                    "qa_version": __version__,
                    "store": str(self.store),
                    **build,
                },
            )
            self.target.write_manifest(manifest)
            self.committed = True
            if self._replaced and self._replaced != self.collections:
                for name in _names(self._replaced).values():
                    self.client.drop_collection(name)
        return manifest

    def abort(self) -> None:
        """Throw the half-written generation away: now if Milvus can be reached, else the next
        build does (MilvusTarget.tidy)."""
        if self.committed:
            return
        with contextlib.suppress(MilvusException, QAError):
            if self.base is None:
                for name in self.names.values():
                    self.client.drop_collection(name)
            else:
                self.target.tidy(self.base.manifest)
