"""Does the evidence speak of what the question asks about? The reasons an answer is withheld.

A sentence can match a question well and still not answer it: "Hoeveel asielaanvragen ontving
Nederland?" matches sentences about asylum in the US. Three things a question pins down must
be in the evidence the answer comes from, else the answer would be about something else:

- the names it mentions (a person, country, organisation): literally, as an inflection
  ("Trumps", "Mexicaans"), or, across languages, as a close match of the encoder ("White House"
  and "Witte Huis");
- the period it asks about, when no article is from then: some evidence must be dated in it (or
  the year after, which reports on it) or mention its year;
- the unit of the quantity it asks for ("hoeveel kilometer", "wat kostte"): an answer must hold
  an amount in that unit.

Holds these checks only; how sentences are scored and chosen is qa/answer.py's.
"""

from __future__ import annotations

import itertools
import os
import re
import unicodedata
from collections.abc import Callable, Sequence

import numpy as np

from qa.question import Period, Question
from qa.search import Passage

# A name counts as present across languages when the encoder puts it this close to a word or
# word pair of the evidence: "United" / "Verenigde" 0.81, "White" / "Witte" 0.88, while
# "Canada" / "Amerika" is 0.63 and "Nederland" / "Amerika" 0.58 (dev set, EVAL.md).
NAME_MATCH = 0.65

# Evidence speaks of the question's period when its relevance (qa/question.py) reaches this:
# published just after the period is enough, speaking of other years only is not.
PERIOD_RELEVANT = 0.4

Encode = Callable[[list[str]], np.ndarray]  # texts → unit-length rows


_WORD = re.compile(r"[^\W\d_]+")
_TOKEN = re.compile(r"[\w'’]+(?:-[\w'’]+)*")


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


def _same_word(a: str, b: str) -> bool:
    """One word, or an inflection of it: a shared prefix all but two letters long ("Trumps" and
    "Trump", "Mexicaans" and "Mexicaanse", "Conservative" and "conservatieve")."""
    if a == b:
        return True
    shared = len(os.path.commonprefix([a, b]))  # noqa: RUF071 (words, not paths)
    return shared >= max(4, min(len(a), len(b)) - 2)


def missing_names(question: Question, evidence: Sequence[Passage], encode: Encode | None) -> list[str]:
    """The question's names that the evidence does not mention, in any form."""
    asked = question.names
    if not asked:
        return []
    tokens = _WORD.findall(" ".join(p.text for p in evidence))
    words = {_fold(w) for w in tokens}
    missing = []
    for name in asked:
        # In "US Homeland Security Secretary John Kelly" the evidence has "John Kelly": only the
        # words around it are left to find.
        run: list[str] = []
        for word in [*name.split(), ""]:
            if word and not any(_same_word(_fold(word), w) for w in words):
                run.append(word)
            elif run:
                missing.append(" ".join(run))
                run = []
    if not missing or encode is None or not words:
        return missing
    # Across languages: the name's closest capitalised word, or word pair starting with one, in
    # the evidence, by the encoder ("Witte Huis" for "White House"). Names are capitalised in
    # Dutch too, and this keeps the encoder call to a few dozen strings (every word and pair
    # cost ~30 ms). Word triples were tried and changed nothing on the dev sets.
    candidates = sorted(
        {t for t in tokens if t[:1].isupper()}
        | {f"{a} {b}" for a, b in itertools.pairwise(tokens) if a[:1].isupper()}
    )
    if not candidates:
        return missing
    vectors = encode(missing + candidates)
    closest = (vectors[: len(missing)] @ vectors[len(missing) :].T).max(axis=1)
    return [n for n, c in zip(missing, closest, strict=True) if c < NAME_MATCH]


def period_covered(period: Period | None, evidence: Sequence[Passage]) -> bool:
    """Does some evidence speak of the period the question names (by naming one of its years,
    by its article's lead doing so, or by being published in it or just after)?"""
    if period is None:
        return True
    return any((p.period_relevance or 0.0) >= PERIOD_RELEVANT for p in evidence)


_REASONS = {
    "names": {"nl": "De gevonden passages noemen {} niet.", "en": "The passages found do not mention {}."},
    "period": {"nl": "Geen gevonden passage gaat over “{}”.", "en": "No passage found is about “{}”."},
    "unit": {"nl": "Geen gevonden passage noemt {}.", "en": "No passage found gives {}."},
}


def _listing(items: list[str], lang: str) -> str:
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + (" en " if lang == "nl" else " and ") + items[-1]


def unsupported(
    question: Question,
    evidence: Sequence[Passage],
    asked_found: bool,
    encode: Encode | None,
) -> str | None:
    """Why the evidence cannot answer the question, in the question's language; None if it can.

    `asked_found`: some sentence holds what the question asks for, which matters when the
    question's `asked` is `required` (an amount of money needs a currency).
    """
    lang = question.language
    asked = question.asked
    if asked is not None and asked.required and not asked_found:
        return _REASONS["unit"][lang].format(asked.label[lang])
    if not period_covered(question.period, evidence):
        assert question.period is not None
        return _REASONS["period"][lang].format(question.period.phrase)
    missing = missing_names(question, evidence, encode)
    if missing:
        return _REASONS["names"][lang].format(_listing(missing, lang))
    return None
