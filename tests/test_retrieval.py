"""Retrieval quality on the project's Dutch dev set, and the eval harness that measures it."""

from __future__ import annotations

import json
import re

import pytest

from qa.cli import main
from qa.errors import QAError
from qa.evaluate import load_questions, run_eval, summarize
from qa.search import Retriever
from tests.conftest import ROOT

DEV = ROOT / "eval" / "dev.tsv"
ENGLISH = re.compile(r"^(What|Who|How|Why|When|Where|Which|Did|Does|Is|Are)\b")


@pytest.fixture(scope="module")
def retriever(typed_index):
    opened = Retriever.open(typed_index)
    yield opened
    opened.close()


def test_dev_set_is_what_it_claims():
    questions = load_questions(DEV)
    assert len(questions) >= 60
    assert sum(1 for q in questions if not q.answer) >= 6
    assert sum(1 for q in questions if ENGLISH.match(q.question)) >= 6


def test_finds_the_right_article_for_dutch_questions(retriever):
    dutch = [q for q in load_questions(DEV) if q.answer and not ENGLISH.match(q.question)]
    results = run_eval(dutch, retriever.search, retriever.article_text)
    right_first = [r for r in results if r.article_rank == 1]
    assert len(right_first) >= 15, f"only {len(right_first)} of {len(dutch)} right at rank 1"


def test_eval_summary_on_dev_set(retriever):
    summary = summarize(run_eval(load_questions(DEV), retriever.search, retriever.article_text))
    assert summary["answerable"] == summary["questions"] - 7
    passage, article = summary["passage"], summary["article"]
    assert 0 < passage["recall@1"] <= passage["recall@5"] <= passage["recall@10"] <= 1
    assert passage["recall@10"] >= 0.7 and article["recall@5"] >= 0.9
    assert passage["mrr@10"] <= passage["ndcg@10"] <= passage["recall@10"]


def test_eval_command_prints_table_and_json(capsys, index):
    assert main(["eval", str(DEV), "--index", str(index)]) == 0
    out = capsys.readouterr().out
    assert "recall@1" in out and "passage" in out and "p95" in out
    assert main(["eval", str(DEV), "--index", str(index), "--json", "--misses"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert set(summary) >= {"passage", "article", "latency_ms", "misses", "model", "answers"}
    answers = summary["answers"]
    assert answers["answer_holds_expected"] >= 0.72  # EVAL.md: 44/59
    assert answers["abstained_unanswerable"] >= 0.85 and answers["abstained_answerable"] <= 0.2
    assert answers["answer_precision"] >= 0.9
    for miss in summary["misses"]:
        assert miss["answered"] and miss["question"] and "abstained" in miss


def test_eval_reads_kind_and_language_columns_and_reports_each_group(tmp_path, capsys, index):
    path = tmp_path / "q.tsv"
    path.write_text(
        "question\tanswer\tarticle\tlang\tkind\tnote\n"
        "Welk aanbod wees Sheinbaum af?\taanbod\t002_27063aa182962f19.txt\tnl\tfact\tignored\n"
        "Who is Keir Starmer?\tStarmer\t003_644458f05d8138fc.txt\ten\twho\t\n"
        "Hoe maak je een goede pindasaus?\t\t\tnl\toff_topic\t\n",
        encoding="utf-8",
    )
    assert main(["eval", str(path), "--index", str(index), "--json"]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert set(summary["groups"]) == {"kind:fact", "kind:who", "kind:off_topic", "lang:en", "lang:nl"}
    assert summary["groups"]["kind:off_topic"]["answerable"] == 0
    assert summary["groups"]["lang:en"]["questions"] == 1
    assert summary["article"]["recall@5"] == 1.0  # the named file is the right article
    assert main(["eval", str(path), "--index", str(index)]) == 0
    table = capsys.readouterr().out
    assert "kind:off_topic" in table and "prec" in table and "withh" in table


def test_bad_question_file_names_the_line(tmp_path):
    path = tmp_path / "q.tsv"
    path.write_text("question\tanswer\nWie?\tHij\n\tzonder vraag\n", encoding="utf-8")
    with pytest.raises(QAError, match=r"q.tsv:3: field 'question' is empty"):
        load_questions(path)
    path.write_text("vraag\tantwoord\n", encoding="utf-8")
    with pytest.raises(QAError, match="header"):
        load_questions(path)
    path.write_text("question\tanswer\tlang\nWie?\tHij\tde\n", encoding="utf-8")
    with pytest.raises(QAError, match=r"q.tsv:2: field 'lang' must be nl or en"):
        load_questions(path)
