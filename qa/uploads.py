"""Uploaded files → new articles in corpus/: safe names, the same checks the build makes, no overwrites,
no article twice.

The app calls `save_uploads`; how the outcome is shown is qa/ui.py's.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from qa.archives import ARCHIVE_SUFFIXES
from qa.articles import SUFFIXES, Article, ArticleError, Skipped, SourceFile, parse_article, read_archive
from qa.translations import Message

MAX_NAME_CHARS = 120
_UNSAFE_IN_NAME = re.compile(r'[<>:"|?*]')


class UnsafeName(ValueError):
    """An uploaded file's name leaves nothing usable once made safe."""


def safe_filename(name: str) -> str:
    """An uploaded file's name made safe to create inside corpus/: one plain name, never a path.

    Keeps only the last path component (either separator), drops control and format characters
    and characters Windows forbids, and leading dots (no hidden files, no `..`).
    """
    base = re.split(r"[/\\]", name)[-1]
    base = "".join(c for c in base if unicodedata.category(c) not in ("Cc", "Cf", "Zl", "Zp"))
    base = _UNSAFE_IN_NAME.sub("", base).strip().lstrip(".").strip()
    if not base:
        raise UnsafeName(name)
    stem, dot, suffix = base.rpartition(".")
    if dot and stem and len(base) > MAX_NAME_CHARS:
        base = stem[: MAX_NAME_CHARS - len(suffix) - 1].rstrip() + "." + suffix
    return base[:MAX_NAME_CHARS]


def unique_filename(name: str, taken: Iterable[str]) -> str:
    """`name`, or `name-2`, `name-3`… before the suffix when a file of that name exists already."""
    existing = {t.casefold() for t in taken}
    if name.casefold() not in existing:
        return name
    stem, dot, suffix = name.rpartition(".")
    if not dot or not stem:
        stem, suffix = name, ""
    n = 2
    while True:
        candidate = f"{stem}-{n}.{suffix}" if suffix else f"{stem}-{n}"
        if candidate.casefold() not in existing:
            return candidate
        n += 1


@dataclass(frozen=True)
class UploadOutcome:
    name: str  # as uploaded
    saved_as: str | None  # the file's name in corpus/, None when refused
    # "type", "size", "unreadable", "name", "duplicate" (the archive has its text), "repeated" (an
    # earlier file of the same upload has it); "" when saved
    problem: str = ""
    detail: str = ""  # the article or file with the same text, for "duplicate" and "repeated"
    reason: Message | None = None  # why the reader refused it, for "unreadable"
    size: int = 0
    limit: int = 0  # for "size": the limit it is over

    @property
    def renamed(self) -> bool:
        return self.saved_as is not None and self.saved_as != self.name


def check_upload(
    name: str, data: bytes, max_bytes: int, max_archive_bytes: int | None = None
) -> UploadOutcome | None:
    """Why an upload named `name` (already made safe) cannot become an article, or for a bulk
    archive (.jsonl, .json, .csv, .tsv) not even one; None if it can.

    `max_bytes` limits an article's file and an archive's row; `max_archive_bytes` (default
    `max_bytes`) an archive, which holds many.
    """
    read = _read_upload(name, data, max_bytes, max_archive_bytes)
    return read if isinstance(read, UploadOutcome) else None


def _read_upload(
    name: str, data: bytes, max_bytes: int, max_archive_bytes: int | None
) -> UploadOutcome | Article | None:
    """check_upload's refusal, else the article a file reads as (None for a bulk archive)."""
    suffix = Path(name).suffix.lower()
    if suffix not in SUFFIXES:
        return UploadOutcome(name, None, "type", size=len(data))
    limit = (max_archive_bytes or max_bytes) if suffix in ARCHIVE_SUFFIXES else max_bytes
    if len(data) > limit:
        return UploadOutcome(name, None, "size", size=len(data), limit=limit)
    # The same reader the build uses, so what is accepted here is what gets indexed.
    if suffix in ARCHIVE_SUFFIXES:
        problem = _archive_problem(name, data, max_bytes)
        return (
            None
            if problem is None
            else UploadOutcome(name, None, "unreadable", size=len(data), reason=problem)
        )
    try:
        return parse_article(SourceFile(name, Path(name), data, hashlib.sha256(data).hexdigest()))
    except ArticleError as e:
        return UploadOutcome(name, None, "unreadable", size=len(data), reason=e.message)


def _archive_problem(name: str, data: bytes, max_row_bytes: int) -> Message | None:
    """Why no row of the archive can become an article; None once one can (the build reports the
    bad rows of an archive that is taken)."""
    first_reason = None
    for found in read_archive(name, Path(name), io.BytesIO(data), max_row_bytes):
        if isinstance(found, Skipped):
            if found.id == name:  # the archive as a whole
                return found.reason
            line = found.id.rpartition(":")[2]
            first_reason = first_reason or Message("upload_bad_row", line=line, reason=found.reason)
            continue
        try:
            parse_article(found)
            return None
        except ArticleError as e:
            first_reason = first_reason or Message("upload_bad_row", line=found.line, reason=e.message)
    return (
        Message("upload_no_article_row", reason=first_reason) if first_reason else Message("upload_no_rows")
    )


def save_uploads(
    uploads: Iterable[tuple[str, Path]],
    corpus: Path,
    max_bytes: int,
    max_archive_bytes: int | None = None,
    archived: Callable[[str], list[str]] | None = None,
) -> list[UploadOutcome]:
    """Copy uploaded files (name as given, where the bytes are) into `corpus`, each on its own.

    A refused file does not stop the others; an existing name gets a suffix, never overwritten.
    A file whose cleaned text the archive already holds (`archived`: text hash → the ids of the
    indexed articles with it), or an earlier file of these uploads, is not saved again: the same
    article twice would show twice in every answer. Limits as check_upload's.
    """
    # Every file is created inside the folder opened here, through its descriptor: a folder
    # swapped for a link to elsewhere after this point receives nothing. (A corpus that is a link
    # when the upload starts is followed, as the build follows it.)
    root = os.open(corpus.resolve(), os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    try:
        return _save_into(root, uploads, max_bytes, max_archive_bytes, archived)
    finally:
        os.close(root)


def _save_into(
    root: int,
    uploads: Iterable[tuple[str, Path]],
    max_bytes: int,
    max_archive_bytes: int | None,
    archived: Callable[[str], list[str]] | None,
) -> list[UploadOutcome]:
    outcomes = []
    uploaded: dict[str, str] = {}  # text hash → the name a file of these uploads was saved as
    for given, path in uploads:
        try:
            name = safe_filename(given)
        except UnsafeName:
            outcomes.append(UploadOutcome(given, None, "name"))
            continue
        size = path.stat().st_size
        suffix = Path(name).suffix.lower()
        if suffix not in SUFFIXES:
            outcomes.append(UploadOutcome(name, None, "type", size=size))
            continue
        limit = (max_archive_bytes or max_bytes) if suffix in ARCHIVE_SUFFIXES else max_bytes
        if size > limit:  # refused before reading it into memory
            outcomes.append(UploadOutcome(name, None, "size", size=size, limit=limit))
            continue
        data = path.read_bytes()
        read = _read_upload(name, data, max_bytes, max_archive_bytes)
        if isinstance(read, UploadOutcome):
            outcomes.append(read)
            continue
        if read is not None:  # an article; a bulk archive's rows are compared by the build
            if read.text_hash in uploaded:
                outcomes.append(UploadOutcome(name, None, "repeated", uploaded[read.text_hash], len(data)))
                continue
            holders = archived(read.text_hash) if archived else []
            if holders:
                outcomes.append(UploadOutcome(name, None, "duplicate", holders[0], len(data)))
                continue
        saved = _write_new(root, name, data)
        if read is not None:
            uploaded[read.text_hash] = saved
        outcomes.append(UploadOutcome(name, saved, size=len(data)))
    return outcomes


def _write_new(root: int, name: str, data: bytes) -> str:
    """Create `name` (or the next free variant) in the folder `root` (a descriptor); exclusive
    creation never overwrites, and a link of that name is never followed."""
    while True:
        candidate = unique_filename(name, os.listdir(root))
        if "/" in candidate or candidate in (".", ".."):  # safe_filename makes this impossible
            raise AssertionError(f"upload {name!r} would leave its folder")
        try:
            handle = os.open(
                candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o666, dir_fd=root
            )
        except FileExistsError:
            continue  # another upload took the name between listing and creating
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        return candidate
