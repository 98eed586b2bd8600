"""Passages → Answer: the sentences that answer the question, each cited as [n], or an abstention.

Holds answer building and citations; retrieval is qa/search.py's, LLM calls are qa/llm.py's.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from itertools import pairwise

import numpy as np

from qa.chunking import sentence_spans
from qa.filters import Filters
from qa.lexical import terms
from qa.question import Period, Question, asks_ahead, expects, place_matcher, years_spoken_of
from qa.search import Passage
from qa.support import HOME, missing_names
from qa.translations import LANGUAGES, say

NO_ANSWER = {lang: say("no_answer", lang) for lang in LANGUAGES}


@dataclass(frozen=True)
class AnswerSettings:
    """How answer sentences are scored and kept. The weights are fitted on the dev archive by
    `python eval/fit.py` (EVAL.md has the command and its cross-validation folds)."""

    max_sentences: int = 3
    # A further sentence of the best one's article joins the answer when it scores within this
    # of the best one and adds to it (it holds what is asked for too, or is the best one's
    # neighbour).
    keep_within: float = 5.0
    # A sentence's score: these weights times its features (Sentence.features, in FEATURES' order).
    cosine_weight: float = 1.915  # similarity to the question under the encoder
    overlap_weight: float = 3.612  # idf-weighted share of the question's terms in the sentence
    context_weight: float = 3.776  # the same share in the sentence and its neighbours
    beside_weight: float = 0.198  # the same share in a neighbour alone: the answer follows its setting
    typed_weight: float = 2.956  # it holds the kind of thing asked for (qa/question.py's table)
    focused_weight: float = 1.056  # that answer stands next to what the question counts or names
    novel_weight: float = 0.687  # share of its terms that hold none of the question's: it says more
    heading_weight: float = -2.633  # it is a heading (no closing punctuation): a topic, not a statement
    period_weight: float = 3.892  # it speaks of the period the question names
    names_weight: float = 3.572  # share of the question's names its passage mentions
    rank_weight: float = 2.642  # 1 / the rank of its passage
    meaning_weight: float = 1.835  # how much of what the question asks it speaks of, by meaning
    meaning_context_weight: float = 3.358  # the same in the sentence and its neighbours
    sure_weight: float = 2.418  # it surely holds the person or place asked (a full name; "in" before a place)

    @property
    def weights(self) -> np.ndarray:
        return np.array([getattr(self, f"{name}_weight") for name in FEATURES])


# What a candidate sentence is scored on; AnswerSettings holds a weight for each.
FEATURES = (
    "cosine",
    "overlap",
    "context",
    "beside",
    "typed",
    "focused",
    "novel",
    "heading",
    "period",
    "names",
    "rank",
    "meaning",
    "meaning_context",
    "sure",
)


@dataclass(frozen=True)
class Citation:
    number: int  # the n of [n]: the rank of the passage it points at
    article_id: str
    start: int  # the sentence is the article's text[start:end], verbatim
    end: int
    text: str
    verified: bool = True  # False: an LLM cited a passage that does not hold the claim's key terms
    # The sentence that scored best: answers keep reading order, so it is not always the first.
    best: bool = False

    def to_dict(self) -> dict:
        return {
            "number": self.number,
            "passage": self.number,
            "article_id": self.article_id,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "verified": self.verified,
            "best": self.best,
        }


@dataclass(frozen=True)
class Answer:
    question: str
    text: str  # with [n] markers that point at passages by rank
    passages: list[Passage]
    citations: list[Citation]
    filters: Filters
    abstained: bool
    language: str  # "nl" or "en": the question's
    source: str = "extractive"  # or "llm"
    notes: tuple[str, ...] = ()
    period: Period | None = None  # the period the question names; it ranked the passages
    evidence: float = 0.0  # how likely the evidence answers the question (qa/abstention.py)
    # The question as it was read when it built on an earlier turn ("En in 2019?" → the earlier
    # question for 2019; qa/conversation.py); None when it stood alone.
    understood: str | None = None

    def to_dict(self) -> dict:
        return {
            "question": self.question,
            "understood": self.understood,
            "answer": {"text": self.text, "source": self.source, "notes": list(self.notes)},
            "abstained": self.abstained,
            "language": self.language,
            "filters": {
                **self.filters.to_dict(),
                "applied": self.filters.active,
                "description": self.filters.describe(self.language),
            },
            "period": self.period.to_dict() if self.period else None,
            "citations": [c.to_dict() for c in self.citations],
            "highlights": [
                {"passage": p.rank, "start": s, "end": e} for p in self.passages for s, e in p.highlights
            ],
            "passages": [{**p.to_dict(), "weak": self.abstained} for p in self.passages],
        }


@dataclass(frozen=True)
class Sentence:
    passage: Passage
    start: int  # offsets into the article text
    end: int
    text: str
    # For a sentence inside a quotation: the words around the quote that say who speaks
    # (`, zei minister John Kelly donderdag.`), which news puts in only one sentence of it.
    speaker: str = ""
    features: tuple[float, ...] = ()  # in FEATURES' order
    score: float = 0.0  # the features weighed: how likely it answers the question
    typed: bool = False  # it holds the kind of thing the question asks for


def candidate_sentences(passages: list[Passage]) -> list[Sentence]:
    """Every sentence of every passage, with its exact offsets in the article."""
    found = []
    for passage in passages:
        # Spans stored at build time; re-splitting is only for passages made without them.
        spans = passage.sentences or tuple(
            (passage.start + s, passage.start + e) for s, e in sentence_spans(passage.text)
        )
        texts = [passage.text[start - passage.start : end - passage.start] for start, end in spans]
        gaps = [passage.text[a[1] - passage.start : b[0] - passage.start] for a, b in pairwise(spans)]
        for (start, end), text, speaker in zip(spans, texts, speakers(texts, gaps), strict=True):
            # A question the article asks ("Waarom Ommen?", a subhead or a rhetorical one)
            # answers nothing; a quoted one is someone's words and may.
            if text.rstrip().endswith("?"):
                continue
            found.append(Sentence(passage, start, end, text, speaker=speaker))
    return found


_OPEN_QUOTES = "“„"
_CLOSE_QUOTES = "”"
_QUOTES = '"' + _OPEN_QUOTES + _CLOSE_QUOTES
# Outside a quotation, this many words make a clause that can name the speaker ("verklaarde
# ze"); fewer ("Maar:") only lead into the quote, and such a sentence takes its run's speaker.
_SPEAKER_WORDS = 2
# The speaker clause ends where its adjuncts begin: `zei minister John Kelly | donderdag na een
# gesprek in Mexico-Stad` — the place and time of speaking are not the speaker.
_ADJUNCT = frozenset(
    "na in tijdens op bij tegen over met voor aan tot tegenover vandaag gisteren eerder "
    "maandag dinsdag woensdag donderdag vrijdag zaterdag zondag after at during on to with before "
    "about yesterday today earlier monday tuesday wednesday thursday friday saturday sunday".split()
)


def _speaker_clause(outside: str) -> str:
    words = outside.split()
    for i, word in enumerate(words[1:], 1):
        if word.lower() in _ADJUNCT:
            return " ".join(words[:i])
    return outside


def speakers(texts: list[str], gaps: list[str]) -> list[str]:
    """For each sentence that lies inside a quotation, the clause that says who speaks.

    `gaps` is the text between consecutive sentences. A run of quoted sentences in one
    paragraph shares the attribution one of them carries: in `"A", zei Kelly. "B".` and in
    `"A", zei Kelly. "B. C".`, B and C are Kelly's words too, though his name is not in them.
    """
    outside: list[str] = []
    quoted: list[bool] = []
    inside = False
    for i, text in enumerate(texts):
        if i and "\n\n" in gaps[i - 1]:
            inside = False  # a paragraph ends any quotation left open
        parts: list[str] = []
        touched = inside
        for char in text:
            if char in _QUOTES:
                touched = True
                inside = char in _OPEN_QUOTES or (char == '"' and not inside)
                parts.append(" ")
            elif not inside:
                parts.append(char)
        outside.append("".join(parts).strip())
        quoted.append(touched)
    found = [""] * len(texts)
    run: list[int] = []
    for i in range(len(texts) + 1):
        if i < len(texts) and quoted[i] and (not run or "\n\n" not in gaps[i - 1]):
            run.append(i)
            continue
        said = [_speaker_clause(outside[j]) for j in run if len(outside[j].split()) >= _SPEAKER_WORDS]
        for j in run:
            if len(outside[j].split()) < _SPEAKER_WORDS and said:
                found[j] = said[0]
        run = [i] if i < len(texts) and quoted[i] else []
    return found


def score_sentences(
    question: Question,
    sentences: list[Sentence],
    question_vector: np.ndarray,
    sentence_vectors: np.ndarray,
    idf: Callable[[str], float],
    settings: AnswerSettings,
    meaning: Sequence[float] = (),
    meaning_context: Sequence[float] = (),
) -> list[Sentence]:
    """Each sentence's features (FEATURES) and their weighed sum, its score. `meaning`: how much of
    what the question asks each sentence speaks of, by the encoder's words (qa/crosslingual.py's
    meaning_held); `meaning_context`: the same of the sentence with its neighbours in its passage;
    none given counts as 0."""
    question_terms = set(question.terms)
    weights = {t: idf(t) for t in question_terms}
    total = sum(weights.values()) or 1.0

    def share(held: set[str]) -> float:
        return sum(weights[t] for t in held) / total

    dense = sentence_vectors @ question_vector.reshape(-1)
    words = [set(terms(s.text)).union(terms(s.speaker)) for s in sentences]
    # Each word's question terms, once per word: sentences share their words.
    match = term_matcher(question_terms, question.names, _WORD.findall(question.text.lower()))
    holds = {w: match(w) for w in set().union(*words)}
    held = [set().union(*(holds[w] for w in ws)) for ws in words]
    named: dict[int, float] = {}
    # Dutch text never writes "Dutch" or "Netherlands": in an English question they rank no
    # passage above another, and would only lower every score.
    names = tuple(n for n in question.names if question.language == "nl" or n.casefold() not in HOME)
    ranked_by = replace(question, names=names)
    for s in sentences:
        if s.passage.rank not in named:
            missing = missing_names(ranked_by, s.passage.text, (), None)
            named[s.passage.rank] = 1 - len(missing) / len(names) if names else 1.0
    asks_expected = asks_ahead(question.text)  # "Hoeveel zetels verwacht de VVD?": a forecast answers
    scored = []
    for i, (sentence, cosine) in enumerate(zip(sentences, dense, strict=True)):
        neighbours = [
            held[j]
            for j in (i - 1, i + 1)
            if 0 <= j < len(sentences) and sentences[j].passage is sentence.passage
        ]
        answers = question.answers_in(sentence.text)
        typed = bool(answers)
        novel = sum(not holds[w] for w in words[i]) / len(words[i]) if words[i] else 0.0
        features = (
            float(cosine),
            share(held[i]),
            share(held[i].union(*neighbours)),
            max((share(n) for n in neighbours), default=0.0),
            float(typed),
            float(question.focused(sentence.text, answers)),
            novel,
            float(_is_heading(sentence.text)),
            _period_feature(question.period, question.years, sentence, asks_expected),
            named[sentence.passage.rank],
            1.0 / sentence.passage.rank,
            meaning[i] if meaning else 0.0,
            meaning_context[i] if meaning_context else 0.0,
            float(question.surely(sentence.text, answers, sentence.passage.text)),
        )
        score = float(np.dot(settings.weights, features))
        scored.append(replace(sentence, features=features, score=score, typed=typed))
    return scored


def term_matcher(
    question_terms: set[str], names: Sequence[str] = (), words: Sequence[str] = ()
) -> Callable[[str], set[str]]:
    """For a sentence's word, the question's terms it holds: as such, as another form of the verb
    ("leidt" / "geleid", verb_base), as a part of a compound, its head ("fractie" in
    "BBB-fractie", "zetels" in "Statenzetels") or its first part ("strafschop" in
    "strafschopstip"), as a compound of two of the question's words (compound_of), or as the place
    one of the question's `names` is the adjective of, or the other way round ("Gelderland" for
    "Gelderse", place_matcher). A compound the question names is not held by its head alone
    ("vrijhandelsverdrag" by "verdrag"): tried, that answered three more near misses and held no
    answer more (EVAL.md). `words`: the question's words as written, lower case."""
    bases: dict[str, set[str]] = {}
    for term in question_terms:
        bases.setdefault(verb_base(term), set()).add(term)
    parts = [t for t in question_terms if len(t) >= COMPOUND_PART]
    place = place_matcher(names)
    compound = compound_of(question_terms, words)

    def held(word: str) -> set[str]:
        found = set(bases.get(verb_base(word), ()))
        if word in question_terms:
            found.add(word)
        found.update(t for t in parts if t != word and (word.endswith(t) or word.startswith(t)))
        found.update(place(word) & question_terms)
        found.update(compound(word))
        return found

    return held


def compound_of(question_terms: set[str], words: Sequence[str]) -> Callable[[str], set[str]]:
    """For a (stemmed) word, the two question terms it joins as a Dutch compound: a question
    writes "koeien voor de melk" or "prijzen van huizen" where news writes "melkkoeien" and
    "huizenprijzen". The head is the question's term as stemmed ("koei", "prijs"); the part before
    it, less a linking -s-, -e- or -en-, is one of its terms or of its words as written ("huizen",
    which stems to "huis"). Both parts must be there: a head alone is too weak a sign for a short
    one (COMPOUND_PART)."""
    written = {w: set(terms(w)) for w in words if len(w) >= _COMPOUND_MODIFIER}
    modifiers = {t: {t} for t in question_terms if len(t) >= _COMPOUND_MODIFIER} | written
    heads = [t for t in question_terms if len(t) >= _COMPOUND_MODIFIER]

    def held(word: str) -> set[str]:
        found: set[str] = set()
        for head in heads:
            if len(word) <= len(head) + _COMPOUND_MODIFIER or not word.endswith(head):
                continue
            before = word[: -len(head)].rstrip("-")
            for modifier in (before, *(before[: -len(link)] for link in _LINKS if before.endswith(link))):
                if modifier in modifiers:
                    found.add(head)
                    found.update(modifiers[modifier] & question_terms)
        return found

    return held


# The shortest part of a compound of two question words: "melk" of "melkkoeien".
_COMPOUND_MODIFIER = 3
# What Dutch puts between a compound's parts: "huizen|prijzen" holds none, "arbeid|s|markt" an -s-.
_LINKS = ("s", "en", "e")
_WORD = re.compile(r"[^\W\d_]+")


def verb_base(term: str) -> str:
    """A stem without the -t or -d a Dutch verb form ends in, which the stemmer keeps: "leidt"
    (Wie leidt de fractie?) and "geleid" (De fractie wordt geleid door …) are both "leid",
    "betaald" is "betaal". Nouns that lose a letter too ("land", "staat") stay apart from their
    own kind, and only words of one question are matched so."""
    return term[:-1] if len(term) >= _VERB_BASE and term[-1] in "td" else term


# The shortest stem that may lose its -t or -d: "leidt" yes, "wet" (law) not "we".
_VERB_BASE = 5
# The shortest word that counts as a part of a compound: "fractie" yes, "raad" (council) not in
# "voorraad" (stock).
COMPOUND_PART = 5


# How a statement ends; a heading or a title ends without any of these.
_CLOSING = tuple(".!?:;\"”’')…")


def _is_heading(text: str) -> bool:
    return not text.rstrip().endswith(_CLOSING)


def _period_feature(
    period: Period | None, question_years: frozenset[int], sentence: Sentence, asks_expected: bool = False
) -> float:
    """How surely a sentence speaks of the question's period: 1 when it names a year of it (not
    one it forecasts or plans, unless the question asks what is expected or planned), else as
    surely as its article does (the years of its lead, its publication date)."""
    if period is None:
        return 0.0
    published = sentence.passage.article.date
    years = years_spoken_of(sentence.text, published)
    if published and published[:4].isdigit() and not asks_expected:
        # A year after the article's own is a forecast or a plan ("Rabobank rekent voor 2022 op
        # …" in 2021, "volgend jaar organiseert Nederland het Songfestival"): not what happened;
        # nor is its own year where the sentence says it is expected ("rekent voor 2022 op …" in
        # January 2022). A question asking what is planned ("wil … rond 2030") is answered by both.
        last = int(published[:4]) - (1 if expects(sentence.text) else 0)
        years = frozenset(y for y in years if y <= last)
    # A year the question names elsewhere counts too: "the decision of March 2018 … by 2022".
    if any(period.holds_year(y) or y in question_years for y in years):
        return 1.0
    # Another year it names does not sink it below its article: "de laatste weken van 2023" in
    # the January 2024 report on an export ban is the ban's background, not another story.
    return sentence.passage.article_relevance or 0.0


def choose(
    scored: list[Sentence], settings: AnswerSettings, asks_reason: bool = False, open_ended: bool = False
) -> list[Sentence]:
    """The best sentence, and up to `max_sentences - 1` more of the same article that score
    nearly as well and add to it, in reading order: each holds the kind of thing asked too, or
    is the best one's neighbour. A question that asks no kind (`open_ended`: "Wat zat er in de
    ballonnen?") is answered by what any of them says.

    A sentence of another article never joins: it would be evidence for another answer. For a
    reason asked (`asks_reason`), a best sentence that points back to its reason ("Salvini vindt
    daarom …") brings the sentence before it, which gives that reason.
    """
    if not scored:
        return []
    ranked = sorted(scored, key=lambda s: -s.score)
    best = ranked[0]
    chosen = [best]
    if asks_reason and _POINTS_BACK.search(best.text):
        before = [s for s in ranked if s.start < best.start and _neighbours(s, best)]
        chosen.extend(before[:1])
    for sentence in ranked[1:]:
        if len(chosen) == settings.max_sentences or sentence.score < best.score - settings.keep_within:
            break
        if sentence.passage.article.id != best.passage.article.id:
            continue
        if any(_same_sentence(sentence, c) for c in chosen):
            continue
        # A heading ("Brexit", a subhead) adds nothing beside the answer: it joins only as the best.
        if _is_heading(sentence.text):
            continue
        if sentence.typed or open_ended or _neighbours(sentence, best):
            chosen.append(sentence)
    return sorted(chosen, key=lambda s: (s.passage.rank, s.start))


# A sentence whose reason is the one before it: "Het schip vaart onder Nederlandse vlag. Salvini
# vindt daarom dat Nederland de migranten moet opnemen."
_POINTS_BACK = re.compile(
    r"\b(?:daarom|daardoor|hierdoor|hierom|om die reden|therefore|that is why|this is why|for that reason)\b",
    re.I,
)


def _same_sentence(a: Sentence, b: Sentence) -> bool:
    return (a.passage.article.id == b.passage.article.id and a.start == b.start) or a.text == b.text


def _neighbours(a: Sentence, b: Sentence) -> bool:
    """Next to each other in the article: only white space between them."""
    first, second = sorted((a, b), key=lambda s: s.start)
    return first.passage.article.id == second.passage.article.id and 0 <= second.start - first.end <= 2


def compose(
    question: Question,
    chosen: list[Sentence],
    passages: list[Passage],
    filters: Filters,
    confidence: float,
    withheld: str | None = None,
    lang: str | None = None,
) -> Answer:
    """The extractive answer: each chosen sentence verbatim, followed by its [n].

    `withheld` is why the evidence cannot answer the question (qa/abstention.py): the answer
    then abstains and says why in its notes. `confidence`: the probability it answers. `lang`:
    the language of the no-answer line (default: the question's).
    """
    if not passages or not chosen or withheld:
        return Answer(
            question.text,
            say("no_answer", lang or question.language),
            passages,
            [],
            filters,
            True,
            question.language,
            notes=(withheld,) if withheld else (),
            period=question.period,
            evidence=confidence,
        )
    best = max(chosen, key=lambda s: s.score)
    citations = [
        Citation(s.passage.rank, s.passage.article.id, s.start, s.end, s.text, best=s is best) for s in chosen
    ]
    text = " ".join(f"{c.text} [{c.number}]" for c in citations)
    return Answer(
        question.text,
        text,
        highlight(passages, citations),
        citations,
        filters,
        False,
        question.language,
        period=question.period,
        evidence=confidence,
    )


def highlight(passages: list[Passage], citations: list[Citation]) -> list[Passage]:
    """Mark each cited sentence inside its passage (offsets relative to the passage text)."""
    spans: dict[int, list[tuple[int, int]]] = {}
    for c in citations:
        passage = passages[c.number - 1]
        if passage.start <= c.start and c.end <= passage.end:
            spans.setdefault(c.number, []).append((c.start - passage.start, c.end - passage.start))
    return [replace(p, highlights=tuple(sorted(set(spans.get(p.rank, []))))) for p in passages]


def pages_note(passage: Passage) -> str:
    """ "p. 3" for a passage of a PDF's third page, "p. 3–4" for one that runs on; "" for other articles."""
    pages = passage.pages
    if pages is None:
        return ""
    first, last = pages
    return f"p. {first}" if first == last else f"p. {first}–{last}"


def period_note(period: Period, lang: str) -> str:
    """What was done with a period the question names: it ranked the passages, it filtered nothing."""
    return say("period_note", lang, period=period.describe(lang), phrase=period.phrase)
