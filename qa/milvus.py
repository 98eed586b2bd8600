"""The index in Milvus: chunks (vector, BM25 over a Dutch analyzer, filter fields), articles,
sentence vectors, BM25 document frequencies and the manifest, all in collections of one Milvus.

The only module that imports pymilvus. It has the verbs of qa/store.py's LocalIndex, BuildBase and
IndexWriter, so qa/search.py and qa/build.py use either unaware; which one is qa/backends.py's choice.

Collections of an index named N (--collection, default "qa"):
  N_meta                  the manifest (one JSON row, the commit) and the corpus files' fingerprints
  N_gGGGGG_chunks         a row per chunk: id, vector, text with BM25, article id, dates, category
  N_gGGGGG_articles       a row per article (more for one over 16,000 characters): text, metadata
  N_gGGGGG_sentences      a row per sentence of a chunk: its span and fp16 vector, for answering
  N_gGGGGG_terms          a row per BM25 term (our Dutch stems): in how many chunks it occurs
The data collections carry the generation of the full build that made them (GGGGG); incremental
builds add to them. Every row is tagged with the generation that wrote it (`gen`), and readers of
generation G see rows with gen <= G only, so what a build writes is invisible until its manifest
row names it. Milvus has no transactions: see MilvusWriter for how a crash converges.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import logging
import os
import re
import socket
import threading
import time
import uuid
import warnings
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

# milvus-lite's Rust full-text engine logs every commit at INFO unless told otherwise, and the
# version pinned here imports pkg_resources, which warns on every start.
os.environ.setdefault("RUST_LOG", "error")
warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)

from pymilvus import DataType, Function, FunctionType, MilvusClient  # noqa: E402
from pymilvus.exceptions import MilvusException, ParamError  # noqa: E402

from qa import __version__  # noqa: E402
from qa.articles import Article  # noqa: E402
from qa.chunking import Chunk, article_sentences, embedding_text  # noqa: E402
from qa.chunkstore import ArticleInfo, SentenceKey, StoredChunk  # noqa: E402
from qa.errors import IndexCorruptError, IndexFormatError, IndexMissingError, QAError  # noqa: E402
from qa.filters import Filters  # noqa: E402
from qa.lexical import STOPWORDS, terms  # noqa: E402
from qa.location import DEFAULT_COLLECTION, MilvusStore  # noqa: E402
from qa.manifest import IndexSettings  # noqa: E402
from qa.question import first_day, last_day  # noqa: E402
from qa.translations import Message  # noqa: E402

# pymilvus logs each failed call at ERROR with a timestamp before raising it, and milvus-lite logs
# on the root logger; the exception is what we report, as one line (the CLI's contract), so their
# own log lines are noise.
# pymilvus gives two of its loggers handlers of their own, which the first setting does not reach.
for _name in ("pymilvus", "pymilvus.milvus_client"):
    logging.getLogger(_name).setLevel(logging.CRITICAL)


class _NotMilvusLite(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        return "milvus_lite" not in record.pathname


logging.getLogger().addFilter(_NotMilvusLite())

FORMAT_VERSION = 1  # of what this module writes into Milvus; the local index has its own
# Rows per insert: milvus-lite took 34 s for each batch of 5,000 rows, and thousands of rows a
# second in batches of 1,000 (10,000 chunks of 512 dimensions in 2.7 s on a 2-core machine).
INSERT_ROWS = 1_000
# pymilvus 2.5 packs a row's half-precision vector by appending its bytes to the batch's (`+=` on a
# protobuf bytes field, which copies what is there): 1,000-row batches of sentences spent 0.4 s
# each in that, most of a build's time; 100-row ones spend a tenth as much a row.
_INSERT_ROWS = {"chunks": INSERT_ROWS, "articles": INSERT_ROWS, "sentences": 100}
# Values in one `in [...]` of a filter expression: a server caps an expression's length.
_IN_VALUES = 200
# Rows one plain query returns at most (Milvus's query window); longer answers are iterated.
_QUERY_LIMIT = 16_384
# Milvus keeps a VARCHAR to 65,535 bytes: an article's text is stored in parts of at most this
# many characters (4 bytes each at worst in UTF-8).
TEXT_PART_CHARS = 16_000
_ID_BYTES = 16_384  # article ids and paths (a path, '#', a bulk archive row's key)
_CONNECT_SECONDS = 10
# A build on a server holds a lease in N_meta, renewed as it writes; one that died stops blocking
# others after this long (at once on the machine where it ran).
LEASE_SECONDS = 600
_LEASE_RENEW = 60
_DUMMY = np.zeros(2, dtype=np.float32)  # Milvus needs a vector field in every collection

# What Milvus's BM25 reads: the standard tokenizer, lower case, our stop words (Dutch, English and
# question words, as qa/lexical.py), then the Snowball Dutch stemmer. Stop words go before the
# stemmer: the list holds words ("hebben"), not their stems ("hebb"). milvus-lite 2.5 knows no
# "_dutch_" shorthand, hence the explicit list.
DUTCH_ANALYZER = {
    "tokenizer": "standard",
    "filter": [
        "lowercase",
        {"type": "stop", "stop_words": sorted(STOPWORDS)},
        {"type": "stemmer", "language": "dutch"},
    ],
}

# Index types by the names `qa build --index-type` takes; milvus-lite builds the first two only.
INDEX_TYPES = {
    "flat": "FLAT",
    "ivf": "IVF_FLAT",
    "ivf_flat": "IVF_FLAT",
    "ivf_sq8": "IVF_SQ8",
    "hnsw": "HNSW",
    "diskann": "DISKANN",
}
_LITE_TYPES = ("FLAT", "IVF_FLAT")
# (build parameters, search parameters) of each type unless --index-params says otherwise. IVF:
# Milvus indexes each sealed segment (about 1 GB: some 400,000 chunks at 512 dimensions) on its
# own, so 256 lists of about 1,500, an eighth of them probed; HNSW: the usual M and
# efConstruction, and ef well above the 50 candidates a question takes.
_DEFAULT_PARAMS: dict[str, tuple[dict, dict]] = {
    "FLAT": ({}, {}),
    "IVF_FLAT": ({"nlist": 256}, {"nprobe": 32}),
    "IVF_SQ8": ({"nlist": 256}, {"nprobe": 32}),
    "HNSW": ({"M": 16, "efConstruction": 200}, {"ef": 128}),
    "DISKANN": ({}, {"search_list": 100}),
}
_SEARCH_PARAMS = frozenset({"nprobe", "ef", "search_list"})


@dataclass(frozen=True)
class MilvusVectors:
    """How Milvus indexes the chunk vectors: a Milvus index type, its build and search parameters."""

    index_type: str = "FLAT"
    build: dict = field(default_factory=dict)
    search: dict = field(default_factory=dict)

    @classmethod
    def chosen(cls, kind: str | None, params: dict | None, lite: bool) -> MilvusVectors:
        """From `qa build --index-type` and `--index-params` (search keys: nprobe, ef,
        search_list); "auto" is exact FLAT on milvus-lite, HNSW on a server."""
        kind = (kind or "auto").lower()
        if kind == "auto":
            index_type = "FLAT" if lite else "HNSW"
        elif kind in INDEX_TYPES:
            index_type = INDEX_TYPES[kind]
        else:
            raise QAError("error_milvus_index_type", kind=kind, types=", ".join(INDEX_TYPES))
        if lite and index_type not in _LITE_TYPES:
            raise QAError("error_lite_index_type", kind=index_type)
        build, search = (dict(p) for p in _DEFAULT_PARAMS[index_type])
        for key, value in (params or {}).items():
            (search if key in _SEARCH_PARAMS else build)[key] = value
        return cls(index_type, build, search)

    def __str__(self) -> str:
        params = {**self.build, **self.search}
        return self.index_type + (f" ({', '.join(f'{k}={v}' for k, v in params.items())})" if params else "")

    @classmethod
    def recorded(cls, data: Any) -> MilvusVectors:
        if not isinstance(data, dict) or data.get("index_type") not in _DEFAULT_PARAMS:
            raise ValueError("field vectors is not an index type with parameters")
        return cls(data["index_type"], dict(data.get("build") or {}), dict(data.get("search") or {}))


@dataclass
class MilvusManifest:
    """The committed generation of an index in Milvus: one JSON row of N_meta, written last."""

    format_version: int
    settings: IndexSettings
    generation: int
    next_chunk_id: int  # ids are never reused, as in the local index
    articles: int
    chunks: int
    collections: str  # the data collections' common prefix: N_gGGGGG
    vectors: MilvusVectors
    build: dict = field(default_factory=dict)

    def to_json(self) -> str:
        data = asdict(self)
        data["settings"] = self.settings.as_dict()
        return json.dumps(data, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> MilvusManifest:
        """Raises ValueError naming what is wrong; IndexFormatError for another format version."""
        try:
            data = json.loads(text)
        except ValueError as e:
            raise ValueError(f"not JSON ({e})") from None
        if not isinstance(data, dict) or not isinstance(data.get("format_version"), int):
            raise ValueError("not a qa manifest")
        if data["format_version"] != FORMAT_VERSION:
            raise IndexFormatError(
                "error_milvus_format", found=data["format_version"], version=FORMAT_VERSION
            )
        try:
            return cls(
                format_version=data["format_version"],
                settings=IndexSettings.from_dict(data["settings"]),
                generation=int(data["generation"]),
                next_chunk_id=int(data["next_chunk_id"]),
                articles=int(data["articles"]),
                chunks=int(data["chunks"]),
                collections=str(data["collections"]),
                vectors=MilvusVectors.recorded(data["vectors"]),
                build=dict(data.get("build") or {}),
            )
        except (KeyError, TypeError) as e:
            raise ValueError(f"field {e} is missing or of the wrong type") from None


# --- talking to Milvus ----------------------------------------------------------------------

# One client per Milvus in a process: milvus-lite serves a file to one process, and its clients in
# that process share one connection, which closing any of them would close for all.
_clients: dict[tuple[str, str], list] = {}  # (uri, token) → [client, users]
_clients_lock = threading.Lock()


def connect(store: MilvusStore) -> MilvusClient:
    """The process's client for `store`, connected (release it with `disconnect`)."""
    key = (store.uri, store.token)
    with _clients_lock:
        held = _clients.get(key)
        if held is None:
            with speaking(store):
                client = MilvusClient(uri=store.uri, token=store.token, timeout=_CONNECT_SECONDS)
                if not store.lite:
                    _require_bm25(store, client.get_server_version())
            held = _clients[key] = [client, 0]
        held[1] += 1
        return held[0]


def disconnect(store: MilvusStore) -> None:
    key = (store.uri, store.token)
    with _clients_lock:
        held = _clients.get(key)
        if held is None:
            return
        held[1] -= 1
        if held[1] <= 0:
            del _clients[key]
            with contextlib.suppress(MilvusException):
                held[0].close()


def _require_bm25(store: MilvusStore, version: str) -> None:
    if not supports_bm25(version):
        raise QAError("error_milvus_version", uri=store.uri, version=version)


def supports_bm25(version: str) -> bool:
    """Milvus 2.5 brought BM25 functions and analyzers; "v2.5.4", "2.6.0-rc1" and later have them."""
    found = re.match(r"v?(\d+)\.(\d+)", version.strip())
    return found is None or (int(found[1]), int(found[2])) >= (2, 5)


@contextlib.contextmanager
def speaking(store: MilvusStore) -> Iterator[None]:
    """Milvus's errors as the one-line errors a user can act on; our own mistakes stay loud."""
    try:
        yield
    except ParamError:
        raise
    except MilvusException as e:
        raise QAError(_one_line(store, e)) from None


def _one_line(store: MilvusStore, error: MilvusException) -> Message:
    message = " ".join(str(getattr(error, "message", "") or error).split())
    lowered = message.lower()
    if store.lite and "open local milvus failed" in lowered:
        if "not exists" in lowered:
            return Message("milvus_no_folder", uri=store.uri)
        # The one other reason milvus-lite gives (on its log): the file is open elsewhere.
        return Message("milvus_lite_busy", uri=store.uri)
    if any(word in lowered for word in ("auth", "credential", "password", "permission denied")):
        return Message("milvus_credentials", uri=store.uri)
    if "fail connecting" in lowered or "unavailable" in lowered or "deadline" in lowered:
        return Message("milvus_unreachable", uri=store.uri)
    return Message("milvus_error", uri=store.uri, detail=message)


def _literal(text: str) -> str:
    """A string as a Milvus expression literal. Milvus reads no escape for a line break, and no
    article id, category or term holds one (ids and categories are cleaned, terms are words)."""
    if "\n" in text or "\r" in text:
        raise ValueError(f"a line break in {text!r} cannot be put in a Milvus expression")
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _in(name: str, values: Iterable) -> str:
    return f"{name} in [{', '.join(_literal(v) if isinstance(v, str) else str(int(v)) for v in values)}]"


def _batches(values: Sequence, size: int = _IN_VALUES) -> Iterator[Sequence]:
    for i in range(0, len(values), size):
        yield values[i : i + size]


def filter_expression(filters: Filters | None, generation: int) -> str:
    """The chunks of generation `generation` whose article `filters` admit, as a Milvus filter.

    Each chunk row carries its article's first and last day at the precision of its date ("" when
    undated), so comparing at the coarser precision, as Filters.admits does, is two string
    comparisons; the category is kept case-folded.
    """
    parts = [f"gen <= {generation}"]
    if filters is not None and filters.category:
        parts.append(f"category == {_literal(filters.category.casefold())}")
    if filters is not None and filters.since:
        parts.append(f"last_day >= {_literal(first_day(filters.since))}")
    if filters is not None and filters.until:
        parts.append(f'first_day != "" and first_day <= {_literal(last_day(filters.until))}')
    return " and ".join(parts)


def _key(text: str) -> int:
    """A string as an INT64 primary key. milvus-lite 2.5.1 cannot delete, nor so upsert, a row
    whose VARCHAR primary key holds an apostrophe ("zo'n"): terms and meta keys are hashed, the
    string kept beside its hash."""
    return int.from_bytes(hashlib.blake2b(text.encode("utf-8"), digest_size=8).digest(), "big", signed=True)


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


def _options(store: MilvusStore) -> str:
    """The command-line options that name `store`, for the advice in an error."""
    named = f" --collection {store.collection}" if store.collection != DEFAULT_COLLECTION else ""
    return f"--store {store.uri}{named}"


def _meta(store: MilvusStore) -> str:
    return f"{store.collection}_meta"


def _names(prefix: str) -> dict[str, str]:
    return {kind: f"{prefix}_{kind}" for kind in ("chunks", "articles", "sentences", "terms")}


def _schema(kind: str, dimension: int) -> Any:
    """The fields of each collection; `dimension` is the chunk and sentence vectors'."""
    schema = MilvusClient.create_schema(auto_id=kind in ("articles", "sentences"), enable_dynamic_field=False)
    if kind == "chunks":
        schema.add_field("id", DataType.INT64, is_primary=True)
        schema.add_field("vector", DataType.FLOAT_VECTOR, dim=dimension)
        # What BM25 reads: the title, a line break, the chunk, as the encoder sees it
        # (embedding_text); the chunk alone is text[text_from:].
        schema.add_field(
            "text", DataType.VARCHAR, max_length=65_535, enable_analyzer=True, analyzer_params=DUTCH_ANALYZER
        )
        schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        schema.add_function(
            Function(
                name="bm25",
                function_type=FunctionType.BM25,
                input_field_names=["text"],
                output_field_names=["sparse"],
            )
        )
        schema.add_field("text_from", DataType.INT64)
        schema.add_field("article_id", DataType.VARCHAR, max_length=_ID_BYTES)
        schema.add_field("gen", DataType.INT64)
        schema.add_field("first_day", DataType.VARCHAR, max_length=16)  # "" when undated
        schema.add_field("last_day", DataType.VARCHAR, max_length=16)
        schema.add_field("category", DataType.VARCHAR, max_length=2_048)  # case-folded, for filters
        schema.add_field("position", DataType.INT64)
        schema.add_field("start_char", DataType.INT64)
        schema.add_field("end_char", DataType.INT64)
        schema.add_field("sentences", DataType.JSON)  # [[start, end], ...] in the article
    elif kind == "articles":
        schema.add_field("pk", DataType.INT64, is_primary=True)
        schema.add_field("article_id", DataType.VARCHAR, max_length=_ID_BYTES)
        schema.add_field("gen", DataType.INT64)
        schema.add_field("part", DataType.INT64)  # the text's parts; metadata on part 0 only
        schema.add_field("text", DataType.VARCHAR, max_length=65_535)
        schema.add_field("title", DataType.VARCHAR, max_length=2_048)
        schema.add_field("date", DataType.VARCHAR, max_length=16)
        schema.add_field("category", DataType.VARCHAR, max_length=2_048)
        schema.add_field("url", DataType.VARCHAR, max_length=16_384)
        schema.add_field("path", DataType.VARCHAR, max_length=_ID_BYTES)
        schema.add_field("hash", DataType.VARCHAR, max_length=128)
        # qa.articles.text_hash of the whole text: an article found again under another name is a
        # duplicate (qa/build.py).
        schema.add_field("text_hash", DataType.VARCHAR, max_length=128)
        schema.add_field("pages", DataType.JSON)
        schema.add_field("none", DataType.FLOAT_VECTOR, dim=2)
    elif kind == "sentences":
        schema.add_field("pk", DataType.INT64, is_primary=True)
        schema.add_field("article_id", DataType.VARCHAR, max_length=_ID_BYTES)
        schema.add_field("gen", DataType.INT64)
        schema.add_field("start_char", DataType.INT64)
        schema.add_field("end_char", DataType.INT64)
        # Half precision: cosines stay within 1e-3, as the local index's int8 codes do.
        schema.add_field("vector", DataType.FLOAT16_VECTOR, dim=dimension)
    elif kind == "terms":
        # A term's chunk count now and before the generation that last changed it: a reader of an
        # earlier generation, and a build after one that crashed, read `df_before`.
        schema.add_field("id", DataType.INT64, is_primary=True)  # _key(term)
        schema.add_field("term", DataType.VARCHAR, max_length=65_535)
        schema.add_field("df", DataType.INT64)
        schema.add_field("gen", DataType.INT64)
        schema.add_field("df_before", DataType.INT64)
        schema.add_field("none", DataType.FLOAT_VECTOR, dim=2)
    else:  # meta
        schema.add_field("id", DataType.INT64, is_primary=True)  # _key(key)
        schema.add_field("key", DataType.VARCHAR, max_length=65_535)
        schema.add_field("value", DataType.VARCHAR, max_length=65_535)
        schema.add_field("none", DataType.FLOAT_VECTOR, dim=2)
    return schema


def _create(client: MilvusClient, name: str, kind: str, dimension: int, vectors: MilvusVectors) -> None:
    params = client.prepare_index_params()
    if kind == "chunks":
        params.add_index("vector", index_type=vectors.index_type, metric_type="IP", params=vectors.build)
        params.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25")
    elif kind == "sentences":
        params.add_index("vector", index_type="FLAT", metric_type="IP")
    else:
        params.add_index("none", index_type="FLAT", metric_type="L2")
    # Strong: a question right after a build (or a build right after another) sees all it wrote.
    client.create_collection(name, schema=_schema(kind, dimension), consistency_level="Strong")
    # An empty collection's index exists at once; waiting for it, as pymilvus does by default,
    # polls twice a second (3 s of a small build).
    client.create_index(name, params, sync=False)
    client.load_collection(name)


def _query_all(client: MilvusClient, collection: str, expression: str, fields: list[str]) -> Iterator[dict]:
    """Every row matching `expression`, however many."""
    found = client.query(collection, filter=expression, output_fields=fields, limit=_QUERY_LIMIT)
    if len(found) < _QUERY_LIMIT:
        yield from found
        return
    iterator = client.query_iterator(
        collection, batch_size=INSERT_ROWS, filter=expression, output_fields=fields
    )
    try:
        while batch := iterator.next():
            yield from batch
    finally:
        iterator.close()


def _count(client: MilvusClient, collection: str, expression: str) -> int:
    return int(client.query(collection, filter=expression, output_fields=["count(*)"])[0]["count(*)"])


def _read_manifest(client: MilvusClient, store: MilvusStore) -> MilvusManifest | None:
    meta = _meta(store)
    if not client.has_collection(meta):
        return None
    fields = {f["name"] for f in client.describe_collection(meta)["fields"]}
    if not {"key", "value"} <= fields:
        raise QAError("error_not_qa_collection", meta=meta, uri=store.uri)
    client.load_collection(meta)
    rows = client.query(meta, filter='key == "manifest"', output_fields=["value"])
    if not rows:
        return None
    try:
        return MilvusManifest.from_json(rows[0]["value"])
    except IndexFormatError as e:
        raise IndexFormatError(
            "error_milvus_format_rebuild",
            store=store,
            reason=e.message,
            options=_options(store),
            found=e.found,
        ) from None
    except ValueError as e:
        raise damaged(store, Message("damage_milvus_manifest", meta=meta, detail=str(e))) from None


def damaged(store: MilvusStore, problem: Message) -> IndexCorruptError:
    return IndexCorruptError(
        Message("error_milvus_damaged", store=store, problem=problem, options=_options(store)),
        problem=problem,
    )


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


# --- reading ----------------------------------------------------------------------------------


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


def _with_text(client: MilvusClient, articles: str, generation: int, text_hash: str) -> list[str]:
    expression = f"part == 0 and gen <= {generation} and text_hash == {_literal(text_hash)}"
    return sorted(row["article_id"] for row in _query_all(client, articles, expression, ["article_id"]))


def _hashes(client: MilvusClient, articles: str, generation: int) -> dict[str, str]:
    rows = _query_all(client, articles, f"part == 0 and gen <= {generation}", ["article_id", "hash"])
    return {row["article_id"]: row["hash"] for row in rows}


# --- building ---------------------------------------------------------------------------------


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
        sentences = article_sentences(chunks)
        if len(chunks) != len(vectors) or len(sentences) != len(sentence_vectors):
            raise ValueError(
                f"{len(chunks)} chunks and {len(sentences)} sentences but {len(vectors)} chunk and "
                f"{len(sentence_vectors)} sentence vectors for {article.id}"
            )
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
