"""The index in Milvus: chunks (vector, BM25 over a Dutch analyzer, filter fields), articles,
sentence vectors, BM25 document frequencies and the manifest, all in collections of one Milvus.

This module holds what reading and building share: the connection, the collections' schema,
filter expressions and the manifest. Reading is qa/milvus_index.py's (MilvusIndex), building
qa/milvus_build.py's (MilvusTarget, MilvusBase, MilvusWriter); they have the verbs of qa/store.py's
LocalIndex, BuildBase and IndexWriter, so qa/search.py and qa/build.py use either unaware; which
one is qa/backends.py's choice. The only module that imports pymilvus: the other two take its
names from here, after it has quieted pymilvus's logs and warnings.

Collections of an index named N (--collection, default "qa"):
  N_meta                  the manifest (one JSON row, the commit) and the corpus files' fingerprints
  N_gGGGGG_chunks         a row per chunk: id, vector, text with BM25, article id, dates, category
  N_gGGGGG_articles       a row per article (more for one over 16,000 characters): text, metadata
  N_gGGGGG_sentences      a row per sentence of a chunk: its span and fp16 vector, for answering
  N_gGGGGG_terms          a row per BM25 term (our Dutch stems): in how many chunks it occurs
The data collections carry the generation of the full build that made them (GGGGG); incremental
builds add to them. Every row is tagged with the generation that wrote it (`gen`), and readers of
generation G see rows with gen <= G only, so what a build writes is invisible until its manifest
row names it. Milvus has no transactions: see MilvusWriter (qa/milvus_build.py) for how a crash
converges.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
import threading
import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

# milvus-lite's Rust full-text engine logs every commit at INFO unless told otherwise, and the
# version pinned here imports pkg_resources, which warns on every start.
os.environ.setdefault("RUST_LOG", "error")
warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)

from pymilvus import DataType, Function, FunctionType, MilvusClient  # noqa: E402
from pymilvus.exceptions import MilvusException, ParamError  # noqa: E402

from qa.errors import IndexCorruptError, IndexFormatError, QAError  # noqa: E402
from qa.filters import Filters  # noqa: E402
from qa.lexical import STOPWORDS  # noqa: E402
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

FORMAT_VERSION = 1  # of what qa/milvus_build.py writes into Milvus; the local index has its own
# Rows per insert: milvus-lite took 34 s for each batch of 5,000 rows, and thousands of rows a
# second in batches of 1,000 (10,000 chunks of 512 dimensions in 2.7 s on a 2-core machine).
INSERT_ROWS = 1_000
# Values in one `in [...]` of a filter expression: a server caps an expression's length.
_IN_VALUES = 200
# Rows one plain query returns at most (Milvus's query window); longer answers are iterated.
_QUERY_LIMIT = 16_384
_ID_BYTES = 16_384  # article ids and paths (a path, '#', a bulk archive row's key)
_CONNECT_SECONDS = 10

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


def _with_text(client: MilvusClient, articles: str, generation: int, text_hash: str) -> list[str]:
    expression = f"part == 0 and gen <= {generation} and text_hash == {_literal(text_hash)}"
    return sorted(row["article_id"] for row in _query_all(client, articles, expression, ["article_id"]))


def _hashes(client: MilvusClient, articles: str, generation: int) -> dict[str, str]:
    rows = _query_all(client, articles, f"part == 0 and gen <= {generation}", ["article_id", "hash"])
    return {row["article_id"]: row["hash"] for row in rows}


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
