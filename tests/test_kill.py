"""A real `qa build` killed with SIGKILL at several points: the index it leaves answers, is whole,
and the next build makes it exactly what a clean build makes."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from qa.answering import ask
from qa.build import build_index
from qa.filters import Filters
from qa.search import Retriever
from qa.store import LocalIndex
from tests.conftest import ROOT, SEEDS

QUESTION = "Wat bood Trump aan Sheinbaum aan?"


@pytest.fixture(scope="module", autouse=True)
def one_thread():
    """Builds here run on one thread, like the killed ones (see start_build): on a busy CPU
    OpenMP's spinning threads make a build many times slower, and this file would take minutes."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def archive(tmp_path_factory) -> Path:
    """The dev archive and the seed articles, one seed gone and one changed since the seed index:
    a build of a few seconds that adds, changes and removes."""
    folder = tmp_path_factory.mktemp("archive") / "corpus"
    folder.mkdir()
    for source in [*(ROOT / "eval" / "devarchive" / "corpus").iterdir(), *SEEDS.iterdir()]:
        shutil.copy(source, folder / source.name)
    next(folder.glob("004_*.txt")).unlink()
    changed = next(folder.glob("003_*.txt"))
    changed.write_text(changed.read_text(encoding="utf-8") + "\nHet plan kost 90 miljoen pond.\n", "utf-8")
    return folder


@pytest.fixture(scope="module")
def clean(tmp_path_factory, archive, encoder) -> Path:
    """What a build of the archive into an empty folder gives."""
    folder = tmp_path_factory.mktemp("clean") / "index"
    build_index(archive, folder, encoder=encoder, log=lambda _: None)
    return folder


def named_files(index: Path) -> list[str]:
    manifest = json.loads((index / "manifest.json").read_text())
    segments = [f"{s['name']}{suffix}" for s in manifest["segments"] for suffix in (".faiss", ".bm25.npz")]
    return [manifest["chunk_store"], *segments]


def contents(index: Path) -> dict:
    """What a user can get out of the index: its articles, their chunks and sentences."""
    store = LocalIndex.open(index)
    try:
        chunks = store.chunks(store.chunk_ids_where(Filters()).tolist()).values()
        return {
            "articles": store.article_hashes(),
            "chunks": sorted((c.article.id, c.position, c.text) for c in chunks),
            "sentences": sorted({(c.article.id, s, e) for c in chunks for s, e in c.sentences}),
        }
    finally:
        store.close()


def assert_whole(index: Path) -> None:
    """The committed generation is all there and agrees with itself, and it answers."""
    manifest = json.loads((index / "manifest.json").read_text())
    assert all((index / name).exists() for name in named_files(index))
    store = LocalIndex.open(index)
    live = store.chunk_ids_where(Filters())
    assert store.count() == len(live) == manifest["chunks"] > 0
    store.check()
    store.close()
    retriever = Retriever.open(index)
    answer = ask(QUESTION, retriever=retriever, extractive_only=True)
    assert answer.passages and "Sheinbaum" in answer.passages[0].text
    retriever.close()


def start_build(archive: Path, index: Path) -> tuple[subprocess.Popen, bytearray]:
    # One thread: under a busy CPU, OpenMP's spinning threads make a build many times slower, and
    # the kill points are found by watching for them, not by timing.
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "OMP_NUM_THREADS": "1"}
    command = [sys.executable, "-m", "qa", "build", "--corpus", str(archive), "--index", str(index)]
    build = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = bytearray()

    def collect() -> None:
        while chunk := build.stderr.read1(4096):
            err.extend(chunk)

    threading.Thread(target=collect, daemon=True).start()
    return build, err


def kill_when(build: subprocess.Popen, point: Callable[[], bool], timeout: float = 120) -> bool:
    """SIGKILL the build once `point` holds; False if it finished first."""
    deadline = time.monotonic() + timeout
    while not point():
        if build.poll() is not None:
            return False
        assert time.monotonic() < deadline, "the build never got there"
        time.sleep(0.001)
    build.send_signal(signal.SIGKILL)
    return build.wait() == -signal.SIGKILL


def kill_points(index: Path, err: bytearray, started: float) -> dict[str, Callable[[], bool]]:
    # The seed index is generation 1: this build writes generation 2, its rows into the chunk
    # store's write-ahead log while it embeds, then its segment.
    wal = index / "chunks-00001.sqlite-wal"
    return {
        "start-up": lambda: time.monotonic() - started > 0.5,
        "embedding": lambda: b"Embedding chunks" in err,
        "writing": lambda: wal.exists() and wal.stat().st_size > 0,
        "committing": lambda: (index / "seg-00002.faiss").exists(),
    }


@pytest.mark.parametrize("point", ["start-up", "embedding", "writing", "committing"])
def test_a_killed_build_leaves_an_index_that_answers_and_the_next_build_completes_it(
    archive, clean, seed_index, tmp_path, encoder, point
):
    index = tmp_path / "index"
    shutil.copytree(seed_index, index)
    started = time.monotonic()
    build, err = start_build(archive, index)
    killed = kill_when(build, kill_points(index, err, started)[point])
    # Start-up and embedding last seconds, so the kill always lands there; writing and committing
    # take milliseconds, and a build that got past them first must have succeeded.
    finished_first = point in ("writing", "committing") and build.returncode == 0
    assert killed or finished_first, err.decode(errors="replace")[-2000:]

    assert_whole(index)
    report = build_index(archive, index, encoder=encoder, log=lambda _: None)
    assert_whole(index)
    assert contents(index) == contents(clean)
    if killed:
        assert (report.added, report.changed, report.removed) != ([], [], [])
    files = {name for name in os.listdir(index) if not name.endswith(("-wal", "-shm"))}
    assert files == {".build.lock", "manifest.json", *named_files(index)}
