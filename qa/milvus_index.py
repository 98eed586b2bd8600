"""Reading an index in Milvus: MilvusIndex, one committed generation, with the verbs of qa/store.py's
LocalIndex (vector and BM25 search, chunks, sentence vectors, articles, stats).

Connecting, the collections' schema, filter expressions and the manifest are qa/milvus.py's;
building is qa/milvus_build.py's.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import asdict

import numpy as np

from qa.chunkstore import ArticleInfo, SentenceKey, StoredChunk
from qa.errors import IndexCorruptError, IndexMissingError, QAError
from qa.filters import Filters
from qa.location import MilvusStore
from qa.manifest import IndexSettings
from qa.milvus import (
    INSERT_ROWS,
    MilvusClient,
    MilvusException,
    MilvusManifest,
    _batches,
    _count,
    _hashes,
    _in,
    _key,
    _literal,
    _meta,
    _names,
    _options,
    _query_all,
    _read_manifest,
    _with_text,
    connect,
    damaged,
    disconnect,
    filter_expression,
    speaking,
)
from qa.translations import Message


def _article_info(row: dict) -> ArticleInfo:
    return ArticleInfo(
        row["article_id"],
        row["title"],
        row["date"] or None,
        row["category"] or None,
        row["url"] or None,
        row["path"],
        tuple(row["pages"] or ()),
    )


_ARTICLE_FIELDS = ["article_id", "gen", "title", "date", "category", "url", "path", "pages"]


class MilvusIndex:
    """One committed generation of an index in Milvus, read-only; safe to share across threads."""

    def __init__(self, store: MilvusStore, client: MilvusClient, manifest: MilvusManifest):
        self.store = store
        self.manifest = manifest
        self._client = client
        self._names = _names(manifest.collections)
        self._df: dict[str, int] = {}  # BM25 document frequencies asked for so far
        self._df_lock = threading.Lock()

    @classmethod
    def open(cls, store: MilvusStore) -> MilvusIndex:
        client = connect(store)
        try:
            with speaking(store):
                manifest = _read_manifest(client, store)
                if manifest is None:
                    raise IndexMissingError("error_no_milvus_index", store=store, options=_options(store))
                index = cls(store, client, manifest)
                index._load()
            return index
        except BaseException:
            disconnect(store)
            raise

    def _load(self) -> None:
        """Check that the collections the manifest names are there, with its vectors; load them."""
        for kind, name in self._names.items():
            if not self._client.has_collection(name):
                raise damaged(self.store, Message("damage_collection_missing", name=name))
            if kind == "chunks":
                fields = self._client.describe_collection(name)["fields"]
                dimension = next((f["params"].get("dim") for f in fields if f["name"] == "vector"), None)
                if dimension != self.settings.dimension:
                    raise IndexCorruptError(
                        "error_milvus_dimension", name=name, uri=self.store.uri, found=dimension,
                        model=self.settings.model, dimension=self.settings.dimension,
                        options=_options(self.store),
                    )  # fmt: skip
            self._client.load_collection(name)

    @property
    def settings(self) -> IndexSettings:
        return self.manifest.settings

    @property
    def generation(self) -> int:
        return self.manifest.generation

    @property
    def where(self) -> str:
        """Where the manifest lives, for messages."""
        return f"{self.store.uri} (collection {_meta(self.store)})"

    def committed_generation(self) -> int | None:
        """The generation committed now, which may be later than the one this reads: one query,
        asked before every question of a long-running app."""
        meta = _meta(self.store)
        with speaking(self.store):
            try:
                rows = self._client.query(meta, filter='key == "manifest"', output_fields=["value"])
            except MilvusException:
                if self._client.has_collection(meta):
                    raise
                return None
        return int(json.loads(rows[0]["value"])["generation"]) if rows else None

    def close(self) -> None:
        disconnect(self.store)

    def count(self) -> int:
        return self.manifest.chunks

    def check(self) -> None:
        """Counts by generation in the collections agree with the manifest."""
        g = self.generation
        with speaking(self.store):
            chunks = _count(self._client, self._names["chunks"], f"gen <= {g}")
            articles = _count(self._client, self._names["articles"], f"gen <= {g} and part == 0")
            beyond = _count(
                self._client, self._names["chunks"], f"id >= {self.manifest.next_chunk_id} and gen <= {g}"
            )
        if (chunks, articles) != (self.manifest.chunks, self.manifest.articles) or beyond:
            raise damaged(
                self.store,
                Message(
                    "damage_milvus_counts", chunks=chunks, articles=articles,
                    manifest_chunks=self.manifest.chunks, manifest_articles=self.manifest.articles,
                ),
            )  # fmt: skip

    # --- what a question needs -------------------------------------------------------------

    def search(self, vector: np.ndarray, k: int, filters: Filters | None = None) -> list[tuple[int, float]]:
        """Up to k (chunk id, cosine) pairs, best first, within `filters` (inside Milvus's search)."""
        with speaking(self.store):
            found = self._client.search(
                self._names["chunks"],
                data=[np.asarray(vector, dtype=np.float32).reshape(-1)],
                anns_field="vector",
                limit=k,
                filter=filter_expression(filters, self.generation),
                search_params={"metric_type": "IP", "params": self.manifest.vectors.search},
            )
        return [(int(hit["id"]), float(hit["distance"])) for hit in found[0]]

    def lexical_search(self, text: str, k: int, filters: Filters | None = None) -> list[tuple[int, float]]:
        """Up to k (chunk id, BM25 score) pairs, best first: Milvus's BM25 over its Dutch analyzer."""
        if not text.strip():
            return []
        with speaking(self.store):
            found = self._client.search(
                self._names["chunks"],
                data=[text],
                anns_field="sparse",
                limit=k,
                filter=filter_expression(filters, self.generation),
                search_params={"metric_type": "BM25"},
            )
        return [(int(hit["id"]), float(hit["distance"])) for hit in found[0] if hit["distance"] > 0]

    def idf(self, term: str) -> float:
        """How rare one of our terms (qa/lexical.py's stems) is among the chunks, as the local
        index's BM25 counts it: the answer step weighs the question's terms by it."""
        with self._df_lock:
            df = self._df.get(term)
        if df is None:
            with speaking(self.store):
                rows = self._client.query(
                    self._names["terms"],
                    filter=f"id == {_key(term)} and term == {_literal(term)}",
                    output_fields=["df", "gen", "df_before"],
                )
            df = (
                0
                if not rows
                else rows[0]["df"]
                if rows[0]["gen"] <= self.generation
                else rows[0]["df_before"]
            )
            with self._df_lock:
                self._df[term] = df
        n = self.manifest.chunks
        return float(np.log(1 + (n - df + 0.5) / (df + 0.5)))

    def chunks(self, ids: Sequence[int]) -> dict[int, StoredChunk]:
        ids = [int(i) for i in ids]
        if not ids:
            return {}
        fields = [
            "id",
            "article_id",
            "gen",
            "text",
            "text_from",
            "position",
            "start_char",
            "end_char",
            "sentences",
        ]
        with speaking(self.store):
            rows = [
                row
                for batch in _batches(ids, INSERT_ROWS)
                for row in self._client.query(
                    self._names["chunks"],
                    filter=f"{_in('id', batch)} and gen <= {self.generation}",
                    output_fields=fields,
                )
            ]
            infos = self._infos({(row["article_id"], row["gen"]) for row in rows})
        return {
            row["id"]: StoredChunk(
                row["id"],
                infos[row["article_id"], row["gen"]],
                row["position"],
                row["start_char"],
                row["end_char"],
                row["text"][row["text_from"] :],
                tuple((s, e) for s, e in row["sentences"]),
            )
            for row in rows
            if (row["article_id"], row["gen"]) in infos
        }

    def _infos(self, keys: set[tuple[str, int]]) -> dict[tuple[str, int], ArticleInfo]:
        """The metadata of these (article id, generation) versions of articles."""
        found = {}
        for batch in _batches(sorted({article_id for article_id, _ in keys})):
            for row in self._client.query(
                self._names["articles"],
                filter=f"{_in('article_id', batch)} and part == 0 and gen <= {self.generation}",
                output_fields=_ARTICLE_FIELDS,
            ):
                found[row["article_id"], row["gen"]] = _article_info(row)
        return found

    def sentence_vectors(self, keys: Sequence[SentenceKey]) -> dict[SentenceKey, np.ndarray]:
        wanted = set(keys)
        found: dict[SentenceKey, np.ndarray] = {}
        if not wanted:
            return found
        articles = sorted({k[0] for k in wanted})
        starts = sorted({k[1] for k in wanted})
        with speaking(self.store):
            for batch in _batches(articles):
                rows = _query_all(
                    self._client,
                    self._names["sentences"],
                    f"{_in('article_id', batch)} and {_in('start_char', starts)} "
                    f"and gen <= {self.generation}",
                    ["article_id", "start_char", "end_char", "vector"],
                )
                for row in rows:
                    key = (row["article_id"], row["start_char"], row["end_char"])
                    if key in wanted:
                        found[key] = np.frombuffer(row["vector"][0], dtype=np.float16).astype(np.float32)
        return found

    def article_text(self, article_id: str) -> str:
        with speaking(self.store):
            rows = list(
                _query_all(
                    self._client,
                    self._names["articles"],
                    f"article_id == {_literal(article_id)} and gen <= {self.generation}",
                    ["gen", "part", "text"],
                )
            )
        if not rows:
            raise QAError("error_no_article", id=repr(article_id), where=self.store)
        latest = max(row["gen"] for row in rows)
        return "".join(row["text"] for row in sorted(rows, key=lambda r: r["part"]) if row["gen"] == latest)

    def articles(self) -> list[ArticleInfo]:
        with speaking(self.store):
            rows = _query_all(
                self._client,
                self._names["articles"],
                f"part == 0 and gen <= {self.generation}",
                _ARTICLE_FIELDS,
            )
            infos = [_article_info(row) for row in rows]
        return sorted(infos, key=lambda a: (a.date or "", a.id))

    def article_hashes(self) -> dict[str, str]:
        with speaking(self.store):
            return _hashes(self._client, self._names["articles"], self.generation)

    def articles_with_text(self, text_hash: str) -> list[str]:
        """The ids of the articles whose cleaned text has this qa.articles.text_hash."""
        with speaking(self.store):
            return _with_text(self._client, self._names["articles"], self.generation, text_hash)

    def chunk_ids_where(self, filters: Filters) -> np.ndarray:
        """Sorted ids of the chunks whose article `filters` admit."""
        with speaking(self.store):
            rows = _query_all(
                self._client, self._names["chunks"], filter_expression(filters, self.generation), ["id"]
            )
            return np.sort(np.fromiter((row["id"] for row in rows), dtype=np.int64))

    def stats(self) -> dict:
        """What the index holds, for `qa stats` and the app."""
        with speaking(self.store):
            rows = {
                name: int(self._client.get_collection_stats(name)["row_count"])
                for name in self._names.values()
            }
        return {
            "index": str(self.store),
            "articles": self.manifest.articles,
            "chunks": self.manifest.chunks,
            "model": self.settings.model,
            "dimension": self.settings.dimension,
            "chunking": self.settings.as_dict()["chunking"],
            "generation": self.generation,
            "collections": rows,
            "vectors": asdict(self.manifest.vectors),
            "build": self.manifest.build,
        }
