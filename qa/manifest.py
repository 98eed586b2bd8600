"""manifest.json: which generation of an index folder is committed, what built it, which files
hold it. Reading it checks every field; the files themselves are qa/store.py's business.

Format 5: one chunk store updated in place (rows carry the generation that added and removed
them) beside append-only vector and BM25 segments, so an update writes what changed only.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

from qa.chunking import ChunkSettings
from qa.errors import IndexCorruptError, IndexFormatError
from qa.translations import Message

FORMAT_VERSION = 5  # 3: sentence vectors; 4: BM25 as term counts; 5: segments, store in place
MANIFEST = "manifest.json"
# The files a manifest names are named as a build names them; a manifest naming anything else
# (`../../etc/passwd`) is refused before a file is opened.
SEGMENT_NAME = re.compile(r"seg-\d{5,}(-\d+)?")
CHUNK_STORE_NAME = re.compile(r"chunks-\d{5,}\.sqlite")
VECTOR_KINDS = ("flat", "ivf")


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


@dataclass(frozen=True)
class Segment:
    """A batch of chunks a build added, or a merge of such batches: its vectors in
    `{name}.faiss`, its BM25 term counts in `{name}.bm25.npz`."""

    name: str
    chunks: int  # rows it holds, removed chunks included until a merge drops them
    kind: str  # "flat" (exact) or "ivf" (approximate, for the largest)

    @classmethod
    def from_dict(cls, data: dict, where: str) -> Segment:
        _no_other_fields(data, cls, where)
        name = _field(data, "name", str, where)
        if not SEGMENT_NAME.fullmatch(name):
            raise ValueError(
                f"field {where}name is {json.dumps(name)}, not a segment of the index (seg-NNNNN)"
            )
        kind = _field(data, "kind", str, where)
        if kind not in VECTOR_KINDS:
            raise ValueError(f"field {where}kind is {json.dumps(kind)}, not one of {', '.join(VECTOR_KINDS)}")
        return cls(name, _count(data, "chunks", where), kind)


@dataclass
class Manifest:
    format_version: int
    settings: IndexSettings
    generation: int
    next_chunk_id: int  # ids are never reused, so a chunk id means one text for the index's life
    articles: int  # how many articles the generation holds
    chunks: int  # and chunks
    segments: list[Segment]
    chunk_store: str  # the SQLite file, updated in place until a full rebuild writes a new one
    build: dict = field(default_factory=dict)

    def to_json(self) -> str:
        data = asdict(self)
        data["settings"] = self.settings.as_dict()
        return json.dumps(data, indent=2, ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_dict(cls, data: dict) -> Manifest:
        """Raises ValueError naming the field that is missing or not what a build writes."""
        _no_other_fields(data, cls)
        segments = _field(data, "segments", list)
        build = _field(data, "build", dict) if "build" in data else {}
        return cls(
            format_version=_count(data, "format_version"),
            settings=IndexSettings.from_dict(_field(data, "settings", dict)),
            generation=_count(data, "generation"),
            next_chunk_id=_count(data, "next_chunk_id"),
            articles=_count(data, "articles"),
            chunks=_count(data, "chunks"),
            segments=[
                Segment.from_dict(_item(segment, dict, f"segments[{i}]"), f"segments[{i}].")
                for i, segment in enumerate(segments)
            ],
            chunk_store=_file_name(data, "chunk_store", CHUNK_STORE_NAME),
            build=build,
        )

    def files(self) -> list[str]:
        """The files this generation reads: the chunk store, each segment's vectors and counts."""
        return [
            self.chunk_store,
            *(name for s in self.segments for name in (f"{s.name}.faiss", f"{s.name}.bm25.npz")),
        ]


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
        raise IndexCorruptError("error_manifest_unreadable", path=path, detail=e.strerror) from None
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
                "error_index_format", path=path, found=found, version=FORMAT_VERSION, folder=folder
            )
        return Manifest.from_dict(data)
    except ValueError as e:
        raise damaged(folder, Message("damage_not_manifest", path=path, detail=str(e))) from None


def damaged(folder: Path, problem: Message) -> IndexCorruptError:
    """The error for an index whose files are damaged: one line, the problem and the fix."""
    # SQLite's reports can span lines.
    said = {name: " ".join(v.splitlines()) if isinstance(v, str) else v for name, v in problem.fields.items()}
    problem = Message(problem.key, **said)
    return IndexCorruptError(Message("error_damaged", problem=problem, folder=folder), problem=problem)


def _item(value: Any, kind: type, where: str) -> Any:
    if not isinstance(value, kind):
        raise ValueError(f"field {where} is {_json_kind(value)}, not {_KIND_NAMES[kind]}")
    return value


def _field(data: dict, name: str, kind: type, where: str = "") -> Any:
    """`data[name]` if it is a `kind`; a ValueError naming the field otherwise."""
    if name not in data:
        raise ValueError(f"field {where}{name} is missing")
    value = data[name]
    # JSON's true and false are bools, and a bool is an int to isinstance: not a count, though.
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise ValueError(f"field {where}{name} is {_json_kind(value)}, not {_KIND_NAMES[kind]}")
    return value


def _file_name(data: dict, name: str, pattern: re.Pattern) -> str:
    """A file of the index folder, as a build names it: never a path that leads out of it."""
    value = _field(data, name, str)
    if not pattern.fullmatch(value):
        raise ValueError(f"field {name} is {json.dumps(value)}, not a file of the index folder")
    return value


def _count(data: dict, name: str, where: str = "", least: int = 0) -> int:
    value = _field(data, name, int, where)
    if value < least:
        raise ValueError(f"field {where}{name} is {value}, not a whole number of at least {least}")
    return value


def _no_other_fields(data: dict, kind: type, where: str = "") -> None:
    known = {f.name for f in fields(kind)}
    other = sorted(set(data) - known)
    if other:
        raise ValueError(f"field {where}{other[0]} is not one a qa index has")


_KIND_NAMES = {int: "a whole number", str: "a string", dict: "an object", list: "a list"}


def _json_kind(value: object) -> str:
    """How a JSON value reads to whoever edits the manifest: `a string ("4")`."""
    kinds = {bool: "true/false", int: "a number", float: "a number", str: "a string", list: "a list"}
    kind = "an object" if isinstance(value, dict) else "null" if value is None else kinds[type(value)]
    shown = json.dumps(value, ensure_ascii=False)
    return f"{kind} ({shown[:37] + '...' if len(shown) > 40 else shown})"
