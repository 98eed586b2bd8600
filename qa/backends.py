"""The one place that picks an index's backend: a folder is the local index (qa/store.py), a Milvus
store qa/milvus_index.py's and qa/milvus_build.py's, imported only when one is named (they load
pymilvus and gRPC).

`Index` is what asking reads through, whichever backend answers; building goes through a target
(LocalTarget or MilvusTarget) with the same verbs.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import numpy as np

from qa.chunkstore import ArticleInfo, SentenceKey, StoredChunk
from qa.errors import QAError
from qa.filters import Filters
from qa.location import Location, MilvusStore, locate
from qa.manifest import IndexSettings
from qa.store import INDEX_TYPES, LocalIndex, LocalTarget, VectorSettings, read_manifest

if TYPE_CHECKING:
    from qa.milvus import MilvusVectors
    from qa.milvus_build import MilvusTarget

__all__ = ["Index", "Location", "build_target", "has_index", "locate", "open_index", "vector_settings"]


class Index(Protocol):
    """One committed generation of an index, read-only: what a question needs of it."""

    @property
    def settings(self) -> IndexSettings: ...

    @property
    def generation(self) -> int: ...

    @property
    def where(self) -> str: ...

    def committed_generation(self) -> int | None: ...

    def search(
        self, vector: np.ndarray, k: int, filters: Filters | None = None
    ) -> list[tuple[int, float]]: ...

    def lexical_search(
        self, text: str, k: int, filters: Filters | None = None
    ) -> list[tuple[int, float]]: ...

    def idf(self, term: str) -> float: ...

    def chunks(self, ids: Sequence[int]) -> dict[int, StoredChunk]: ...

    def sentence_vectors(self, keys: Sequence[SentenceKey]) -> dict[SentenceKey, np.ndarray]: ...

    def article_text(self, article_id: str) -> str: ...

    def articles(self) -> list[ArticleInfo]: ...

    def article_hashes(self) -> dict[str, str]: ...

    def articles_with_text(self, text_hash: str) -> list[str]: ...

    def chunk_ids_where(self, filters: Filters) -> np.ndarray: ...

    def stats(self) -> dict: ...

    def check(self) -> None: ...

    def count(self) -> int: ...

    def close(self) -> None: ...


def open_index(where: str | Path | MilvusStore) -> Index:
    """The committed generation of the index `where` names (a folder, a Milvus URI or .db file)."""
    found = locate(where)
    if isinstance(found, MilvusStore):
        from qa.milvus_index import MilvusIndex

        return MilvusIndex.open(found)
    return LocalIndex.open(found)


def describe(where: str | Path | MilvusStore) -> tuple[dict, list[ArticleInfo]]:
    """What the index `where` names holds (`stats`) and its articles, for `qa stats`; a folder's
    without loading its vectors and BM25."""
    found = locate(where)
    if isinstance(found, Path):
        return LocalIndex.describe(found)
    index = open_index(found)
    try:
        return index.stats(), index.articles()
    finally:
        index.close()


def build_target(where: str | Path | MilvusStore) -> LocalTarget | MilvusTarget:
    """The index `where` names, as a build writes it; close it when done."""
    found = locate(where)
    if isinstance(found, MilvusStore):
        from qa.milvus_build import MilvusTarget

        return MilvusTarget(found)
    return LocalTarget(found)


def has_index(where: str | Path | MilvusStore) -> bool:
    """Is an index committed there yet?"""
    found = locate(where)
    if isinstance(found, Path):
        return read_manifest(found) is not None
    target = build_target(found)
    try:
        return target.committed() is not None
    finally:
        target.close()


def vector_settings(
    where: Location, kind: str | None, params: str | None
) -> VectorSettings | MilvusVectors | None:
    """`qa build --index-type KIND --index-params JSON` for the index `where` names; None when
    neither is given (the index keeps what it has)."""
    if kind is None and params is None:
        return None
    parsed = None
    if params is not None:
        try:
            parsed = json.loads(params)
        except ValueError:
            parsed = None
        if not isinstance(parsed, dict):
            raise QAError("error_index_params", example='{"M": 32, "ef": 128}', value=repr(params))
    if isinstance(where, MilvusStore):
        from qa.milvus import MilvusVectors

        return MilvusVectors.chosen(kind, parsed, where.lite)
    if parsed is not None:
        raise QAError("error_index_params_local")
    if kind not in INDEX_TYPES:
        raise QAError("error_index_type_milvus", kind=kind, types=", ".join(INDEX_TYPES))
    return VectorSettings(kind=kind)
