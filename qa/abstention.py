"""Does the evidence found answer the question? A few measured features of the best answer,
weighed by a logistic rule fitted on the dev archive, and the reason to give when it does not.

Holds the decision; the checks it measures are qa/support.py's, the sentence scores qa/answer.py's.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from qa.answer import COMPOUND_PART, Sentence
from qa.answer import FEATURES as SENTENCE_FEATURES
from qa.lexical import terms
from qa.question import THING, Question, place_matcher
from qa.search import Passage
from qa.support import HOME, PERIOD_RELEVANT, Encode, missing_names, reason

# What the rule weighs, each measured on the best answer sentence and the article it is from.
FEATURES = (
    "score",  # the best sentence's score (qa/answer.py)
    "cosine",  # its similarity to the question
    "context",  # idf-weighted share of the question's terms in it and its neighbours
    "names_missing",  # share of a Dutch question's names the article does not mention in any form
    "period_missing",  # the question names a period the answer's sentences do not speak of
    "english",  # an English question: only its names and numbers can match Dutch text
    "margin",  # how far the best sentence scores above the best of any other article
    "top_dense",  # the cosine of the best passage found by the encoder: is anything close at all
)
MODEL_FILE = Path(__file__).with_name("abstention.json")
_NAMES_MISSING = FEATURES.index("names_missing")
_NAMES_HALF = 0.5  # the share of a question's names whose absence stops an answer
FEATURE_INDEX = {name: i for i, name in enumerate(SENTENCE_FEATURES)}


@dataclass(frozen=True)
class Evidence:
    """What was measured of the best answer; `values` in FEATURES' order."""

    values: tuple[float, ...]
    missing_names: tuple[str, ...] = ()
    missing_terms: tuple[str, ...] = ()  # question words the answer's article lacks, rarest first
    period_missing: bool = False


@dataclass(frozen=True)
class AbstentionRule:
    """P(answerable) = logistic(bias + Σ weight · (value − mean) / scale); answer at `threshold`."""

    weights: tuple[float, ...]
    bias: float
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    threshold: float

    def probability(self, evidence: Evidence) -> float:
        z = self.bias + sum(
            w * (v - m) / s
            for w, v, m, s in zip(self.weights, evidence.values, self.mean, self.scale, strict=True)
        )
        return 1.0 / (1.0 + math.exp(-z))

    def answers(self, evidence: Evidence) -> bool:
        """Likely enough, and from an article that names more than half of the question's names:
        one naming none of them is about something else ("Hoeveel bedrijven in Overijssel …?"
        answered with Gelderland's figure), however much of the rest it shares, and so is one
        that lacks one name of two ("Hoeveel zetels haalde de SP bij de Tweede
        Kamerverkiezingen van 2023?" answered with other parties' seats). Over the seventeen sets
        the half abstains on six more unanswerable questions than none did, withholds one wrong
        answer and no right one (EVAL.md): the fitted rule alone weighs one missing name too
        lightly to abstain."""
        return self.probability(evidence) >= self.threshold and evidence.values[_NAMES_MISSING] < _NAMES_HALF

    def to_dict(self) -> dict:
        return {
            "features": list(FEATURES),
            "weights": list(self.weights),
            "bias": self.bias,
            "mean": list(self.mean),
            "scale": list(self.scale),
            "threshold": self.threshold,
        }

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> AbstentionRule:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data["features"] != list(FEATURES):
            raise ValueError(f"{path} was fitted on features {data['features']}, not {list(FEATURES)}")
        return cls(
            tuple(data["weights"]), data["bias"], tuple(data["mean"]), tuple(data["scale"]), data["threshold"]
        )


def measure(
    question: Question,
    chosen: Sequence[Sentence],
    candidates: Sequence[Sentence],
    passages: Sequence[Passage],
    article_text: str,
    idf: Callable[[str], float],
    encode: Encode | None,
) -> Evidence:
    """The features of the answer (`chosen`), judged against the whole article of its best
    sentence (`article_text`), the other `candidates` and the `passages` shown."""
    best = max(chosen, key=lambda s: s.score)
    article = best.passage.article.id
    own = [p for p in passages if p.article.id == article]
    held = set(terms(article_text))
    # The question's words the article lacks, rarest first, for the reason given. Numbers and
    # years are the period's and the answer's business, not the topic's, and so are the words that
    # name the period ("eind", "oktober", "vanaf") and those that ask ("hoe lang", "wat kostte"):
    # a reason naming them tells the reader nothing.
    # A name the article holds in some form ("Den Haag" for "The Hague", by the encoder) is no
    # missing word either.
    absent = missing_names(question, article_text, own, encode)
    named = set(terms(" ".join(question.names))) - set(terms(" ".join(absent)))
    unsaid = _HOME_TERMS | _asking_terms(question) | named
    place = place_matcher(question.names)
    held_places = set().union(*(place(w) for w in held))  # "Gelderland" covers "Gelderse"
    missing_terms = sorted(
        (
            t
            for t in set(question.terms)
            if not t[:1].isdigit()
            and t not in unsaid
            and t not in held_places
            and not covered(t, held)
            # "Wat bood Trump aan?" is about the "aanbod" the article names.
            and not (question.particle and covered(question.particle + t, held))
        ),
        key=lambda t: -idf(t),
    )
    english = question.language == "en"
    # A Dutch article leaves its own country unsaid ("De inflatie kwam uit op 3,8 procent"): that
    # it never names Nederland, or "Nederlandse", or "Dutch" in an English question, says nothing
    # of whether it answers. (A Dutch question's sentence score still counts it: a passage that
    # names it is the likelier one; EVAL.md.)
    missing = [n for n in absent if n.casefold() not in HOME]
    names = weighed_names(question, missing, idf)
    names_missing = len(names) / len(question.names) if question.names else 0.0
    # The sentences that answer, not merely their article, must speak of the asked period: the
    # 2021 figures in an article that also forecasts 2022 do not answer for 2022.
    period_missing = question.period is not None and not any(
        s.features[FEATURE_INDEX["period"]] >= PERIOD_RELEVANT for s in chosen
    )
    values = (
        best.score,
        best.features[FEATURE_INDEX["cosine"]],
        best.features[FEATURE_INDEX["context"]],
        names_missing,
        float(period_missing),
        float(english),
        best.score - max((c.score for c in candidates if c.passage.article.id != article), default=0.0),
        max((p.dense_score or 0.0 for p in passages), default=0.0),
    )
    words = tuple(dict.fromkeys(w for t in missing_terms for w in _words_of(question, [t])))
    return Evidence(values, tuple(names), words, period_missing)


def weighed_names(question: Question, missing: Sequence[str], idf: Callable[[str], float]) -> list[str]:
    """The names the answer's article lacks that count against it. An English question's name
    counts only where the archive writes it in some article: "Supreme Court" or "Channel", which
    a Dutch archive writes "Hoge Raad" and "Kanaal", tell nothing of whether this article answers
    (counting them withheld more right English answers than it stopped wrong ones, EVAL.md), while
    "Utrecht" or "DigiD", written elsewhere in the archive and absent here, do."""
    if question.language != "en":
        return list(missing)
    never = idf("")  # no chunk holds the empty term: the idf of a word the archive never writes
    return [name for name in missing if all(idf(t) < never for t in terms(name))]


def covered(term: str, held: set[str]) -> bool:
    """Is a question's term in the article: as such, inflected ("haald" / "haalt"), or as part of
    a compound ("formatie" of "kabinetsformatie", "kaart" of "toegangskaart")?"""
    if term in held:
        return True
    for word in held:
        # An inflection differs in its last few letters only ("haald" / "haalt"): stricter than
        # names' same_word, so that "werk" does not cover "werkloosheid".
        if len(os.path.commonprefix([term, word])) >= max(4, max(len(term), len(word)) - 3):  # noqa: RUF071
            return True
        if len(word) >= COMPOUND_PART and term.endswith(word):
            return True
        if len(term) >= COMPOUND_PART and word.endswith(term):
            return True
    return False


_HOME_TERMS = frozenset(terms(" ".join(HOME)))


def _asking_terms(question: Question) -> set[str]:
    """The terms of the question's periods and of the words that say what it asks."""
    phrases = [p.phrase for p in (*question.periods, question.period) if p is not None]
    asked = question.asked
    # Its first and last word: "Hoeveel heeft de aanleg … gekost?" asks by "hoeveel … gekost", and
    # "aanleg" between them is the topic. Not the noun of "Welk schilderij …?" or "Welke
    # coördinator …?": the thing or person asked for is what the evidence may lack.
    if (
        asked is not None
        and not asked.named
        and asked is not THING
        and (asking := asked.asked.search(question.text))
    ):
        words = asking.group(0).split()
        phrases += [words[0], words[-1]]
    return set(terms(" ".join(phrases)))


# The most question words a reason names: the rarest are the telling ones.
_WORDS_NAMED = 3


# How common a word of everyday language is that names no topic, on wordfreq's Zipf scale: 5 is a
# word met once in 100,000. "ging", "tijdens", "liet", "reden", "manier" lie above it; "boeren",
# "monument", "rijdt", "hield" below. An archive's own idf cannot tell them apart while it holds
# a few dozen articles: "hield" is as rare in one as "waaruit" or "aanklager".
_EVERYDAY = 5.0


def _everyday(word: str, language: str) -> bool:
    """Is `word` one of everyday language? "De gevonden passages noemen ‘ging’ en ‘tijdens’ niet"
    tells a reader nothing of why there is no answer."""
    # Imported here, where a reason is given: its import and word list cost 0.2 s that a question
    # answered need not pay (`qa ask` starts that much faster).
    from wordfreq import zipf_frequency

    return zipf_frequency(word.lower(), language) >= _EVERYDAY


def _words_of(question: Question, stems: Sequence[str]) -> tuple[str, ...]:
    """The question's own words behind these stems, for a reader."""
    found = []
    for word in question.text.replace("?", " ").split():
        stem = terms(word)
        if stem and stem[0] in stems and word not in found:
            found.append(word.strip(",.;:'\"“”"))
    return tuple(found)


def why_not(question: Question, evidence: Evidence, lang: str | None = None) -> str:
    """The reader's reason the evidence does not answer, the most telling first, in `lang`
    (default: the question's): of the words the evidence lacks, the rarest few that are not words
    of everyday language, in the question's order."""
    words = [w for w in evidence.missing_terms if not _everyday(w, question.language)][:_WORDS_NAMED]
    words.sort(key=question.text.find)
    return reason(question, evidence.missing_names, evidence.period_missing, words, lang=lang)


_RULE: AbstentionRule | None = None


def rule() -> AbstentionRule:
    """The fitted rule shipped with the package (qa/abstention.json)."""
    global _RULE
    if _RULE is None:
        _RULE = AbstentionRule.load()
    return _RULE
