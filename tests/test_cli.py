"""The qa command line, run as a user would: arguments in, text or JSON out, exit codes."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys

import pytest

from qa.cli import main
from tests.conftest import ROOT


def run(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_build_then_ask(capsys, corpus, tmp_path):
    index = str(tmp_path / "idx")
    code, out, _ = run(capsys, "build", "--corpus", str(corpus), "--index", index)
    assert code == 0 and "5 added" in out and "chunks embedded" in out
    code, out, _ = run(capsys, "build", "--corpus", str(corpus), "--index", index)
    assert code == 0 and "5 unchanged" in out and "0 chunks embedded" in out and "sentences" in out
    code, out, _ = run(capsys, "ask", "--index", index, "Wat bood Trump aan Sheinbaum aan?", "-k", "2")
    assert code == 0
    assert out.startswith("? Wat bood Trump aan Sheinbaum aan?")
    assert "[1]" in out and "[2]" in out and "[3]" not in out


def test_ask_json_has_the_stable_fields(capsys, index):
    code, out, _ = run(capsys, "ask", "--index", str(index), "--json", "Wie is Claudia Sheinbaum?", "-k", "3")
    assert code == 0
    record = json.loads(out)
    assert record["question"] == "Wie is Claudia Sheinbaum?"
    assert [p["rank"] for p in record["passages"]] == [1, 2, 3]
    for p in record["passages"]:
        assert set(p) >= {"rank", "score", "text", "start", "end", "article"}
        assert set(p["article"]) >= {"id", "title", "date", "category", "url", "path"}
        assert isinstance(p["score"], float) and p["end"] - p["start"] == len(p["text"])
    scores = [p["score"] for p in record["passages"]]
    assert scores == sorted(scores, reverse=True)


def test_ask_reads_questions_from_stdin_as_json_lines(capsys, index, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("Wie is Starmer?\n\nWat is ICE?\n"))
    code, out, _ = run(capsys, "ask", "--index", str(index), "--json", "-k", "1")
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 0 and [r["question"] for r in lines] == ["Wie is Starmer?", "Wat is ICE?"]


def test_ask_without_index_says_run_build(capsys, tmp_path):
    code, out, err = run(capsys, "ask", "--index", str(tmp_path / "none"), "Waarom?")
    assert code == 3 and out == ""
    assert err.startswith("qa: error: no index in") and "qa build" in err and err.count("\n") == 1


def test_empty_question_is_an_error(capsys, index):
    code, _, err = run(capsys, "ask", "--index", str(index), "   ")
    assert code == 1 and "question is empty" in err


@pytest.mark.parametrize("since", ["foo", "2019-13", "2019-02-30"])
def test_a_date_that_does_not_exist_is_refused_like_one_that_is_no_date(capsys, index, since):
    code, out, err = run(capsys, "ask", "--index", str(index), "--since", since, "Wie is Starmer?")
    assert code == 1 and out == ""
    assert err == f"qa: error: --since must be a date like 2019, 2019-04 or 2019-04-12, got {since!r}\n"


def test_ask_with_other_model_says_rebuild(capsys, index):
    code, _, err = run(capsys, "ask", "--index", str(index), "--model", "intfloat/multilingual-e5-small", "x")
    assert code == 3 and "qa build --model intfloat/multilingual-e5-small" in err


def test_corrupt_index_is_one_line_not_a_traceback(capsys, index):
    (index / "manifest.json").write_text("[]")
    code, _, err = run(capsys, "ask", "--index", str(index), "Waarom?")
    assert code == 3 and "Traceback" not in err and err.count("\n") == 1


def test_stats(capsys, index):
    code, out, _ = run(capsys, "stats", "--index", str(index), "--json")
    info = json.loads(out)
    assert code == 0 and info["articles"] == 5 and info["chunks"] > 5 and info["model"]
    assert info["undated"] == []
    assert info["build"]["added"] == 5 and info["chunking"] == {"max_words": 80, "overlap_sentences": 1}
    # What the index takes on disk: every file of the folder, counted once; SQLite's shared-memory
    # and write-ahead files only live while the index is open and are no part of it.
    on_disk = sum(
        path.stat().st_size
        for path in index.rglob("*")
        if path.is_file() and not path.name.endswith(("-shm", "-wal", ".lock"))
    )
    parts = ("vectors", "chunks", "lexical", "manifest")
    assert info["disk_bytes"]["total"] == sum(info["disk_bytes"][part] for part in parts) == on_disk


def test_stats_prints_a_table(capsys, index):
    code, out, _ = run(capsys, "stats", "--index", str(index))
    rows = {line[:11].strip(): line[11:].strip() for line in out.splitlines()}

    assert code == 0 and "{" not in out
    assert list(rows) == [
        "index", "model", "articles", "chunks", "undated", "generation", "segments", "built", "on disk"
    ]  # fmt: skip
    assert rows["index"] == str(index) and rows["articles"] == "5" and rows["generation"] == "1"
    assert rows["model"] == "use-multilingual-v3 (512 dimensions)"
    assert rows["chunks"].endswith("(up to 80 words, 1 sentence of overlap)")
    assert rows["undated"] == "0 articles without a date"
    assert re.fullmatch(r"1 \((flat|ivf)\), largest \d+ chunks", rows["segments"])
    built = r"\d{4}-\d\d-\d\d \d\d:\d\d UTC in [\d.]+ s: 5 added, 0 changed, 0 removed, 0 skipped "
    assert re.fullmatch(built + r"\(qa [\d.]+, faiss [\d.]+\)", rows["built"])
    size = r"[\d.]+ K?B"
    parts = f"vectors {size}, chunks and texts {size}, BM25 {size}, manifest {size}"
    assert re.fullmatch(f"{size}: {parts}", rows["on disk"])


def test_stats_reads_the_manifest_and_chunk_store_but_not_the_vectors(capsys, index, monkeypatch):
    # Loading the vectors and BM25 took 13 s at a million chunks; what stats shows needs neither.
    def refuse(*_args, **_kwargs):
        raise AssertionError("qa stats loaded the vectors")

    monkeypatch.setattr("qa.store.VectorIndex.load", refuse)
    code, out, _ = run(capsys, "stats", "--index", str(index), "--json")
    assert code == 0 and json.loads(out)["articles"] == 5
    # A missing part is still reported as damage, not shown as a whole index.
    monkeypatch.undo()
    next(index.glob("*.faiss")).unlink()
    code, _, err = run(capsys, "stats", "--index", str(index))
    assert code == 3 and ".faiss" in err and "Traceback" not in err


def test_stats_names_the_articles_without_a_date(capsys, corpus, tmp_path):
    (corpus / "beving.txt").write_text("De aardbeving bij Huizinge is de zwaarste ooit gemeten.\n")
    index = str(tmp_path / "idx")
    assert run(capsys, "build", "--corpus", str(corpus), "--index", index)[0] == 0
    code, out, _ = run(capsys, "stats", "--index", index)
    assert code == 0 and "1 article without a date: beving.txt" in out
    code, out, _ = run(capsys, "stats", "--index", index, "--json")
    assert json.loads(out)["undated"] == ["beving.txt"]


def test_env_variables_fill_options(capsys, index, monkeypatch):
    monkeypatch.setenv("QA_INDEX", str(index))
    code, out, _ = run(capsys, "stats")
    assert code == 0 and str(index) in out


def test_python_dash_m_help_documents_exit_codes():
    result = subprocess.run(
        [sys.executable, "-m", "qa", "--help"], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert "exit codes" in result.stdout and "no usable index" in result.stdout


def test_unknown_command_is_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["fly"])
    assert exit_info.value.code == 2


def test_build_json_names_files_over_the_size_limit(capsys, corpus, tmp_path, monkeypatch):
    index = str(tmp_path / "idx")
    # The seeds are 2.5 to 3.0 KB: a limit of 2.6 KB skips three of them unread.
    code, out, _ = run(
        capsys, "build", "--corpus", str(corpus), "--index", index, "--json", "--max-file-mb", "0.0026"
    )
    report = json.loads(out)
    assert code == 0 and len(report["added"]) == 2 and report["chunks_embedded"] > 0
    assert [s["id"][:3] for s in report["skipped"]] == ["000", "001", "002"]
    assert all("over the limit of 0.0026 MB" in s["reason"] for s in report["skipped"])
    monkeypatch.setenv("QA_MAX_FILE_MB", "twenty")
    code, out, err = run(capsys, "build", "--corpus", str(corpus), "--index", index)
    assert code == 1 and out == "" and "QA_MAX_FILE_MB" in err and err.count("\n") == 1
