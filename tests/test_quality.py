"""Answer quality on the development archive (eval/devarchive: 65 articles of every shape the
loader reads, 160 questions), the figures EVAL.md reports, each kept above a floor just under them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from qa.answering import ask
from qa.build import build_index
from qa.evaluate import load_questions, run_answers, summarize
from qa.search import Retriever
from tests.conftest import ROOT

DEVARCHIVE = ROOT / "eval" / "devarchive"


@pytest.fixture(scope="module")
def summary(tmp_path_factory, encoder) -> dict:
    corpus = tmp_path_factory.mktemp("devarchive")
    for path in [*(DEVARCHIVE / "corpus").iterdir(), *(ROOT / "corpus").glob("*.txt")]:
        shutil.copy(path, corpus / path.name)
    index = tmp_path_factory.mktemp("devarchive-index")
    build_index(corpus, index, encoder=encoder, log=lambda _: None)
    retriever = Retriever.open(index)
    try:
        questions = load_questions(DEVARCHIVE / "questions.tsv")
        results = run_answers(
            questions,
            lambda q, k: ask(q, k, retriever=retriever, extractive_only=True),
            retriever.article_text,
        )
    finally:
        retriever.close()
    return summarize(results)


def test_the_archive_is_what_its_readme_says():
    questions = load_questions(DEVARCHIVE / "questions.tsv")
    assert len(questions) == 160 and sum(1 for q in questions if not q.answer) == 40
    assert sum(1 for q in questions if q.lang == "en") == 32
    assert len(list((DEVARCHIVE / "corpus").iterdir())) == 60


def test_retrieval_finds_the_passage(summary):
    # EVAL.md: R@5 0.992, MRR@10 0.940; date-pinned questions R@5 1.000.
    assert summary["passage"]["recall@5"] >= 0.95 and summary["passage"]["mrr@10"] >= 0.9
    assert summary["groups"]["kind:date"]["passage"]["recall@5"] >= 0.95
    # English questions search by meaning, then by the passages' Dutch words closest to theirs:
    # R@1 0.885 (0.846 by meaning alone, 0.615 when BM25 weighed their names), R@5 0.962.
    english = summary["groups"]["lang:en"]["passage"]
    assert english["recall@1"] >= 0.85 and english["recall@5"] >= 0.95


def test_answers_hold_the_fact_from_the_right_article(summary):
    answers = summary["answers"]
    # EVAL.md: 94.2 % held, precision 97.0 %.
    assert answers["answer_holds_expected"] >= 0.82 and answers["answer_precision"] >= 0.94


def test_abstention_keeps_answers_and_stops_some_unanswerable_questions(summary):
    answers = summary["answers"]
    # EVAL.md: 0 % of answerable withheld, 47.5 % of unanswerable abstain; off-topic 5 of 7 (71 %
    # cross-validated, as with the rule before that stopped 6).
    assert answers["abstained_answerable"] <= 0.05 and answers["abstained_unanswerable"] >= 0.35
    assert summary["groups"]["kind:off_topic"]["answers"]["abstained_unanswerable"] >= 0.7


def test_loader_reads_every_file_of_the_archive():
    from qa.articles import parse_article, scan_corpus

    articles = [parse_article(source) for source in scan_corpus(DEVARCHIVE / "corpus")]
    questions = [q for q in load_questions(DEVARCHIVE / "questions.tsv") if q.answer and q.article]
    text = {Path(a.id).name: a.text for a in articles}
    # Every expected answer is in its article's cleaned text (none lost with boilerplate), and
    # all but the two files without any date get one.
    assert all(q.answer in text[q.article] for q in questions if q.article in text)
    assert sum(1 for a in articles if a.date is None) == 2
