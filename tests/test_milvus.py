"""The index in Milvus (milvus-lite files here; a real server when QA_MILVUS_URI is set): builds
update it as they update a folder, a crash converges, filters work inside Milvus, a local index
migrates without embedding, and what goes wrong is one line.

The retrieval and search suites run against it too (the "milvus" typed_index in conftest.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import uuid
from pathlib import Path

import numpy as np
import pytest

from qa.answering import retriever_for
from qa.backends import open_index
from qa.build import build_index
from qa.cli import main
from qa.errors import IndexCorruptError, QAError
from qa.filters import Filters
from qa.location import MilvusStore, locate
from qa.milvus import MilvusVectors, filter_expression, supports_bm25
from qa.milvus_build import MilvusTarget, MilvusWriter
from qa.search import Retriever, SearchSettings
from qa.store import LocalIndex
from tests.conftest import ROOT

QUESTIONS = [
    "Welk aanbod wees Sheinbaum af?",
    "Hoeveel illegale grensoversteken waren er in 2022?",
    "Bij welke legerbasis in Texas ligt de militaire zone?",
]


def quiet(encoder, **kwargs):
    return {"log": lambda _: None, "encoder": encoder, **kwargs}


def contents(store) -> dict:
    """What an index holds, by article and offsets (chunk ids differ between builds)."""
    index = open_index(store)
    try:
        chunks = index.chunks(index.chunk_ids_where(Filters()).tolist()).values()
        return {
            "articles": index.article_hashes(),
            "chunks": sorted((c.article.id, c.start, c.end, c.text) for c in chunks),
            "sentences": sorted({(c.article.id, s, e) for c in chunks for s, e in c.sentences}),
            "counts": (index.manifest.articles, index.manifest.chunks),
        }
    finally:
        index.close()


def answers(store, mode: str = "hybrid") -> list:
    retriever = Retriever.open(store)
    try:
        return [
            [
                (p.article.id, p.start, p.end)
                for p in retriever.search(q, k=5, settings=SearchSettings(mode=mode))
            ]
            for q in QUESTIONS
        ]
    finally:
        retriever.close()


def scores(store) -> list:
    retriever = Retriever.open(store)
    index = retriever._index
    found = []
    for question in QUESTIONS:
        for hits in (
            index.search(retriever.encode_question(question), 100),
            index.lexical_search(question, 100),
        ):
            chunks = index.chunks([i for i, _ in hits])
            found.append(
                sorted((chunks[i].article.id, chunks[i].start, round(score, 4)) for i, score in hits)
            )
    retriever.close()
    return found


def edit(corpus) -> None:
    """Remove one article, change another, add a third."""
    files = sorted(corpus.iterdir())
    files[0].unlink()
    files[1].write_text(
        files[1].read_text(encoding="utf-8") + "\n\nEen alinea over fietsers.", encoding="utf-8"
    )
    (corpus / "zeeland.txt").write_text(
        " date 2024-03\nDe veerdienst tussen Vlissingen en Breskens vaart vanaf juni zo'n dertig keer "
        "per dag.",
        encoding="utf-8",
    )


def test_an_update_equals_a_full_build_and_embeds_only_what_changed(corpus, tmp_path, counting, encoder):
    store = tmp_path / "index.db"
    build_index(corpus, store, **quiet(counting))
    counting.embedded.clear()
    assert build_index(corpus, store, **quiet(counting)).chunks_embedded == 0 and counting.embedded == []
    edit(corpus)
    report = build_index(corpus, store, **quiet(counting))
    assert (len(report.added), len(report.changed), len(report.removed)) == (1, 1, 1)
    assert len(counting.embedded) == report.chunks_embedded + report.sentences_embedded < 60
    build_index(corpus, tmp_path / "full.db", **quiet(encoder))
    assert contents(store) == contents(tmp_path / "full.db")
    # Every chunk's cosine and BM25 score as a full build gives them: Milvus's BM25 statistics
    # follow the deletes. (Whole lists, not top-k: equal scores fall in chunk id order.)
    assert scores(store) == scores(tmp_path / "full.db")
    index, full = open_index(store), open_index(tmp_path / "full.db")
    # BM25's document frequencies, which the answer step weighs question terms by, follow updates.
    for term in ("veerdienst", "fietser", "trump", "mexico", "zo'n", "onbekendwoord"):
        assert index.idf(term) == full.idf(term)
    index.check()
    index.close()
    full.close()


@pytest.mark.parametrize("typed_index", ["milvus"], indirect=True)
def test_the_same_chunks_and_term_weights_as_the_local_index(typed_index, seed_index):
    milvus, local = open_index(typed_index), LocalIndex.open(seed_index)
    try:
        assert contents(typed_index)["chunks"] == contents(seed_index)["chunks"]
        for term in ("sheinbaum", "trump", "grens", "militair", "2022", "niets"):
            assert milvus.idf(term) == pytest.approx(local.idf(term))
        # Exact search over the same vectors: the same chunks, cosines within fp16's error.
        vector = Retriever(local, retriever_for(seed_index).encoder).encode_question(QUESTIONS[0])
        got, expected = milvus.search(vector, 10), local.search(vector, 10)
        ids = {c.id: (c.article.id, c.start) for c in milvus.chunks([i for i, _ in got]).values()}
        local_ids = {c.id: (c.article.id, c.start) for c in local.chunks([i for i, _ in expected]).values()}
        assert [ids[i] for i, _ in got][:5] == [local_ids[i] for i, _ in expected][:5]
        np.testing.assert_allclose([s for _, s in got], [s for _, s in expected], atol=2e-3)
    finally:
        milvus.close()
        local.close()


@pytest.mark.parametrize("crash_in", ["_write_terms", "write_manifest"])
def test_a_crashed_build_leaves_the_old_generation_and_the_next_one_converges(
    corpus, tmp_path, encoder, monkeypatch, crash_in
):
    """Killed while writing (before the deletes) or just before the manifest (after them): the
    next build converges to what a full build gives, with no duplicate rows."""
    store = tmp_path / "index.db"
    build_index(corpus, store, **quiet(encoder))
    before = contents(store)
    edit(corpus)
    owner = MilvusTarget if crash_in == "write_manifest" else MilvusWriter

    def crash(*args, **kwargs):
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(owner, crash_in, crash)
        patch.setattr(MilvusWriter, "abort", lambda self: None)  # a kill runs no clean-up
        with pytest.raises(KeyboardInterrupt):
            build_index(corpus, store, **quiet(encoder))
    index = open_index(store)
    assert index.generation == 1
    index.close()
    if crash_in == "_write_terms":
        assert contents(store) == before  # the rows it wrote are invisible
    build_index(corpus, store, **quiet(encoder))
    build_index(corpus, tmp_path / "full.db", **quiet(encoder))
    assert contents(store) == contents(tmp_path / "full.db")
    target = MilvusTarget(locate(store))
    try:
        names = [n for n in target.client.list_collections() if n.endswith("_chunks")]
        assert len(names) == 1
        rows = target.client.query(names[0], filter="id >= 0", output_fields=["id"], limit=1000)
        assert len(rows) == len({r["id"] for r in rows}) == contents(store)["counts"][1]
    finally:
        target.close()


def test_a_new_model_or_chunking_rebuilds_into_new_collections(corpus, tmp_path, encoder):
    from qa.chunking import ChunkSettings

    store = tmp_path / "index.db"
    build_index(corpus, store, **quiet(encoder))
    report = build_index(corpus, store, chunking=ChunkSettings(max_words=40), **quiet(encoder))
    assert report.full_rebuild and "chunking" in str(report.full_rebuild)
    index = open_index(store)
    assert index.settings.chunking.max_words == 40 and index.manifest.collections.endswith("_g00002")
    index.close()
    target = MilvusTarget(locate(store))
    kinds = ("articles", "chunks", "sentences", "terms")
    assert sorted(target.client.list_collections()) == [f"qa_g00002_{kind}" for kind in kinds] + ["qa_meta"]
    target.close()


def test_filters_become_milvus_expressions():
    assert filter_expression(None, 3) == "gen <= 3"
    assert filter_expression(Filters(since="2019-04", until="2020", category='Buiten"land'), 3) == (
        'gen <= 3 and category == "buiten\\"land" and last_day >= "2019-04-01" '
        'and first_day != "" and first_day <= "2020-12-31"'
    )


def test_filters_work_inside_milvus_with_odd_categories(tmp_path, encoder):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for name, category, date in [("a.md", "Binnen\"land \\ zo'n", "2019-04"), ("b.md", "sport", "2021")]:
        (corpus / name).write_text(
            f"---\ntitle: {name}\ncategory: '{category.replace(chr(39), chr(39) * 2)}'\ndate: {date}\n---\n"
            f"De gemeenteraad besprak de nieuwe begroting voor het komende jaar uitgebreid ({name}).\n",
            encoding="utf-8",
        )
    store = tmp_path / "index.db"
    build_index(corpus, store, **quiet(encoder))
    retriever = Retriever.open(store)
    try:
        for filters, expected in [
            (Filters(category="binnen\"land \\ ZO'N"), {"a.md"}),
            (Filters(since="2019-04-15"), {"a.md", "b.md"}),
            (Filters(until="2019-03"), set()),
            (Filters(since="2020", category="sport"), {"b.md"}),
        ]:
            for mode in ("dense", "bm25"):
                found = retriever.search(
                    "begroting gemeenteraad", filters=filters, settings=SearchSettings(mode=mode)
                )
                assert {p.article.id for p in found} == expected, (filters, mode)
    finally:
        retriever.close()


def test_migrate_copies_a_local_index_without_embedding(capsys, index, corpus, tmp_path, counting):
    store = tmp_path / "copy.db"
    assert main(["migrate", "--index", str(index), "--to", str(store)]) == 0
    assert "Copied 5 articles" in capsys.readouterr().out
    assert contents(store)["chunks"] == contents(index)["chunks"]
    assert contents(store)["articles"] == contents(index)["articles"]
    assert answers(store, "dense") == answers(index, "dense")
    # The copy keeps the files' fingerprints and hashes: a build against it reads and embeds nothing.
    report = build_index(corpus, store, **quiet(counting))
    assert counting.embedded == [] and report.unchanged == 5
    local = Retriever.open(index)
    milvus = Retriever.open(store)
    keys = [(c.article.id, s, e) for c in local.chunks(list(range(5))).values() for s, e in c.sentences]
    got, expected = milvus.sentence_vectors(keys), local.sentence_vectors(keys)
    assert got.keys() == expected.keys() and keys
    for key in keys:
        np.testing.assert_allclose(got[key], expected[key], atol=2e-2)


def test_cli_build_ask_stats_with_store_and_env(capsys, corpus, tmp_path, monkeypatch):
    store = tmp_path / "archief.db"
    assert main(["build", "--corpus", str(corpus), "--store", str(store), "--collection", "archief"]) == 0
    capsys.readouterr()
    monkeypatch.setenv("QA_STORE", str(store))
    monkeypatch.setenv("QA_COLLECTION", "archief")
    assert main(["ask", "--json", "--since", "2025", "Welk aanbod wees Sheinbaum af?"]) == 0
    out = capsys.readouterr().out
    assert '"2025' in out and "Sheinbaum" in out
    assert main(["stats"]) == 0
    table = capsys.readouterr().out
    assert "archief_g00001_chunks" in table and "FLAT" in table and "5" in table
    assert main(["eval", str(ROOT / "eval" / "heldout.tsv"), "--json"]) == 0
    assert '"mrr@10"' in capsys.readouterr().out
    monkeypatch.setenv("QA_COLLECTION", "elders")
    assert main(["stats"]) == 3
    assert (
        capsys.readouterr().err.strip().endswith(f"run `qa build --store {store} --collection elders` first")
    )


def test_the_app_reopens_the_index_when_a_build_commits(corpus, tmp_path, encoder):
    store = tmp_path / "index.db"
    build_index(corpus, store, **quiet(encoder))
    first = retriever_for(store)
    assert retriever_for(str(store)) is first
    edit(corpus)
    build_index(corpus, store, **quiet(encoder))
    second = retriever_for(store)
    assert second is not first and second.generation == 2
    assert any(p.article.id == "zeeland.txt" for p in second.search("veerdienst Vlissingen"))


# --- one-line errors ----------------------------------------------------------------------


def one_line(capsys, argv) -> str:
    capsys.readouterr()
    code = main(argv)
    err = capsys.readouterr().err.strip()
    assert code != 0 and len(err.splitlines()) == 1 and err.startswith("qa: error: "), err
    return err


def test_an_unreachable_server_is_one_line():
    # In a process of its own: pymilvus's log handlers hold the stderr they found on import.
    code = (
        "import sys, qa.milvus; qa.milvus._CONNECT_SECONDS = 1; from qa.cli import main; "
        "sys.exit(main(['stats', '--store', 'milvus://127.0.0.1:9']))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert done.returncode == 1 and done.stdout == ""
    assert done.stderr.splitlines() == [
        "qa: error: cannot reach Milvus at http://127.0.0.1:9; is it running? (README: a Milvus server)"
    ]


@pytest.mark.parametrize("typed_index", ["milvus"], indirect=True)
def test_a_file_another_process_holds_is_one_line(capsys, typed_index, tmp_path):
    store = tmp_path / "held.db"
    shutil.copy(typed_index, store)
    code = (
        f"from qa.backends import open_index; open_index({str(store)!r}); print('open', flush=True); input()"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT
    )
    try:
        assert holder.stdout.readline().strip() == "open"
        err = one_line(capsys, ["stats", "--store", str(store)])
        assert "open in another process" in err
    finally:
        holder.communicate("\n", timeout=30)


def test_a_collection_of_another_model_or_dimension_is_one_line(capsys, corpus, tmp_path, encoder):
    store = tmp_path / "index.db"
    build_index(corpus, store, **quiet(encoder))
    err = one_line(capsys, ["ask", "--store", str(store), "--model", "all-MiniLM-L6-v2", "Wie?"])
    assert "built with use-multilingual-v3, not all-MiniLM-L6-v2" in err
    target = MilvusTarget(locate(store))
    manifest = target.committed()
    manifest.settings = type(manifest.settings)(**{**manifest.settings.__dict__, "dimension": 384})
    target.write_manifest(manifest)
    target.close()
    err = one_line(capsys, ["stats", "--store", str(store)])
    assert "holds vectors of dimension 512" in err and "(384)" in err
    with pytest.raises(IndexCorruptError):
        open_index(store)


def test_the_index_type_is_kept_and_changed_by_a_full_build(capsys, corpus, tmp_path, monkeypatch, encoder):
    monkeypatch.setattr("qa.build.load_encoder", lambda name: encoder)
    store = str(tmp_path / "index.db")
    assert main(["build", "--corpus", str(corpus), "--store", store, "--index-type", "ivf"]) == 0
    err = one_line(capsys, ["build", "--corpus", str(corpus), "--store", store, "--index-type", "flat"])
    assert (
        "indexes its vectors with IVF_FLAT (nlist=256, nprobe=32); to index them with FLAT add --rebuild"
        in err
    )
    argv = ["build", "--corpus", str(corpus), "--store", store, "--index-type", "ivf", "--index-params"]
    assert main([*argv, '{"nlist": 8, "nprobe": 4}', "--rebuild"]) == 0
    assert main(["build", "--corpus", str(corpus), "--store", store]) == 0  # kept
    index = open_index(store)
    assert str(index.manifest.vectors) == "IVF_FLAT (nlist=8, nprobe=4)" and index.generation == 2
    index.close()


def test_what_milvus_lite_cannot_do_and_old_servers_are_one_line():
    with pytest.raises(QAError, match="FLAT or IVF_FLAT only, not HNSW"):
        MilvusVectors.chosen("hnsw", None, lite=True)
    assert MilvusVectors.chosen("auto", None, lite=False).index_type == "HNSW"
    assert MilvusVectors.chosen("ivf", {"nlist": 64, "nprobe": 8}, lite=True) == MilvusVectors(
        "IVF_FLAT", {"nlist": 64}, {"nprobe": 8}
    )
    assert supports_bm25("v2.5.4") and supports_bm25("2.6.0-rc1") and not supports_bm25("v2.4.15")
    with pytest.raises(QAError, match="not a Milvus collection name"):
        MilvusStore("x.db", collection="1 bad")


def test_where_an_index_lives():
    assert locate("index") == Path("index") and locate(Path("/data/index")) == Path("/data/index")
    assert locate("milvus://db.intern:19530") == MilvusStore("http://db.intern:19530")
    assert locate("https://x.zillizcloud.com", token="u:p").token == "u:p"
    assert locate("archief.db").lite and not locate("http://h:19530").lite
    assert str(locate("http://h:19530", collection="nieuws")) == "http://h:19530 (collection nieuws)"


# --- a real server: QA_MILVUS_URI=http://localhost:19530 pytest tests/test_milvus.py -----------


@pytest.fixture
def server_store():
    uri = os.environ.get("QA_MILVUS_URI")
    if not uri:
        pytest.skip("set QA_MILVUS_URI to test against a Milvus server (README)")
    store = locate(uri, collection=f"qa_test_{uuid.uuid4().hex[:8]}", token=os.environ.get("QA_MILVUS_TOKEN"))
    yield store
    target = MilvusTarget(store)
    for name in target.client.list_collections():
        if name.startswith(store.collection):
            target.client.drop_collection(name)
    target.close()


def test_a_server_builds_updates_and_answers(server_store, corpus, encoder):
    build_index(corpus, server_store, **quiet(encoder))
    assert any("Fort Bliss" in p.text for p in Retriever.open(server_store).search(QUESTIONS[2], k=3))
    edit(corpus)
    report = build_index(corpus, server_store, **quiet(encoder))
    assert (len(report.added), len(report.changed), len(report.removed)) == (1, 1, 1)
    index = open_index(server_store)
    index.check()
    assert index.manifest.vectors.index_type == "HNSW"
    assert index.chunk_ids_where(Filters(since="2024-03", until="2024-03")).size > 0
    index.close()
