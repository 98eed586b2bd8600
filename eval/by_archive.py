"""The abstention rule judged archive by archive: fitted on all question sets but one, asked on
that one, for each in turn; beside it, the stored rule (qa/abstention.json) on the same set.

The judged archive is one the rule has never seen, so the fair estimate of the rule's worth on it
is a rule fitted on other archives and asked on a whole archive it was not fitted on, not random
folds of questions that share their articles with the fitting ones (eval/fit.py). The sentence
weights stay the stored ones (AnswerSettings); only the rule is refitted, with eval/fit.py's
fit_rule and its threshold (at most WITHHELD_AT_MOST of the fitting sets' answerable questions
withheld).

    python eval/by_archive.py ../shared/devarchive/questions.tsv:/tmp/da-index \
        eval/dev.tsv:/tmp/eval-use eval/fresh1/questions.tsv:/tmp/fresh1-index ... \
        [--feature NAME ...]

`--feature NAME`: leave that feature of qa.abstention.FEATURES out of the refitted rule (to see
what it is worth). Prints, per set and summed: answers held, abstentions, answers withheld, and
right (held, or abstained when unanswerable).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from fit import Case, Outcome, answered, fit_rule, held, outcomes

from qa.abstention import FEATURES, AbstentionRule, Evidence, rule
from qa.answer import AnswerSettings
from qa.answering import candidates
from qa.evaluate import load_questions
from qa.question import read_question
from qa.search import Retriever


def tally(results: list[tuple[Outcome, bool]]) -> tuple[int, int, int, int, int]:
    """(held, answerable, abstained, unanswerable, withheld)."""
    answerable = [(o, a) for o, a in results if o.case.answerable]
    unanswerable = [(o, a) for o, a in results if not o.case.answerable]
    return (
        sum(a and held(o.case, o.chosen) for o, a in answerable),
        len(answerable),
        sum(not a for _, a in unanswerable),
        len(unanswerable),
        sum(not a for _, a in answerable),
    )


def line(t: tuple[int, int, int, int, int]) -> str:
    held_, answerable, abstained, unanswerable, withheld = t
    return (
        f"held {held_:>3}/{answerable:<3} abstained {abstained:>3}/{unanswerable:<3} "
        f"withheld {withheld:>2}  right {held_ + abstained:>3}"
    )


def without(outcome: Outcome, keep: list[int]) -> Outcome:
    """The outcome with only the features at `keep` in its evidence."""
    if outcome.evidence is None:
        return outcome
    values = tuple(outcome.evidence.values[i] for i in keep)
    return replace(outcome, evidence=Evidence(values))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("sets", nargs="+", metavar="QUESTIONS.tsv:INDEX")
    parser.add_argument("--feature", action="append", default=[], choices=FEATURES, help="leave it out")
    args = parser.parse_args()

    by_set: dict[str, list[Outcome]] = {}
    for pair in args.sets:
        questions, _, index = pair.rpartition(":")
        if not questions:
            parser.error(f"{pair}: expected QUESTIONS.tsv:INDEX")
        retriever = Retriever.open(Path(index))
        cases = []
        for item in load_questions(Path(questions)):
            question = read_question(item.question)
            found, sentences = candidates(retriever, question, 10)
            cases.append(Case(item, question, found, sentences, retriever, questions))
        by_set[questions] = outcomes(cases, AnswerSettings())

    keep = [i for i, name in enumerate(FEATURES) if name not in args.feature]
    stored: AbstentionRule = rule()
    refitted_total = [0] * 5
    stored_total = [0] * 5
    print(f"{'':<40} {'refitted on the other sets':<58} stored rule")
    for name, asked in by_set.items():
        others = [without(o, keep) for other, found in by_set.items() if other != name for o in found]
        fitted = fit_rule(others)
        refitted = tally([(o, answered(without(o, keep), fitted)) for o in asked])
        kept = tally([(o, answered(o, stored)) for o in asked])
        refitted_total = [a + b for a, b in zip(refitted_total, refitted, strict=True)]
        stored_total = [a + b for a, b in zip(stored_total, kept, strict=True)]
        print(f"{name[-40:]:<40} {line(refitted):<58} {line(kept)}")
    print(f"{'all':<40} {line(tuple(refitted_total)):<58} {line(tuple(stored_total))}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
