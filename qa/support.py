"""Does the answer's article speak of the names the question pins down, and the words a reader
is told when an answer is withheld.

A sentence can match a question well and still not answer it: "Hoeveel asielaanvragen ontving
Nederland?" matches sentences about asylum in the US. A name the question mentions (a person,
country, organisation) must be in the article the answer comes from: literally, as an inflection
("Trumps", "Mexicaans"), or, across languages, as a close match of the encoder ("White House"
and "Witte Huis"). Whether that and the other evidence suffice is qa/abstention.py's decision.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Sequence

import numpy as np

from qa.question import Question, adjective_names, fold, same_word
from qa.search import Passage
from qa.translations import say

# A name counts as present across languages when the encoder puts it this close to a word or
# word pair of the evidence: "United" / "Verenigde" 0.81, "White" / "Witte" 0.88, while
# "Canada" / "Amerika" is 0.63 and "Nederland" / "Amerika" 0.58 (dev set, EVAL.md).
NAME_MATCH = 0.65

# Evidence speaks of the question's period when its relevance (qa/question.py) reaches this:
# published just after the period is enough, an article about other years is not.
PERIOD_RELEVANT = 0.4

Encode = Callable[[list[str]], np.ndarray]  # texts → unit-length rows

# The archive's own country, as a question names it: a Dutch article leaves it unsaid ("De
# inflatie kwam uit op 3,8 procent"), and never writes the English forms at all.
HOME = frozenset({"nederland", "nederlands", "nederlandse", "dutch", "netherlands", "the netherlands"})


# The states and unions news names by their initials, written out for the encoder, which knows
# the names ("Verenigd Koninkrijk" / "Britse" 0.70) but not the initials ("VK" / "Britse" 0.36).
_WRITTEN_OUT = {
    "vs": "Verenigde Staten",
    "vk": "Verenigd Koninkrijk",
    "eu": "Europese Unie",
    "vn": "Verenigde Naties",
    "vae": "Verenigde Arabische Emiraten",
    "us": "United States",
    "usa": "United States",
    "uk": "United Kingdom",
    "un": "United Nations",
}

# Letters and digits: "D66" and "G7" are names too.
_WORD = re.compile(r"[^\W_]+")
_TOKEN = re.compile(r"[\w'’]+(?:-[\w'’]+)*")


def missing_names(question: Question, text: str, near: Sequence[Passage], encode: Encode | None) -> list[str]:
    """The question's names that `text` (the answer's article) does not mention in any form.

    Across languages a name may be present as a close match of the encoder to a capitalised
    word or word pair of `near` (the passages shown of that article: fewer strings to encode).
    """
    asked = question.names
    if not asked:
        return []
    tokens = _WORD.findall(text)
    words = {fold(w) for w in tokens} | _acronyms(tokens)
    initials = {fold(w) for w in tokens if w.isupper()}
    missing = []
    for name in asked:
        # "Verenigde Staten" is in "bij de grens van de VS", "Verenigde Naties" in "VN-rapport":
        # news writes a name it repeats by its initials, as _acronyms reads the other way.
        parts = name.split()
        if len(parts) > 1 and fold("".join(p[0] for p in parts)) in initials:
            continue
        # In "US Homeland Security Secretary John Kelly" the evidence has "John Kelly": only the
        # words around it are left to find.
        run: list[str] = []
        for word in [*name.split(), ""]:
            # "de Osse pomphouder" asked, "Oss" written, or the other way round.
            folded = fold(word)
            if word and not any(
                same_word(folded, w) or adjective_names(folded, w) or adjective_names(w, folded)
                for w in words
            ):
                run.append(word)
            elif run:
                missing.append(" ".join(run))
                run = []
    if not missing or encode is None or not near:
        return missing
    # Across languages: the name's closest capitalised word, or word pair starting with one, in
    # the evidence, by the encoder ("Witte Huis" for "White House"). Names are capitalised in
    # Dutch too, and this keeps the encoder call to a few dozen strings (every word and pair
    # cost ~30 ms). Word triples were tried and changed nothing on the dev sets.
    tokens = [t for t in _WORD.findall(" ".join(p.text for p in near)) if not t.isdigit()]
    candidates = sorted(
        {t for t in tokens if t[:1].isupper()}
        | {f"{a} {b}" for a, b in itertools.pairwise(tokens) if a[:1].isupper()}
    )
    if not candidates:
        return missing
    vectors = encode([_WRITTEN_OUT.get(fold(n), n) for n in missing] + candidates)
    closest = (vectors[: len(missing)] @ vectors[len(missing) :].T).max(axis=1)
    return [n for n, c in zip(missing, closest, strict=True) if c < NAME_MATCH]


def _acronyms(tokens: Sequence[str]) -> set[str]:
    """The initials of each run of two to five capitalised words ("europese unie" → "eu"), folded,
    so that a question's abbreviation finds the name written out. A run goes on over the small
    words a name holds ("Internationale Organisatie voor Migratie" is IOM, "Centraal Bureau voor
    de Statistiek" CBS), which give no initial."""
    found = set()
    run: list[str] = []
    joined: list[str] = []  # small words since the run's last capitalised word
    for token in [*tokens, ""]:
        if token[:1].isupper() and not token.isupper():
            run.append(token)
            joined = []
            continue
        if run and token in _JOINERS and len(joined) < 2:
            joined.append(token)
            continue
        for length in range(2, min(len(run), 5) + 1):
            for start in range(len(run) - length + 1):
                found.add(fold("".join(w[0] for w in run[start : start + length])))
        run, joined = [], []
    return found


# The small words inside a name written out, which its initials skip; not "en" / "and", which
# more often join two names ("Nederland en Duitsland") than stand in one.
_JOINERS = frozenset({"voor", "van", "de", "der", "den", "het", "op", "of", "for", "the"})


def _listing(items: Sequence[str], lang: str) -> str:
    if len(items) == 1:
        return items[0]
    return f"{', '.join(items[:-1])} {say('and', lang)} {items[-1]}"


def reason(
    question: Question,
    names: Sequence[str] = (),
    period_missing: bool = False,
    words: Sequence[str] = (),
    unit_missing: bool = False,
    lang: str | None = None,
) -> str:
    """Why the evidence does not answer, in `lang` (default: the question's): the most telling of
    what is missing (an amount in the unit asked for, the period, names, the question's rarest words)."""
    lang = lang or question.language
    if unit_missing and question.asked is not None:
        return say("reason_unit", lang, what=say(f"asked_{question.asked.name}", lang))
    if period_missing and question.period is not None:
        return say("reason_period", lang, phrase=question.period.phrase)
    if names:
        return say("reason_names", lang, names=_listing(names, lang))
    if words:
        return say("reason_names", lang, names=_listing([f"‘{w}’" for w in words], lang))
    return say("reason_unclear", lang)
