"""A question set scored: Recall@k, MRR@10, nDCG@10 per passage and article, answer quality,
overall and per kind and language of question.

Reads QUESTIONS.tsv (question, answer, optionally article, lang, kind) and scores what `ask`
returns; it builds nothing.
"""

from __future__ import annotations

import csv
import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from qa.answer import Answer
from qa.errors import QAError
from qa.question import read_question
from qa.search import Passage

CUTOFFS = (1, 5, 10)
DEPTH = 10
# The columns a set may have beyond question and answer; others are ignored.
OPTIONAL_COLUMNS = ("article", "lang", "kind")


@dataclass(frozen=True)
class EvalQuestion:
    line: int
    question: str
    answer: str  # text the right passage contains; "" when the corpus cannot answer
    article: str = ""  # the file that answers it, when the set names one
    lang: str = ""  # "nl" or "en", as the set labels it or as read from the question
    kind: str = ""  # the set's own label (date, who, near_miss, ...), "" when it has none


@dataclass(frozen=True)
class EvalResult:
    question: EvalQuestion
    passage_rank: int | None  # 1-based rank of the first passage containing the answer
    article_rank: int | None  # rank of the right article among the distinct articles returned
    seconds: float
    answer: Answer | None = None  # what `ask` said, when the answer step was run
    cited_right: int = 0  # answer sentences taken from the right article
    cited: int = 0  # answer sentences in all

    @property
    def held(self) -> bool:
        """The answer states the expected string (and does not abstain)."""
        return (
            self.answer is not None and not self.answer.abstained and self.question.answer in self.answer.text
        )


def load_questions(path: Path) -> list[EvalQuestion]:
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    except OSError as e:
        raise QAError("error_eval_unreadable", path=path, detail=e.strerror) from None
    header = [c.strip().lower() for c in rows[0]] if rows else []
    if header[:2] != ["question", "answer"]:
        raise QAError("error_eval_header", path=path)
    column = {name: header.index(name) for name in OPTIONAL_COLUMNS if name in header}
    questions = []
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if not row[0].strip():
            raise QAError("error_eval_empty_question", path=path, line=line)

        def cell(name: str, row: list[str] = row) -> str:
            i = column.get(name)
            return row[i].strip() if i is not None and i < len(row) else ""

        text = row[0].strip()
        lang = cell("lang") or read_question(text).language
        if lang not in ("nl", "en"):
            raise QAError("error_eval_lang", path=path, line=line, lang=repr(lang))
        answer = row[1].strip() if len(row) > 1 else ""
        questions.append(EvalQuestion(line, text, answer, cell("article"), lang, cell("kind")))
    if not questions:
        raise QAError("error_eval_no_questions", path=path)
    return questions


def _is_article(article_id: str, named: str) -> bool:
    """The set names a file; the index knows it by its path below the corpus folder."""
    return article_id == named or article_id.rsplit("/", 1)[-1] == named


def _score(
    q: EvalQuestion,
    passages: list[Passage],
    seconds: float,
    article_text: Callable[[str], str],
    answer: Answer | None = None,
) -> EvalResult:
    if not q.answer:
        return EvalResult(q, None, None, seconds, answer)

    def right(article_id: str) -> bool:
        if q.article:
            return _is_article(article_id, q.article)
        return q.answer in article_text(article_id)

    hits = [q.answer in p.text for p in passages]
    articles = list(dict.fromkeys(p.article.id for p in passages))
    ranks = [i for i, a in enumerate(articles, start=1) if right(a)]
    cited = answer.citations if answer is not None and not answer.abstained else []
    return EvalResult(
        q,
        passage_rank=hits.index(True) + 1 if any(hits) else None,
        article_rank=ranks[0] if ranks else None,
        seconds=seconds,
        answer=answer,
        cited_right=sum(right(c.article_id) for c in cited),
        cited=len(cited),
    )


def run_eval(
    questions: list[EvalQuestion],
    search: Callable[[str, int], list[Passage]],
    article_text: Callable[[str], str],
) -> list[EvalResult]:
    """Retrieval only: the passages `search` returns for each question."""
    results = []
    for q in questions:
        started = time.perf_counter()
        passages = search(q.question, DEPTH)
        results.append(_score(q, passages, time.perf_counter() - started, article_text))
    return results


def run_answers(
    questions: list[EvalQuestion],
    ask: Callable[[str, int], Answer],
    article_text: Callable[[str], str],
) -> list[EvalResult]:
    """Retrieval and answer together, from one `ask` per question, as a user would get them."""
    results = []
    for q in questions:
        started = time.perf_counter()
        answer = ask(q.question, DEPTH)
        results.append(_score(q, answer.passages, time.perf_counter() - started, article_text, answer))
    return results


def _metrics(ranks: list[int | None]) -> dict[str, float]:
    found = [r for r in ranks if r and r <= DEPTH]
    n = len(ranks)
    out = {f"recall@{k}": sum(1 for r in found if r <= k) / n for k in CUTOFFS}
    out["mrr@10"] = sum(1 / r for r in found) / n
    # Binary gain with one ideal item: overlapping chunks may all contain the answer, but a
    # reader needs it once, so only the first hit counts (and the right article once).
    out["ndcg@10"] = sum(1 / math.log2(r + 1) for r in found) / n
    return out


def _answers(results: list[EvalResult]) -> dict[str, float | None]:
    """Answer quality over the results that carry an answer."""
    answerable = [r for r in results if r.question.answer]
    unanswerable = [r for r in results if not r.question.answer]
    cited = sum(r.cited for r in answerable)

    def share(count: int, total: int) -> float | None:
        return round(count / total, 4) if total else None

    return {
        "answer_holds_expected": share(sum(r.held for r in answerable), len(answerable)),
        "answer_precision": share(sum(r.cited_right for r in answerable), cited),
        "abstained_answerable": share(
            sum(bool(r.answer and r.answer.abstained) for r in answerable), len(answerable)
        ),
        "abstained_unanswerable": share(
            sum(bool(r.answer and r.answer.abstained) for r in unanswerable), len(unanswerable)
        ),
    }


def _group(results: list[EvalResult]) -> dict:
    answerable = [r for r in results if r.question.answer]
    summary: dict = {"questions": len(results), "answerable": len(answerable)}
    if answerable:
        summary["passage"] = _rounded(_metrics([r.passage_rank for r in answerable]))
        summary["article"] = _rounded(_metrics([r.article_rank for r in answerable]))
    if any(r.answer is not None for r in results):
        summary["answers"] = _answers(results)
    return summary


def summarize(results: list[EvalResult]) -> dict:
    """Every figure overall, and under `groups` per kind and per language of question."""
    latencies = sorted(r.seconds * 1000 for r in results)
    summary = _group(results)
    summary["latency_ms"] = {
        "p50": round(statistics.median(latencies), 2),
        "p95": round(latencies[min(len(latencies) - 1, math.ceil(0.95 * len(latencies)) - 1)], 2),
    }
    groups: dict[str, dict] = {}
    for label, key in (("kind", lambda r: r.question.kind), ("lang", lambda r: r.question.lang)):
        values = sorted({key(r) for r in results} - {""})
        if len(values) > 1:
            for value in values:
                groups[f"{label}:{value}"] = _group([r for r in results if key(r) == value])
    if groups:
        summary["groups"] = groups
    return summary


def _rounded(metrics: dict[str, float]) -> dict[str, float]:
    return {k: round(v, 4) for k, v in metrics.items()}


def misses(results: list[EvalResult]) -> list[dict]:
    """The questions a user would see answered wrongly: an answerable one whose answer lacks the
    expected string, or an unanswerable one that gets an answer; each with what was said."""
    found = []
    for r in results:
        if r.answer is None:
            failed = bool(r.question.answer) and not r.passage_rank
        else:
            failed = not r.held if r.question.answer else not r.answer.abstained
        if failed:
            found.append(
                {
                    "line": r.question.line,
                    "kind": r.question.kind,
                    "lang": r.question.lang,
                    "question": r.question.question,
                    "expected": r.question.answer,
                    "passage_rank": r.passage_rank,
                    "article_rank": r.article_rank,
                    "answered": None if r.answer is None else r.answer.text,
                    "abstained": None if r.answer is None else r.answer.abstained,
                    "notes": [] if r.answer is None else list(r.answer.notes),
                }
            )
    return found


_NAMES = [f"recall@{k}" for k in CUTOFFS] + ["mrr@10", "ndcg@10"]


def format_table(summary: dict, title: str) -> str:
    lines = [
        f"{title}: {summary['questions']} questions, {summary['answerable']} answerable",
        "level     " + "".join(f"{n:>11}" for n in _NAMES),
    ]
    for level in ("passage", "article"):
        if level in summary:
            lines.append(f"{level:<10}" + "".join(f"{summary[level][n]:>11.3f}" for n in _NAMES))
    if "answers" in summary:
        a = summary["answers"]
        lines.append(
            f"answers: expected string held in {_pct(a['answer_holds_expected'])} of answerable "
            f"(precision {_pct(a['answer_precision'])} of answer sentences from the right article); "
            f"abstained on {_pct(a['abstained_unanswerable'])} of unanswerable, "
            f"{_pct(a['abstained_answerable'])} of answerable"
        )
    lat = summary["latency_ms"]
    lines.append(f"latency per query: p50 {lat['p50']:.1f} ms, p95 {lat['p95']:.1f} ms")
    if "groups" in summary:
        lines += ["", format_groups(summary)]
    return "\n".join(lines)


def format_groups(summary: dict) -> str:
    """One row per group: retrieval at passage and article level, and the answers' quality."""
    head = (
        f"{'group':<16}{'n':>4}{'ans':>5}{'R@1':>7}{'R@5':>7}{'MRR':>7}{'art@1':>7}{'art@5':>7}"
        f"{'held':>7}{'prec':>7}{'abst':>7}{'withh':>7}"
    )
    rows = [head]
    for name, g in [("all", summary), *summary["groups"].items()]:
        p, a, ans = g.get("passage", {}), g.get("article", {}), g.get("answers", {})
        cells = [
            p.get("recall@1"), p.get("recall@5"), p.get("mrr@10"), a.get("recall@1"), a.get("recall@5"),
            ans.get("answer_holds_expected"), ans.get("answer_precision"),
            ans.get("abstained_unanswerable"), ans.get("abstained_answerable"),
        ]  # fmt: skip
        rows.append(
            f"{name:<16}{g['questions']:>4}{g['answerable']:>5}"
            + "".join(f"{c:>7.3f}" if c is not None else f"{'–':>7}" for c in cells)
        )
    rows.append(
        "(R@k, MRR: passage level; art@k: article level; held: the answer holds the expected string; "
        "prec: answer sentences from the right article; abst: unanswerable questions abstained; "
        "withh: answerable questions withheld)"
    )
    return "\n".join(rows)


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1%}"
