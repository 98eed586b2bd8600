"""Uploaded files → new articles in corpus/: safe names, the same checks the build makes, no overwrites.

The app calls `save_uploads`; how the outcome is shown is qa/ui.py's.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from qa.articles import SUFFIXES, ArticleError, SourceFile, parse_article

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
    problem: str = ""  # "type", "size", "unreadable", "name"; "" when saved
    detail: str = ""  # the reader's reason for "unreadable"
    size: int = 0

    @property
    def renamed(self) -> bool:
        return self.saved_as is not None and self.saved_as != self.name


def check_upload(name: str, data: bytes, max_bytes: int) -> UploadOutcome | None:
    """Why an upload named `name` (already made safe) cannot become an article; None if it can."""
    if Path(name).suffix.lower() not in SUFFIXES:
        return UploadOutcome(name, None, "type", size=len(data))
    if len(data) > max_bytes:
        return UploadOutcome(name, None, "size", size=len(data))
    try:
        # The same reader the build uses, so what is accepted here is what gets indexed.
        parse_article(SourceFile(name, Path(name), data, hashlib.sha256(data).hexdigest()))
    except ArticleError as e:
        return UploadOutcome(name, None, "unreadable", str(e), len(data))
    return None


def save_uploads(uploads: Iterable[tuple[str, Path]], corpus: Path, max_bytes: int) -> list[UploadOutcome]:
    """Copy uploaded files (name as given, where the bytes are) into `corpus`, each on its own.

    A refused file does not stop the others; an existing name gets a suffix, never overwritten.
    """
    outcomes = []
    root = corpus.resolve()
    for given, path in uploads:
        try:
            name = safe_filename(given)
        except UnsafeName:
            outcomes.append(UploadOutcome(given, None, "name"))
            continue
        size = path.stat().st_size
        if Path(name).suffix.lower() not in SUFFIXES:
            outcomes.append(UploadOutcome(name, None, "type", size=size))
            continue
        if size > max_bytes:  # refused before reading it into memory
            outcomes.append(UploadOutcome(name, None, "size", size=size))
            continue
        data = path.read_bytes()
        refused = check_upload(name, data, max_bytes)
        if refused:
            outcomes.append(refused)
            continue
        outcomes.append(UploadOutcome(name, _write_new(root, name, data), size=len(data)))
    return outcomes


def _write_new(root: Path, name: str, data: bytes) -> str:
    """Create `name` (or the next free variant) in `root`; exclusive creation never overwrites."""
    while True:
        candidate = unique_filename(name, (p.name for p in root.iterdir()))
        target = root / candidate
        if target.parent != root:  # safe_filename makes this impossible; stay loud if it ever is not
            raise AssertionError(f"upload {name!r} would leave {root}")
        try:
            with open(target, "xb") as handle:
                handle.write(data)
            return candidate
        except FileExistsError:
            continue  # another upload took the name between listing and creating
