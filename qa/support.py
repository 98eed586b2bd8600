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
from dataclasses import dataclass

import numpy as np

from qa.filters import Filters
from qa.search import Passage

# A name counts as present across languages when the encoder puts it this close to a word or
# word pair of the evidence: "United" / "Verenigde" 0.81, "White" / "Witte" 0.88, while
# "Canada" / "Amerika" is 0.63 and "Nederland" / "Amerika" 0.58 (dev set, EVAL.md).
NAME_MATCH = 0.65

Encode = Callable[[list[str]], np.ndarray]  # texts → unit-length rows


@dataclass(frozen=True)
class Unit:
    name: dict[str, str]  # how the reason names it, per language
    asked: re.Pattern  # the question asks for an amount in this unit
    held: re.Pattern  # a sentence holds such an amount


_MONEY = Unit(
    {"nl": "een bedrag", "en": "an amount of money"},
    re.compile(
        r"\b(hoeveel|wat)\b.*\b(ge)?kost(e|en|te|ten)?\b|\bhoeveel (geld|euro|dollar|pond)\b|"
        r"\bhow much\b.*\b(cost|costs|spent|spend|paid|pay)\b|\bhow much money\b|\bwhat did\b.*\bcost\b",
        re.I,
    ),
    re.compile(r"[€$£]|\b(euro|dollar|pond|ponden|pounds?|dollars?|cent)\b", re.I),
)
_UNITS = (
    _MONEY,
    Unit(
        {"nl": "een afstand", "en": "a distance"},
        re.compile(r"\b(hoeveel|how many) (kilometers?|km|meters?|mijl|miles?)\b", re.I),
        re.compile(r"\b(kilometers?|km|meters?|mijl|miles?)\b", re.I),
    ),
    Unit(
        {"nl": "een percentage", "en": "a percentage"},
        re.compile(r"\b(hoeveel procent|welk percentage|what percentage|how many percent)\b", re.I),
        re.compile(r"%|\b(procent|percent)\b", re.I),
    ),
)


def asked_unit(question: str) -> Unit | None:
    return next((u for u in _UNITS if u.asked.search(question)), None)


def holds_unit(sentence: str, unit: Unit | None) -> bool:
    return unit is None or unit.held.search(sentence) is not None


_WORD = re.compile(r"[^\W\d_]+")
_TOKEN = re.compile(r"[\w'’]+(?:-[\w'’]+)*")


def names(question: str) -> list[str]:
    """The names a question mentions: runs of capitalised words, not counting its first word
    ("Europees Parlement", "United States"), and the capitalised parts of compounds ("EU" of
    "EU-migratiepact", "Rwanda" of "Rwanda-plan")."""
    found: list[str] = []
    run: list[str] = []
    for i, token in enumerate(_TOKEN.findall(question)):
        pieces = token.split("-")
        parts = [p for j, p in enumerate(pieces) if p[:1].isupper() and (i > 0 or j > 0)]
        if len(pieces) == 1 and parts:
            run.append(token)
            continue
        if run:
            found.append(" ".join(run))
            run = []
        found.extend(parts)
    if run:
        found.append(" ".join(run))
    return list(dict.fromkeys(found))


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


def _same_word(a: str, b: str) -> bool:
    """One word, or an inflection of it: a shared prefix all but two letters long ("Trumps" and
    "Trump", "Mexicaans" and "Mexicaanse", "Conservative" and "conservatieve")."""
    if a == b:
        return True
    shared = len(os.path.commonprefix([a, b]))  # noqa: RUF071 (words, not paths)
    return shared >= max(4, min(len(a), len(b)) - 2)


def missing_names(question: str, evidence: Sequence[Passage], encode: Encode | None) -> list[str]:
    """The question's names that the evidence does not mention, in any form."""
    asked = names(question)
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


def period_covered(relaxed: Filters | None, evidence: Sequence[Passage]) -> bool:
    """When the question's period matched no article: does some evidence still speak of it?"""
    if relaxed is None or not relaxed.since or not relaxed.until:
        return True
    first, last = int(relaxed.since[:4]), int(relaxed.until[:4])
    for passage in evidence:
        date = passage.article.date or ""
        # An article from the year after reports on the period too ("vorig jaar").
        if date[:4].isdigit() and first <= int(date[:4]) <= last + 1:
            return True
        if any(first <= int(y) <= last for y in re.findall(r"\b(\d{4})\b", passage.text)):
            return True
    return False


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
    question: str,
    evidence: Sequence[Passage],
    relaxed: Filters | None,
    unit: Unit | None,
    unit_found: bool,
    lang: str,
    encode: Encode | None,
) -> str | None:
    """Why the evidence cannot answer the question, in the question's language; None if it can.

    `unit` is what `asked_unit` found in the question; `unit_found`: some sentence holds one.
    """
    if unit is not None and not unit_found:
        return _REASONS["unit"][lang].format(unit.name[lang])
    if not period_covered(relaxed, evidence):
        assert relaxed is not None
        return _REASONS["period"][lang].format(relaxed.from_question or relaxed.describe(lang))
    missing = missing_names(question, evidence, encode)
    if missing:
        return _REASONS["names"][lang].format(_listing(missing, lang))
    return None
