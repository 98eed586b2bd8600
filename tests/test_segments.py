"""The index's segments: updates write what changed and equal a full build, merges keep the
segments few and drop removed chunks, the approximate index finds what the exact scan finds."""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import shutil
import sqlite3

import numpy as np
import pytest

import qa.build
import qa.store
from qa.build import build_index
from qa.filters import Filters
from qa.store import LocalIndex, VectorSettings
from qa.vectors import VectorIndex, read_segment, segment_contents, write_merged_segment, write_segment
from tests.conftest import ROOT, SEEDS

QUESTIONS = ["Welk aanbod wees Sheinbaum af?", "Hoeveel asielaanvragen waren er in 2021?", "Verstappen"]


class HashEncoder:
    """Deterministic vectors from the text's hash: build bookkeeping without the model's cost.
    (What a user sees is tested with the real model elsewhere.)"""

    dimension = 32

    def encode_document(self, texts, **kwargs) -> np.ndarray:
        rows = [np.random.default_rng(int(hashlib.sha256(t.encode()).hexdigest()[:12], 16)).normal(size=32)
                for t in texts]  # fmt: skip
        vectors = np.array(rows, dtype=np.float32).reshape(len(texts), self.dimension)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def get_embedding_dimension(self) -> int:
        return self.dimension


def quiet(**kwargs):
    return {"log": lambda _: None, "encoder": HashEncoder(), "model": "hash-32", **kwargs}


def contents(index) -> dict:
    store = LocalIndex.open(index)
    try:
        chunks = store.chunks(store.chunk_ids_where(Filters()).tolist()).values()
        return {
            "articles": store.article_hashes(),
            "chunks": sorted((c.article.id, c.start, c.end, c.text) for c in chunks),
            "sentences": sorted({(c.article.id, s, e) for c in chunks for s, e in c.sentences}),
        }
    finally:
        store.close()


def answers(index) -> list:
    """What search gives for a few questions, by article and offsets (chunk ids differ)."""
    store = LocalIndex.open(index)
    try:
        vector = HashEncoder().encode_document(QUESTIONS)
        found = []
        for question, v in zip(QUESTIONS, vector, strict=True):
            ids = [i for i, _ in store.search(v, 10)] + [i for i, _ in store.lexical_search(question, 10)]
            chunks = store.chunks(ids)
            found.append([(chunks[i].article.id, chunks[i].start) for i in ids])
        return found
    finally:
        store.close()


@pytest.fixture
def archive(tmp_path):
    folder = tmp_path / "archive"
    shutil.copytree(SEEDS, folder)
    return folder


def test_a_series_of_updates_equals_a_full_build_and_merges_keep_segments_few(archive, tmp_path):
    index = tmp_path / "index"
    build_index(archive, index, **quiet())
    extra = sorted((ROOT / "eval" / "devarchive" / "corpus").glob("*.txt"))[:14]
    for n, source in enumerate(extra):
        shutil.copy(source, archive / source.name)  # one article a build: many small segments
        if n == 5:
            (archive / next(iter(sorted(p.name for p in archive.glob("00[0-4]*"))))).unlink()
        if n == 8:
            changed = archive / extra[2].name
            changed.write_text(changed.read_text(encoding="utf-8") + "\n\nEen nieuwe alinea.\n", "utf-8")
        build_index(archive, index, **quiet())
        manifest = json.loads((index / "manifest.json").read_text())
        # The tiers merge at six: never more than five segments of one size class.
        assert len(manifest["segments"]) <= 12
    clean = tmp_path / "clean"
    build_index(archive, clean, **quiet())
    assert contents(index) == contents(clean)
    assert answers(index) == answers(clean)
    names = {s["name"] for s in json.loads((index / "manifest.json").read_text())["segments"]}
    assert any("-" in name.removeprefix("seg-") for name in names)  # some came from merges
    LocalIndex.open(index).check()


@pytest.mark.parametrize("kind", ["flat", "ivf"])
def test_removed_chunks_leave_the_segments_and_the_chunk_store(archive, tmp_path, kind):
    index = tmp_path / "index"
    build_index(archive, index, vectors=VectorSettings(kind=kind), **quiet())  # kept by later builds
    for path in sorted(archive.glob("*.txt"))[:3]:
        path.unlink()  # most of the only segment: it is rewritten without them
    build_index(archive, index, **quiet())
    build_index(archive, index, **quiet())  # nothing changed: no new generation
    for n in range(2):  # two later generations: no reader can still see the removed rows
        (archive / f"nieuw-{n}.txt").write_text(f" date 2024-06\nNieuws {n} uit Maastricht.\n", "utf-8")
        build_index(archive, index, **quiet())
    manifest = json.loads((index / "manifest.json").read_text())
    store = LocalIndex.open(index)
    assert store.count() == manifest["chunks"] == len(store.chunk_ids_where(Filters()))
    store.close()
    # Rows that neither the current generation nor the one before can see are gone.
    with sqlite3.connect(index / manifest["chunk_store"]) as db:
        (removed,) = db.execute("SELECT count(*) FROM chunks WHERE removed IS NOT NULL").fetchone()
        (articles,) = db.execute("SELECT count(*) FROM articles").fetchone()
    assert removed == 0 and articles == manifest["articles"]
    assert {segment["kind"] for segment in manifest["segments"]} == {kind}


def test_the_vector_kind_follows_the_settings(archive, tmp_path):
    index = tmp_path / "index"
    build_index(archive, index, vectors=VectorSettings(kind="flat"), **quiet())
    assert {s["kind"] for s in json.loads((index / "manifest.json").read_text())["segments"]} == {"flat"}
    assert VectorSettings(kind="auto", ivf_above=50).kind_for(60) == "ivf"
    assert VectorSettings(kind="auto", ivf_above=50).kind_for(40) == "flat"
    assert VectorSettings(kind="ivf").kind_for(40) == "ivf"
    assert VectorSettings(kind="flat").kind_for(10**7) == "flat"


@pytest.mark.parametrize("written", ["whole", "merged from parts"])
def test_the_approximate_index_finds_what_the_exact_scan_finds(tmp_path, written):
    rng = np.random.default_rng(3)
    centres = rng.normal(size=(40, 64))
    vectors = (centres[rng.integers(0, 40, 6000)] + 0.6 * rng.normal(size=(6000, 64))).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    ids = np.arange(1000, 7000, dtype=np.int64)
    for kind in ("flat", "ivf"):
        if written == "whole":
            write_segment(tmp_path / f"{kind}.faiss", ids, vectors, kind)
        else:
            # As a merge writes: one source segment's vectors at a time, the sample drawn from each.
            def parts(cuts=(0, 500, 3500, 6000)):
                for a, b in itertools.pairwise(cuts):
                    yield ids[a:b], vectors[a:b]

            write_merged_segment(tmp_path / f"{kind}.faiss", parts, len(ids), 64, kind)
            assert np.array_equal(np.sort(segment_contents(read_segment(tmp_path / f"{kind}.faiss"))[0]), ids)
    removed = ids[::7]
    exact = VectorIndex.load([tmp_path / "flat.faiss"], removed, 64)
    approximate = VectorIndex.load([tmp_path / "ivf.faiss"], removed, 64)
    assert exact.count() == approximate.count() == len(ids) - len(removed)
    queries = vectors[rng.choice(len(vectors), 50, replace=False)] + 0.1 * rng.normal(size=(50, 64))
    overlap = []
    allowed = ids[(ids % 3) == 0]
    for query in queries.astype(np.float32):
        truth = {h.chunk_id for h in exact.search(query, 10)}
        found = {h.chunk_id for h in approximate.search(query, 10)}
        overlap.append(len(truth & found) / 10)
        assert not found & set(removed.tolist())
        filtered = approximate.search(query, 10, allowed)
        assert filtered and all(h.chunk_id % 3 == 0 and h.chunk_id not in set(removed) for h in filtered)
    assert np.mean(overlap) >= 0.98


def test_the_typed_indexes_are_of_their_type(typed_index):
    kind = typed_index.parent.name.split("-")[1].rstrip("0123456789")
    if kind == "milvus":
        from qa.backends import open_index

        index = open_index(typed_index)
        assert index.manifest.vectors.index_type == "FLAT"  # exact: milvus-lite's default
        index.close()
        return
    segments = json.loads((typed_index / "manifest.json").read_text())["segments"]
    assert segments and {s["kind"] for s in segments} == {kind}


def test_index_type_is_chosen_on_the_command_line_and_kept(archive, tmp_path, monkeypatch):
    from qa import build
    from qa.cli import main

    monkeypatch.setattr(build, "load_encoder", lambda name: HashEncoder())
    index = tmp_path / "index"

    def kinds() -> set[str]:
        return {s["kind"] for s in json.loads((index / "manifest.json").read_text())["segments"]}

    assert main(["build", "--corpus", str(archive), "--index", str(index), "--index-type", "ivf"]) == 0
    assert kinds() == {"ivf"}
    (archive / "nieuw.txt").write_text(" date 2024-06\nNieuws uit Maastricht.\n", "utf-8")
    assert main(["build", "--corpus", str(archive), "--index", str(index)]) == 0  # kept
    assert kinds() == {"ivf"}
    assert main(["build", "--corpus", str(archive), "--index", str(index), "--index-type", "flat",
                 "--rebuild"]) == 0  # fmt: skip
    assert kinds() == {"flat"}
    with pytest.raises(SystemExit):
        main(["build", "--corpus", str(archive), "--index", str(index), "--index-type", "magic"])
    # Milvus's index types are for a Milvus store (tests/test_milvus.py).
    assert main(["build", "--corpus", str(archive), "--index", str(index), "--index-type", "hnsw"]) == 1


def _age(path, seconds: float = 60) -> None:
    """Date the file back, out of the window in which a build does not trust its fingerprint."""
    stamp = path.stat().st_mtime - seconds
    os.utime(path, (stamp, stamp))


def test_unchanged_files_are_not_read_again_and_a_changed_one_is(tmp_path, monkeypatch):
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    rows = [{"id": f"r{i}", "title": f"Bericht {i}", "text": f"De dijk bij Venlo wordt {i} meter verhoogd."}
            for i in range(5)]  # fmt: skip
    archive = corpus / "archief.jsonl"
    archive.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    fresh = corpus / "vers.txt"
    fresh.write_text("Vers\n\nDit bericht is net geschreven en wordt elke keer gelezen.\n", encoding="utf-8")
    for path in corpus.iterdir():
        if path != fresh:
            _age(path)
    index = tmp_path / "index"
    build_index(corpus, index, **quiet())

    read: list[str] = []
    real = qa.build.read_sources
    monkeypatch.setattr(qa.build, "read_sources", lambda c, p, m: read.append(p.name) or real(c, p, m))
    report = build_index(corpus, index, **quiet())
    # A file changed in the seconds before the scan is read until it has aged: its fingerprint
    # could hide a second change within one tick of the file system's clock.
    assert read == ["vers.txt"] and report.unchanged == len(list(SEEDS.iterdir())) + 5 + 1

    read.clear()
    archive.write_text("".join(json.dumps(r) + "\n" for r in rows[:4]), encoding="utf-8")
    report = build_index(corpus, index, **quiet())
    assert sorted(read) == ["archief.jsonl", "vers.txt"] and report.removed == ["archief.jsonl#r4"]
    _age(archive)
    fresh.unlink()
    read.clear()
    report = build_index(corpus, index, **quiet())
    assert read == ["archief.jsonl"] and report.removed == ["vers.txt"]
    read.clear()
    build_index(corpus, index, **quiet())
    assert read == []

    # --rebuild reads everything, whatever the fingerprints say.
    assert build_index(corpus, index, rebuild=True, **quiet()).added and read


def test_a_large_index_is_built_on_after_a_light_check_that_still_finds_a_wrong_count(tmp_path, monkeypatch):
    monkeypatch.setattr(qa.store, "FULL_CHECK_CHUNKS", 0)
    corpus = tmp_path / "corpus"
    shutil.copytree(SEEDS, corpus)
    index = tmp_path / "index"
    build_index(corpus, index, **quiet())
    (corpus / "extra.txt").write_text("Extra\n\nDe gemeente Venlo bouwt een nieuwe brug.\n", encoding="utf-8")
    report = build_index(corpus, index, **quiet())
    assert report.added == ["extra.txt"] and report.full_rebuild is None
    assert contents(index) == contents(_full_build(corpus, tmp_path / "full"))

    manifest = json.loads((index / "manifest.json").read_text())
    manifest["chunks"] += 1
    (index / "manifest.json").write_text(json.dumps(manifest))
    report = build_index(corpus, index, **quiet())
    assert "says" in str(report.full_rebuild) and report.total_chunks == manifest["chunks"] - 1


def _full_build(corpus, folder):
    build_index(corpus, folder, **quiet())
    return folder
