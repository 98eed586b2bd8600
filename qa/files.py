"""Making a written file durable: on disk, name and all, before anything points at it.

Every index file goes through these, so a power cut cannot leave a manifest naming half-written
files (and a test can watch them).
"""

from __future__ import annotations

import contextlib
import os
from pathlib import Path


def fsync(path: Path) -> None:
    """The file's contents on disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(folder: Path) -> None:
    """The folder's entries (the names of files just created or renamed) on disk."""
    with contextlib.suppress(OSError):
        fsync(folder)
