"""Incremental builds: only what changed is embedded, and a failed build loses nothing."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from qa.build import build_index
from qa.errors import IndexCorruptError, IndexMissingError, QAError
from qa.search import Retriever
from qa.store import LocalIndex

NEW_ARTICLE = """ date 2024-06
De gemeente Maastricht opent een nieuw opvangcentrum voor asielzoekers aan de Maas. Er is plek
voor 250 mensen. Burgemeester Penders noemt het centrum een belangrijke stap.
"""


def quiet(**kwargs):
    return {"log": lambda _: None, **kwargs}


def chunk_counts(index) -> dict[str, int]:
    store = LocalIndex.open(index)
    try:
        ids = list(range(store.manifest.next_chunk_id))
        counts: dict[str, int] = {}
        for chunk in store.chunks(ids).values():
            counts[chunk.article.id] = counts.get(chunk.article.id, 0) + 1
        return counts
    finally:
        store.close()


def top_article(index, question: str) -> str:
    retriever = Retriever.open(index)
    try:
        return retriever.search(question, k=1)[0].article.id
    finally:
        retriever.close()


def test_second_build_with_no_change_embeds_nothing(corpus, index, counting):
    before = (index / "manifest.json").read_text()
    report = build_index(corpus, index, encoder=counting, **quiet())
    assert counting.embedded == []
    assert (report.unchanged, report.chunks_embedded, report.added) == (5, 0, [])
    assert (index / "manifest.json").read_text() == before  # not even a new generation


def test_the_model_is_loaded_only_when_a_build_has_something_to_embed(corpus, index, counting, monkeypatch):
    import qa.build

    loads: list[str] = []

    def load(name: str):
        loads.append(name)
        return counting

    monkeypatch.setattr(qa.build, "load_encoder", load)
    report = build_index(corpus, index, **quiet())  # nothing changed: no model
    assert loads == [] and report.unchanged == 5
    (corpus / "maastricht.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    report = build_index(corpus, index, **quiet())
    assert loads == [report.model] and report.added == ["maastricht.txt"]


def test_a_model_whose_files_changed_under_its_name_is_a_clear_error(corpus, index, counting, monkeypatch):
    import qa.build

    class Wider(type(counting)):
        def get_embedding_dimension(self) -> int:
            return 768

    monkeypatch.setattr(qa.build, "load_encoder", lambda name: Wider(counting.model))
    (corpus / "maastricht.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    with pytest.raises(QAError, match="now gives vectors of dimension 768, the index has 512"):
        build_index(corpus, index, **quiet())
    assert top_article(index, "Welk aanbod wees Sheinbaum af?")  # the index still answers


def test_adding_an_article_embeds_only_its_chunks(corpus, index, counting):
    before = chunk_counts(index)
    (corpus / "maastricht.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    report = build_index(corpus, index, encoder=counting, **quiet())
    after = chunk_counts(index)
    assert report.added == ["maastricht.txt"]
    assert after["maastricht.txt"] == report.chunks_embedded == 1 and report.sentences_embedded == 3
    assert len(counting.embedded) == report.chunks_embedded + report.sentences_embedded
    chunk_text, *sentences = counting.embedded
    assert "Maastricht" in chunk_text and sentences[1] == "Er is plek voor 250 mensen."
    assert {k: v for k, v in after.items() if k != "maastricht.txt"} == before
    assert top_article(index, "Hoeveel plaatsen heeft het opvangcentrum in Maastricht?") == "maastricht.txt"


def test_changing_an_article_replaces_its_vectors(corpus, index, counting):
    target = next(corpus.glob("003_*.txt"))
    old_ids = {
        c.id for c in LocalIndex.open(index).chunks(range(1000)).values() if c.article.id == target.name
    }
    target.write_text(
        " date 2025-05 Starmer kondigde een nieuw plan aan voor de kanaalboten. "
        "Het plan kost 90 miljoen pond.",
        encoding="utf-8",
    )
    report = build_index(corpus, index, encoder=counting, **quiet())
    assert report.changed == [target.name] and report.chunks_embedded == 1
    store = LocalIndex.open(index)
    chunks = [c for c in store.chunks(range(1000)).values() if c.article.id == target.name]
    assert [c.text for c in chunks] == [
        "Starmer kondigde een nieuw plan aan voor de kanaalboten. Het plan kost 90 miljoen pond."
    ]
    assert not old_ids & {c.id for c in chunks}
    assert store.count() == sum(chunk_counts(index).values())


def test_deleting_an_article_removes_its_vectors(corpus, index, counting):
    total = LocalIndex.open(index).count()
    gone = next(corpus.glob("002_*.txt"))
    removed = chunk_counts(index)[gone.name]
    spans = [(gone.name, s, e) for c in LocalIndex.open(index).chunks(range(1000)).values()
             if c.article.id == gone.name for s, e in c.sentences]  # fmt: skip
    assert len(LocalIndex.open(index).sentence_vectors(spans)) == len(set(spans)) > 0
    gone.unlink()
    report = build_index(corpus, index, encoder=counting, **quiet())
    assert report.removed == [gone.name] and counting.embedded == []
    assert report.chunks_removed == removed
    store = LocalIndex.open(index)
    assert store.sentence_vectors(spans) == {}
    assert store.count() == total - removed
    assert gone.name not in store.article_hashes()
    assert gone.name not in {a.id for a in store.articles()}


def test_bad_file_is_skipped_and_the_rest_indexed(corpus, tmp_path, counting):
    (corpus / "kapot.md").write_text("---\ntitle: [oops\n---\nTekst.\n", encoding="utf-8")
    (corpus / "plaatje.html").write_bytes(b"\x00\x01binary")
    report = build_index(corpus, tmp_path / "idx", encoder=counting, **quiet())
    assert len(report.added) == 5
    reasons = {s.id: str(s.reason) for s in report.skipped}
    assert set(reasons) == {"kapot.md", "plaatje.html"}
    assert "front matter" in reasons["kapot.md"] and "binary" in reasons["plaatje.html"]
    assert "skipped kapot.md: broken front matter" in report.summary()


def test_changed_file_that_breaks_keeps_its_indexed_version(corpus, index, counting):
    target = next(corpus.glob("001_*.txt"))
    target.write_bytes(b"\x00garbage")
    report = build_index(corpus, index, encoder=counting, **quiet())
    assert [s.id for s in report.skipped] == [target.name] and report.changed == []
    assert target.name in chunk_counts(index)
    assert top_article(index, "Wat zei John Kelly over de uitwijzingen?") == target.name


def test_interrupted_build_leaves_the_old_index_answering(corpus, index, counting):
    before = (index / "manifest.json").read_text()
    (corpus / "maastricht.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    next(corpus.glob("000_*.txt")).unlink()

    class Crash(Exception):
        pass

    def crash(texts, **kwargs):
        raise Crash("power cut while embedding")

    counting.encode_document = crash
    with pytest.raises(Crash):
        build_index(corpus, index, encoder=counting, **quiet())
    assert (index / "manifest.json").read_text() == before
    committed = json.loads(before)
    named = {"manifest.json", ".build.lock", committed["chunk_store"]}
    named |= {f"{s['name']}{suffix}" for s in committed["segments"] for suffix in (".faiss", ".bm25.npz")}
    assert {name for name in os.listdir(index) if not name.endswith(("-wal", "-shm"))} == named
    assert any(a.startswith("000") for a in chunk_counts(index))  # the deleted one is still there
    assert top_article(index, "Wat zei John Kelly over de uitwijzingen?").startswith("001")


def test_crash_while_committing_keeps_old_index(corpus, index, counting, monkeypatch):
    (corpus / "maastricht.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    import qa.vectors

    def broken_write(*args):
        raise OSError("disk full")

    monkeypatch.setattr(qa.vectors.faiss, "write_index", broken_write)
    with pytest.raises(OSError, match="disk full"):
        build_index(corpus, index, encoder=counting, **quiet())
    monkeypatch.undo()
    store = LocalIndex.open(index)
    assert "maastricht.txt" not in store.article_hashes() and store.count() > 0
    report = build_index(corpus, index, encoder=counting, **quiet())
    assert report.added == ["maastricht.txt"]


def test_other_chunking_triggers_full_rebuild(corpus, index, counting):
    from qa.chunking import ChunkSettings

    messages = []
    report = build_index(
        corpus, index, encoder=counting, chunking=ChunkSettings(max_words=40), log=messages.append
    )
    assert report.full_rebuild and "chunking changed" in messages[0]
    embedded = report.chunks_embedded + report.sentences_embedded
    assert len(report.added) == 5 and embedded == len(counting.embedded) > report.chunks_embedded > 0


def test_other_model_triggers_full_rebuild(corpus, index, counting):
    messages = []
    report = build_index(corpus, index, model="another-model", encoder=counting, log=messages.append)
    assert "model changed" in messages[0] and len(report.added) == 5
    assert LocalIndex.open(index).manifest.settings.model == "another-model"


def test_no_index_is_a_clear_error(tmp_path):
    with pytest.raises(IndexMissingError, match="run `qa build"):
        Retriever.open(tmp_path / "nothing")


@pytest.mark.parametrize("damage", ["manifest", "vectors", "chunks", "missing", "bm25"])
def test_corrupt_index_is_a_clear_error(index, damage):
    manifest = json.loads((index / "manifest.json").read_text())
    segment = manifest["segments"][0]["name"]
    if damage == "manifest":
        (index / "manifest.json").write_text("{not json")
    elif damage == "vectors":
        (index / f"{segment}.faiss").write_bytes(b"garbage")
    elif damage == "chunks":
        (index / manifest["chunk_store"]).write_bytes(b"garbage" * 100)
    elif damage == "bm25":
        (index / f"{segment}.bm25.npz").write_bytes(b"garbage")
    else:
        (index / manifest["chunk_store"]).unlink()
    with pytest.raises(IndexCorruptError, match="qa build --rebuild"):
        Retriever.open(index)


def test_corrupt_index_is_rebuilt_on_request(corpus, index, counting):
    (index / "manifest.json").write_text("{not json")
    with pytest.raises(QAError, match="--rebuild"):
        build_index(corpus, index, encoder=counting, **quiet())
    report = build_index(corpus, index, encoder=counting, rebuild=True, **quiet())
    assert len(report.added) == 5 and Retriever.open(index).stats()["chunks"] > 0


def test_index_of_an_older_format_is_rebuilt_by_a_plain_build(corpus, index, counting):
    manifest = json.loads((index / "manifest.json").read_text())
    (index / "manifest.json").write_text(json.dumps({**manifest, "format_version": 3}))
    with pytest.raises(IndexCorruptError, match="format 3, this qa reads 5; run `qa build"):
        Retriever.open(index)
    messages = []
    report = build_index(corpus, index, encoder=counting, log=messages.append)
    assert messages == ["Full rebuild: the index has format 3, this qa writes 5."]
    assert len(report.added) == 5 and Retriever.open(index).search("Sheinbaum", k=1)


def test_foreign_folder_is_not_touched(corpus, tmp_path, counting):
    foreign = tmp_path / "photos"
    foreign.mkdir()
    (foreign / "holiday.jpg").write_bytes(b"jpg")
    with pytest.raises(QAError, match="not a qa index"):
        build_index(corpus, foreign, encoder=counting, **quiet())
    assert os.listdir(foreign) == ["holiday.jpg"]


def test_missing_corpus_is_a_clear_error(tmp_path, counting):
    with pytest.raises(QAError, match="does not exist"):
        build_index(tmp_path / "nope", tmp_path / "idx", encoder=counting, **quiet())


def test_index_copied_elsewhere_still_works(index, tmp_path):
    moved = tmp_path / "moved"
    shutil.move(index, moved)
    assert Retriever.open(moved).search("Sheinbaum", k=1)


# --- the same article twice ----------------------------------------------------------------


def test_two_files_with_the_same_text_are_one_article(corpus, index, counting):
    # Saved again under another name, with Windows line ends: other bytes, the same article.
    (corpus / "maastricht.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    (corpus / "maastricht-kopie.txt").write_bytes(NEW_ARTICLE.replace("\n", "\r\n").encode("utf-8"))
    report = build_index(corpus, index, encoder=counting, **quiet())
    assert report.added == ["maastricht-kopie.txt"] and report.chunks_embedded == 1
    assert [(d.id, d.same_as) for d in report.duplicates] == [("maastricht.txt", "maastricht-kopie.txt")]
    assert "duplicate maastricht.txt: the same text as maastricht-kopie.txt, indexed once" in report.summary()
    assert "1 duplicate;" in report.summary()
    assert report.to_dict()["duplicates"] == [{"id": "maastricht.txt", "same_as": "maastricht-kopie.txt"}]
    assert "maastricht.txt" not in chunk_counts(index)


def test_a_copy_of_an_indexed_article_embeds_nothing_and_takes_over_when_the_original_goes(
    corpus, index, counting
):
    original = next(corpus.glob("002_*.txt"))
    # Named to be read before the original, which is unchanged and so not read again.
    copy = corpus / "000-kopie.txt"
    shutil.copyfile(original, copy)
    report = build_index(corpus, index, encoder=counting, **quiet())
    assert [(d.id, d.same_as) for d in report.duplicates] == [(copy.name, original.name)]
    assert counting.embedded == [] and report.added == [] and report.unchanged == 5
    again = build_index(corpus, index, encoder=counting, **quiet())
    assert [d.id for d in again.duplicates] == [copy.name] and counting.embedded == []

    original.unlink()
    report = build_index(corpus, index, encoder=counting, **quiet())
    assert report.added == [copy.name] and report.removed == [original.name] and not report.duplicates
    assert top_article(index, "Welk aanbod wees Sheinbaum af?") == copy.name


def test_a_bulk_archive_row_with_an_indexed_text_is_a_duplicate(corpus, index, counting):
    (corpus / "maastricht.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    build_index(corpus, index, encoder=counting, **quiet())
    body = NEW_ARTICLE.split("\n", 1)[1]
    rows = [{"id": "m1", "date": "2024-06", "text": body}, {"id": "m2", "text": "Iets heel anders. " * 5}]
    (corpus / "export.jsonl").write_text("\n".join(json.dumps(r) for r in rows), encoding="utf-8")
    report = build_index(corpus, index, encoder=counting, **quiet())
    assert report.added == ["export.jsonl#m2"]
    assert [(d.id, d.same_as) for d in report.duplicates] == [("export.jsonl#m1", "maastricht.txt")]


def test_an_index_written_before_text_hashes_finds_duplicates_and_gains_them(corpus, index, counting):
    import sqlite3

    store = next(index.glob("chunks-*.sqlite"))
    with sqlite3.connect(store) as db:
        db.execute("DROP INDEX IF EXISTS articles_text_hash")
        db.execute("ALTER TABLE articles DROP COLUMN text_hash")
    shutil.copyfile(next(corpus.glob("001_*.txt")), corpus / "000-kopie.txt")
    report = build_index(corpus, index, encoder=counting, **quiet())
    assert [d.id for d in report.duplicates] == ["000-kopie.txt"] and counting.embedded == []
    (corpus / "maastricht.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    build_index(corpus, index, encoder=counting, **quiet())
    with sqlite3.connect(store) as db:
        assert db.execute("SELECT count(*) FROM articles WHERE text_hash IS NULL").fetchone() == (0,)


def test_progress_is_labelled_in_the_language_asked(corpus, tmp_path, counting, capsys):
    # The app passes its page's language; its progress bar shows these labels (gr.Progress).
    build_index(corpus, tmp_path / "nl", encoder=counting, log=lambda _: None, language="nl")
    dutch = capsys.readouterr().err
    assert "Het archief lezen" in dutch and "Passages inbedden" in dutch and "Zinnen inbedden" in dutch
    assert "Reading the corpus" not in dutch and "Embedding" not in dutch
    build_index(corpus, tmp_path / "en", encoder=counting, log=lambda _: None)
    assert "Reading the corpus" in capsys.readouterr().err
