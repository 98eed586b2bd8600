"""A local index → an index in Milvus, without embedding anything again: the articles, chunks,
vectors and sentence vectors the folder holds go through the same writer a build uses.

Reading the folder is qa/store.py's job, writing Milvus qa/milvus_build.py's; this module holds the copy.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from tqdm.auto import tqdm

import qa
from qa.errors import IndexFormatError
from qa.location import MilvusStore
from qa.milvus import MilvusManifest, MilvusVectors
from qa.milvus_build import MilvusTarget
from qa.store import LocalIndex, VectorSettings


def migrate(
    folder: Path,
    to: MilvusStore,
    vectors: MilvusVectors | None = None,
    log: Callable[[str], None] = print,
) -> MilvusManifest:
    """Copy the index in `folder` into `to`, replacing the index `to` held (which keeps answering
    until the copy commits, as with `qa build --rebuild`). `vectors`: Milvus's index type; by
    default the one the local index's kind stands for (flat: FLAT, ivf: IVF_FLAT, auto: auto)."""
    started = time.perf_counter()
    source = LocalIndex.open(folder)
    target = MilvusTarget(to)
    try:
        with target.lock():
            try:
                previous = target.committed()
            except IndexFormatError:
                previous = None
            if previous:
                target.tidy(keep=previous)
                log(f"Replacing the index in {to} ({previous.articles} articles, {previous.chunks} chunks).")
            chosen = target.vector_settings(vectors or VectorSettings.recorded_in(source.manifest), None)
            writer = target.writer(source.settings, None, chosen)
            try:
                with tqdm(total=source.manifest.chunks, desc="Copying chunks", unit="chunk") as bar:
                    for article, chunks, chunk_vectors, sentence_vectors in source.contents():
                        writer.add_article(article, chunks, chunk_vectors, sentence_vectors)
                        bar.update(len(chunks))
                manifest = writer.commit(
                    {
                        "qa_version": qa.__version__,
                        "migrated_from": str(folder),
                        "seconds": round(time.perf_counter() - started, 3),
                    }
                )
            except BaseException:
                writer.abort()
                raise
            # The files' fingerprints go too, so the next build reads only what changed since.
            target.record_sources(manifest, source.sources(), [])
    finally:
        target.close()
        source.close()
    return manifest
