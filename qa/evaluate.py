"""Retrieval quality on a question set: Recall@k, MRR@10 and nDCG@10 at passage and article level.

Reads QUESTIONS.tsv (question, answer) and scores what a retriever returns; it builds nothing.
"""

from __future__ import annotations

import csv
import math
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from qa.errors import QAError
from qa.search import Passage

CUTOFFS = (1, 5, 10)
DEPTH = 10


@dataclass(frozen=True)
class EvalQuestion:
    line: int
    question: str
    answer: str  # text the right passage contains; "" when the corpus cannot answer


@dataclass(frozen=True)
class EvalResult:
    question: EvalQuestion
    passage_rank: int | None  # 1-based rank of the first passage containing the answer
    article_rank: int | None  # rank of the right article among the distinct articles returned
    seconds: float


def load_questions(path: Path) -> list[EvalQuestion]:
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))
    except OSError as e:
        raise QAError(f"cannot read {path}: {e.strerror}") from None
    if not rows or [c.strip().lower() for c in rows[0][:2]] != ["question", "answer"]:
        raise QAError(f"{path}: the first line must be the header 'question<TAB>answer'")
    questions = []
    for line, row in enumerate(rows[1:], start=2):
        if not any(cell.strip() for cell in row):
            continue
        if not row[0].strip():
            raise QAError(f"{path}:{line}: field 'question' is empty")
        questions.append(EvalQuestion(line, row[0].strip(), row[1].strip() if len(row) > 1 else ""))
    if not questions:
        raise QAError(f"{path} holds no questions")
    return questions


def run_eval(
    questions: list[EvalQuestion],
    search: Callable[[str, int], list[Passage]],
    article_text: Callable[[str], str],
) -> list[EvalResult]:
    results = []
    for q in questions:
        started = time.perf_counter()
        passages = search(q.question, DEPTH)
        seconds = time.perf_counter() - started
        if not q.answer:
            results.append(EvalResult(q, None, None, seconds))
            continue
        hits = [q.answer in p.text for p in passages]
        articles = list(dict.fromkeys(p.article.id for p in passages))
        right = [a for a in articles if q.answer in article_text(a)]
        results.append(
            EvalResult(
                q,
                passage_rank=hits.index(True) + 1 if any(hits) else None,
                article_rank=articles.index(right[0]) + 1 if right else None,
                seconds=seconds,
            )
        )
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


def summarize(results: list[EvalResult]) -> dict:
    answerable = [r for r in results if r.question.answer]
    latencies = sorted(r.seconds * 1000 for r in results)
    summary = {
        "questions": len(results),
        "answerable": len(answerable),
        "latency_ms": {
            "p50": round(statistics.median(latencies), 2),
            "p95": round(latencies[min(len(latencies) - 1, math.ceil(0.95 * len(latencies)) - 1)], 2),
        },
    }
    if answerable:
        summary["passage"] = _rounded(_metrics([r.passage_rank for r in answerable]))
        summary["article"] = _rounded(_metrics([r.article_rank for r in answerable]))
    return summary


def _rounded(metrics: dict[str, float]) -> dict[str, float]:
    return {k: round(v, 4) for k, v in metrics.items()}


def format_table(summary: dict, title: str) -> str:
    names = [f"recall@{k}" for k in CUTOFFS] + ["mrr@10", "ndcg@10"]
    lines = [
        f"{title}: {summary['questions']} questions, {summary['answerable']} answerable",
        "level     " + "".join(f"{n:>11}" for n in names),
    ]
    for level in ("passage", "article"):
        if level in summary:
            lines.append(f"{level:<10}" + "".join(f"{summary[level][n]:>11.3f}" for n in names))
    if "answers" in summary:
        a = summary["answers"]
        lines.append(
            f"answers: expected string held in {a['answer_holds_expected']:.1%} of answerable; "
            f"abstained on {a['abstained_unanswerable']:.1%} of unanswerable, "
            f"{a['abstained_answerable']:.1%} of answerable"
        )
    lat = summary["latency_ms"]
    lines.append(f"latency per query: p50 {lat['p50']:.1f} ms, p95 {lat['p95']:.1f} ms")
    return "\n".join(lines)


def answer_quality(questions: list[EvalQuestion], answer: Callable[[str], object]) -> dict:
    """How often the answer text holds the expected string, and who abstains."""
    answerable = [q for q in questions if q.answer]
    unanswerable = [q for q in questions if not q.answer]
    held = abstained_answerable = abstained_unanswerable = 0
    for q in questions:
        result = answer(q.question)
        if q.answer:
            held += q.answer in result.text
            abstained_answerable += result.abstained
        else:
            abstained_unanswerable += result.abstained
    return {
        "answer_holds_expected": round(held / len(answerable), 4) if answerable else None,
        "abstained_answerable": round(abstained_answerable / len(answerable), 4) if answerable else None,
        "abstained_unanswerable": (
            round(abstained_unanswerable / len(unanswerable), 4) if unanswerable else None
        ),
    }
