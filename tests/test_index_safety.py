"""An index folder is data: hostile or damaged files in it give one-line errors, never run code,
and readers opening it while a build commits see one whole generation or the next."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import qa.chunkstore
import qa.files
import qa.store
import qa.vectors
from qa.build import build_index
from qa.cli import main
from qa.errors import IndexCorruptError, QAError, UntrustedModelError
from qa.search import Retriever
from qa.store import LocalIndex, build_lock
from tests.conftest import ROOT
from tests.test_build import NEW_ARTICLE, quiet


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def edit_manifest(index: Path, **changes) -> dict:
    manifest = json.loads((index / "manifest.json").read_text())
    manifest.update(changes)
    (index / "manifest.json").write_text(json.dumps(manifest))
    return manifest


# ---------- a model folder named by an index runs no code ----------


def hostile_model(folder: Path, marker: Path) -> Path:
    """A model folder whose own module writes `marker` when imported; its modules.json mentions
    our module's import path, as a folder saved from it would."""
    folder.mkdir()
    code = f"from pathlib import Path\n\nPath({str(marker)!r}).write_text('imported')\n\n\nclass Evil: ...\n"
    (folder / "modeling_evil.py").write_text(code)
    module = {"idx": 0, "name": "0", "path": "", "type": "modeling_evil.Evil"}
    comment = "qa.encoders.use.UniversalSentenceEncoder: saved from it"
    (folder / "modules.json").write_text(json.dumps([{**module, "comment": comment}]))
    return folder


@pytest.fixture
def hostile_index(index: Path, tmp_path: Path) -> tuple[Path, Path, Path]:
    """The seed index, its manifest pointing at a hostile model folder inside the index itself."""
    marker = tmp_path / "imported.txt"
    model = hostile_model(index / "model", marker)
    manifest = json.loads((index / "manifest.json").read_text())
    edit_manifest(index, settings={**manifest["settings"], "model": str(model)})
    return index, model, marker


ENTRIES = ["Retriever.open", "qa.ask", "qa ask", "qa build", "qa stats", "qa ask --model", "qa build --model"]


@pytest.mark.parametrize("entry", ENTRIES)
def test_an_index_naming_a_model_folder_never_imports_code_from_it(hostile_index, corpus, capsys, entry):
    index, model, marker = hostile_index
    if entry == "Retriever.open":
        with pytest.raises(UntrustedModelError, match=f"pass `--model {model}` if you trust it"):
            Retriever.open(index)
    elif entry == "qa.ask":
        from qa.answering import ask

        with pytest.raises(UntrustedModelError):
            ask("Wie is Sheinbaum?", index=index)
    else:
        command, *option = entry.split()[1:]
        argv = [command, "--index", str(index)]
        argv += ["--corpus", str(corpus)] if command == "build" else []
        if command == "build":
            # Something to embed: a build with nothing new never loads the model at all.
            (corpus / "nieuw.txt").write_text("Een nieuw artikel over de brug in de stad.", encoding="utf-8")
        argv += ["Wie is Sheinbaum?"] if command == "ask" else []
        argv += ["--model", str(model)] if option else []
        code, out, err = run(capsys, *argv)
        if command == "stats":
            assert code == 0 and str(model) in out  # stats loads no model at all
        else:
            assert code in (1, 3) and err.count("\n") == 1 and "Traceback" not in err
            # Named by the user or not, a folder's own code is refused, not imported.
            assert ("modeling_evil.Evil" in err) if option else ("--model" in err)
    assert not marker.exists()


def test_an_index_built_with_a_model_folder_opens_when_the_user_names_it(corpus, tmp_path, encoder):
    folder = tmp_path / "use-saved"
    encoder.save(str(folder))
    index = tmp_path / "idx"
    build_index(corpus, index, model=str(folder), encoder=encoder, **quiet())
    with pytest.raises(UntrustedModelError, match="names the local model folder"):
        Retriever.open(index)
    with pytest.raises(UntrustedModelError):
        build_index(corpus, index, **quiet())
    # Our own module, by its registered import path: loaded with no trust_remote_code.
    retriever = Retriever.open(index, model=str(folder))
    assert retriever.search("Wie is Sheinbaum?", k=1)
    assert build_index(corpus, index, model=str(folder), **quiet()).unchanged == 5


def named_files(index: Path) -> list[str]:
    """The files the committed manifest names."""
    manifest = json.loads((index / "manifest.json").read_text())
    segments = [f"{s['name']}{suffix}" for s in manifest["segments"] for suffix in (".faiss", ".bm25.npz")]
    return [manifest["chunk_store"], *segments]


def index_files(index: Path) -> set[str]:
    """What the index folder holds, SQLite's own companion files aside."""
    return {name for name in os.listdir(index) if not name.endswith(("-wal", "-shm"))}


# ---------- damaged files: one line naming the file and the fix ----------


def zero_page(database: Path, table: str) -> None:
    """Overwrite the root page of `table` with zeros, as a disk or a bad copy might."""
    db = sqlite3.connect(database)
    (page_size,) = db.execute("PRAGMA page_size").fetchone()
    (root,) = db.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)).fetchone()
    db.close()
    with open(database, "r+b") as handle:
        handle.seek((root - 1) * page_size)
        handle.write(bytes(page_size))


def damage(index: Path, kind: str) -> str:
    """Damage the index as `kind` says; returns what the error must name."""
    manifest = json.loads((index / "manifest.json").read_text())
    chunks = index / manifest["chunk_store"]
    segment = manifest["segments"][0]["name"]
    if kind == "zeroed page":
        zero_page(chunks, "sentences")
        return str(chunks)
    if kind == "no sentences table":
        with sqlite3.connect(chunks) as db:
            db.execute("DROP TABLE sentences")
        return str(chunks)
    if kind == "truncated counts.npz":
        counts = index / f"{segment}.bm25.npz"
        counts.write_bytes(counts.read_bytes()[: counts.stat().st_size // 2])
        return str(counts)
    if kind == "articles: []":
        edit_manifest(index, articles=[])
        return "field articles"
    if kind == 'format_version: "4"':
        edit_manifest(index, format_version="4")
        return 'field format_version is a string ("4"), not a whole number'
    if kind == "vectors outside the folder":
        # A working copy of a segment, one folder up: it must be refused, not opened.
        (index.parent / "outside.faiss").write_bytes((index / f"{segment}.faiss").read_bytes())
        edit_manifest(index, segments=[{**manifest["segments"][0], "name": "../outside"}])
        return 'field segments[0].name is "../outside", not a segment of the index'
    if kind == "chunks at /etc/passwd":
        edit_manifest(index, chunk_store="../../../../../../etc/passwd")
        return "field chunk_store"
    raise AssertionError(kind)


DATA_DAMAGE = ["zeroed page", "no sentences table", "truncated counts.npz"]
MANIFEST_DAMAGE = [
    "articles: []",
    'format_version: "4"',
    "vectors outside the folder",
    "chunks at /etc/passwd",
]


@pytest.mark.parametrize("kind", DATA_DAMAGE + MANIFEST_DAMAGE)
def test_a_damaged_index_is_one_line_naming_the_file_and_the_fix(index, capsys, kind):
    named = damage(index, kind)
    code, out, err = run(capsys, "ask", "--index", str(index), "Wat bood Trump aan Sheinbaum aan?")
    assert (code, out) == (3, "")
    assert err.count("\n") == 1 and named in err and f"run `qa build --rebuild --index {index}`" in err
    assert "this qa reads" not in err


@pytest.mark.parametrize("kind", MANIFEST_DAMAGE)
def test_manifest_fields_are_checked_before_any_file_is_opened(index, monkeypatch, kind):
    damage(index, kind)
    opened = []
    monkeypatch.setattr(qa.vectors.faiss, "read_index", lambda *args: opened.append(args))
    monkeypatch.setattr(qa.chunkstore.sqlite3, "connect", lambda *args, **kwargs: opened.append(args))
    with pytest.raises(IndexCorruptError, match="is not a qa index manifest: field "):
        LocalIndex.open(index)
    assert opened == []


@pytest.mark.parametrize("kind", DATA_DAMAGE)
def test_a_plain_build_rebuilds_damaged_files_and_says_why(index, corpus, counting, kind):
    named = damage(index, kind)
    messages = []
    report = build_index(corpus, index, encoder=counting, log=messages.append)
    assert len(report.added) == 5 and report.unchanged == 0
    assert len(messages) == 1 and messages[0].startswith("Full rebuild: ") and named in messages[0]
    assert "\n" not in messages[0] and "run `qa build" not in messages[0]
    retriever = Retriever.open(index)
    assert retriever.search("Wat bood Trump aan Sheinbaum aan?", k=1)
    retriever.check()


@pytest.mark.parametrize("kind", MANIFEST_DAMAGE)
def test_a_plain_build_on_a_damaged_manifest_asks_for_a_rebuild(index, corpus, counting, capsys, kind):
    damage(index, kind)
    code, _, err = run(capsys, "build", "--corpus", str(corpus), "--index", str(index))
    assert code == 1 and err.count("\n") == 1 and "run `qa build --rebuild" in err
    report = build_index(corpus, index, encoder=counting, rebuild=True, **quiet())
    assert len(report.added) == 5 and Retriever.open(index).search("Sheinbaum", k=1)


def test_a_build_checks_the_chunk_ids_it_would_carry_forward(index, corpus, counting):
    manifest = json.loads((index / "manifest.json").read_text())
    edit_manifest(index, next_chunk_id=1)  # the next article's ids would collide with stored ones
    messages = []
    report = build_index(corpus, index, encoder=counting, log=messages.append)
    assert f"holds chunk {manifest['next_chunk_id'] - 1}" in messages[0] and len(report.added) == 5


# ---------- readers and builds at the same time ----------


def test_readers_opening_while_builds_commit_never_fail(corpus, index, counting):
    errors: list[str] = []
    opened = 0
    stop = threading.Event()

    def read() -> None:
        nonlocal opened
        while not stop.is_set():
            try:
                (LocalIndex.open(index) if opened % 2 else Retriever.open(index)).close()
                opened += 1
            except QAError as e:
                errors.append(str(e))

    reader = threading.Thread(target=read)
    reader.start()
    commits = 0
    try:
        deadline = time.monotonic() + 3
        added = corpus / "maastricht.txt"
        while time.monotonic() < deadline:
            if added.exists():
                added.unlink()
            else:
                added.write_text(NEW_ARTICLE, encoding="utf-8")
            build_index(corpus, index, encoder=counting, **quiet())
            commits += 1
    finally:
        stop.set()
        reader.join()
    assert errors == []
    assert commits >= 5 and opened >= 50


def test_a_build_interrupted_after_its_commit_keeps_it_and_leaves_nothing_behind(
    corpus, index, counting, monkeypatch
):
    (corpus / "maastricht.txt").write_text(NEW_ARTICLE, encoding="utf-8")

    def interrupted(folder: Path, keep) -> None:
        # Ctrl-C (or a kill) right after manifest.json was replaced, before the old files went.
        if keep is not None and keep.generation == 2:
            raise KeyboardInterrupt

    monkeypatch.setattr(qa.store, "remove_leftovers", interrupted)
    with pytest.raises(KeyboardInterrupt):
        build_index(corpus, index, encoder=counting, **quiet())
    monkeypatch.undo()
    assert "maastricht.txt" in LocalIndex.open(index).article_hashes()
    counting.embedded.clear()
    report = build_index(corpus, index, encoder=counting, **quiet())
    assert report.unchanged == 6 and counting.embedded == []
    assert index_files(index) == {".build.lock", "manifest.json", *named_files(index)}


def test_every_file_of_a_generation_is_on_disk_before_the_manifest_names_it(
    corpus, index, counting, monkeypatch
):
    events: list[tuple[str, Path]] = []
    before = set(named_files(index))
    fsync, replace = qa.files.fsync, os.replace

    def recorded_fsync(path: Path) -> None:
        events.append(("fsync", Path(path)))
        fsync(path)

    def recorded_replace(source, target) -> None:
        events.append(("replace", Path(target)))
        replace(source, target)

    monkeypatch.setattr(qa.files, "fsync", recorded_fsync)
    monkeypatch.setattr(os, "replace", recorded_replace)
    (corpus / "maastricht.txt").write_text(NEW_ARTICLE, encoding="utf-8")
    build_index(corpus, index, encoder=counting, **quiet())
    monkeypatch.undo()
    written = [index / name for name in named_files(index) if name not in before]
    assert written  # the new segment's files; the chunk store, updated in place, is synced too
    written.append(index / named_files(index)[0])
    committed = events.index(("replace", index / "manifest.json"))
    synced = {path for event, path in events[:committed] if event == "fsync"}
    assert [path.name for path in written if path not in synced] == []


def test_a_second_build_is_refused_before_the_model_is_loaded(corpus, index):
    code = (
        "import sys; from qa.cli import main; "
        f"code = main(['build', '--corpus', {str(corpus)!r}, '--index', {str(index)!r}]); "
        "print(code, sorted({'torch', 'sentence_transformers'} & set(sys.modules)))"
    )
    with build_lock(index):
        result = subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env={**os.environ, "HF_HUB_OFFLINE": "1"},
            timeout=60,
        )
    assert result.stdout.strip() == "1 []"
    assert result.stderr == f"qa: error: another build of {index}/ is running; wait for it to finish\n"


def test_an_index_in_a_folder_named_with_uri_characters_opens(tmp_path, seed_index):
    odd = tmp_path / "archief ?#%20"
    shutil.copytree(seed_index, odd)
    retriever = Retriever.open(odd)
    try:
        assert retriever.search("Wat bood Trump aan?")
    finally:
        retriever.close()
