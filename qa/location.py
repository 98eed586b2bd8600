"""Where an index lives: a local folder (FAISS + SQLite), or a Milvus store named by a URI or a
milvus-lite file. Holds the naming only; qa/backends.py opens what is named.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from qa.errors import QAError

DEFAULT_COLLECTION = "qa"
# Milvus's rule for collection names; ours get suffixes (_meta, _g00001_chunks) within its 255.
_COLLECTION_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,199}")


@dataclass(frozen=True)
class MilvusStore:
    """A Milvus that holds an index: `uri` is http(s)://host:port for a server or cluster, or the
    path of a milvus-lite file (…/archief.db); `collection` names the index's collections there."""

    uri: str
    collection: str = DEFAULT_COLLECTION
    token: str = field(default="", repr=False, compare=False)  # "user:password" or an API key

    def __post_init__(self) -> None:
        if not _COLLECTION_NAME.fullmatch(self.collection):
            raise QAError("error_collection_name", name=repr(self.collection))

    @property
    def lite(self) -> bool:
        """A milvus-lite file rather than a server: FLAT and IVF_FLAT only, one process at a time."""
        return not self.uri.startswith(("http://", "https://"))

    def __str__(self) -> str:
        return (
            self.uri
            if self.collection == DEFAULT_COLLECTION
            else f"{self.uri} (collection {self.collection})"
        )


Location = Path | MilvusStore


def names_milvus(store: str | Path) -> bool:
    """milvus://…, http(s)://… or a path ending in .db (pymilvus's own convention for milvus-lite)."""
    text = str(store)
    return text.startswith(("milvus://", "http://", "https://")) or text.endswith(".db")


def locate(
    store: str | Path | MilvusStore, collection: str | None = None, token: str | None = None
) -> Location:
    """The index `store` names: a MilvusStore for a Milvus URI or .db file, else a local folder."""
    if isinstance(store, MilvusStore):
        return store
    if not names_milvus(store):
        return Path(store)
    text = str(store)
    if text.startswith("milvus://"):
        # Milvus's own scheme is gRPC over plain HTTP/2, which pymilvus names http://.
        text = "http://" + text.removeprefix("milvus://")
    elif not text.startswith(("http://", "https://")):
        text = str(Path(text).expanduser().resolve())
    return MilvusStore(text.rstrip("/"), collection or DEFAULT_COLLECTION, token or "")
