"""Passages → Answer: the sentences that answer the question, each cited as [n], or an abstention.

Holds answer building and citations; retrieval is qa/search.py's, LLM calls are qa/llm.py's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from itertools import pairwise

import numpy as np

from qa.chunking import sentence_spans
from qa.filters import Filters
from qa.lexical import terms
from qa.question import Period, Question
from qa.search import Passage

NO_ANSWER = {
    "nl": "Ik heb hierover niets gevonden in de artikelen.",
    "en": "I found nothing about this in the articles.",
}


@dataclass(frozen=True)
class AnswerSettings:
    """Weights chosen on eval/dev.tsv (see EVAL.md for the command and the search)."""

    max_sentences: int = 3
    # A further sentence joins the answer when it scores within this of the best one.
    keep_within: float = 0.3
    # When no sentence matches the question's content better than this, the passages are shown
    # as weak and the answer says nothing was found. Chosen on the dev set: the lowest value
    # that never withholds a found answer; it catches off-topic questions, not near misses.
    abstain_below: float = 0.08
    dense_weight: float = 0.3
    lexical_weight: float = 0.6  # idf-weighted share of the question's terms in the sentence
    passage_weight: float = 0.05
    # The sentence holds the kind of thing asked for: a number, a date, a reason, a named source.
    type_weight: float = 0.2


@dataclass(frozen=True)
class Citation:
    number: int  # the n of [n]: the rank of the passage it points at
    article_id: str
    start: int  # the sentence is the article's text[start:end], verbatim
    end: int
    text: str
    verified: bool = True  # False: an LLM cited a passage that does not hold the claim's key terms

    def to_dict(self) -> dict:
        return {
            "number": self.number,
            "passage": self.number,
            "article_id": self.article_id,
            "start": self.start,
            "end": self.end,
            "text": self.text,
            "verified": self.verified,
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
    evidence: float = 0.0  # the score abstention was decided on
    extras: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {
            "question": self.question,
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
    score: float = 0.0  # for ranking: content match plus priors (passage rank, answer type)
    match: float = 0.0  # content match alone: how well it speaks to the question
    # For a sentence inside a quotation: the words around the quote that say who speaks
    # (`, zei minister John Kelly donderdag.`), which news puts in only one sentence of it.
    speaker: str = ""
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
) -> list[Sentence]:
    """Similarity to the question, weight of its rare terms present, passage rank, and whether
    it holds the kind of thing asked for (qa/question.py's table)."""
    question_terms = set(question.terms)
    weights = {t: idf(t) for t in question_terms}
    total = sum(weights.values()) or 1.0
    dense = sentence_vectors @ question_vector.reshape(-1)
    scored = []
    for sentence, cosine in zip(sentences, dense, strict=True):
        words = set(terms(sentence.text)).union(terms(sentence.speaker))
        overlap = sum(weights[t] for t in question_terms.intersection(words)) / total
        typed = bool(question.answers_in(sentence.text))
        match = settings.dense_weight * float(cosine) + settings.lexical_weight * overlap
        score = match + settings.passage_weight / sentence.passage.rank + settings.type_weight * typed
        scored.append(replace(sentence, score=score, match=match, typed=typed))
    return scored


def choose(scored: list[Sentence], settings: AnswerSettings) -> list[Sentence]:
    """The best sentence and those nearly as good, in reading order, without repeats."""
    if not scored:
        return []
    ranked = sorted(scored, key=lambda s: -s.score)
    best = ranked[0].score
    chosen: list[Sentence] = []
    for sentence in ranked:
        if len(chosen) == settings.max_sentences or sentence.score < best - settings.keep_within:
            break
        if any(_same_sentence(sentence, c) for c in chosen):
            continue
        chosen.append(sentence)
    return sorted(chosen, key=lambda s: (s.passage.rank, s.start))


def _same_sentence(a: Sentence, b: Sentence) -> bool:
    return (a.passage.article.id == b.passage.article.id and a.start == b.start) or a.text == b.text


def compose(
    question: Question,
    chosen: list[Sentence],
    passages: list[Passage],
    filters: Filters,
    evidence: float,
    settings: AnswerSettings,
    withheld: str | None = None,
) -> Answer:
    """The extractive answer: each chosen sentence verbatim, followed by its [n].

    `withheld` is why the evidence cannot answer the question (qa/support.py): the answer then
    abstains and says why in its notes.
    """
    lang = question.language
    notes = (withheld,) if withheld else ()
    if not passages or not chosen or evidence < settings.abstain_below or withheld:
        return Answer(
            question.text,
            NO_ANSWER[lang],
            passages,
            [],
            filters,
            True,
            lang,
            notes=notes,
            period=question.period,
            evidence=evidence,
        )
    citations = [Citation(s.passage.rank, s.passage.article.id, s.start, s.end, s.text) for s in chosen]
    text = " ".join(f"{c.text} [{c.number}]" for c in citations)
    return Answer(
        question.text,
        text,
        highlight(passages, citations),
        citations,
        filters,
        False,
        lang,
        notes=notes,
        period=question.period,
        evidence=evidence,
    )


def highlight(passages: list[Passage], citations: list[Citation]) -> list[Passage]:
    """Mark each cited sentence inside its passage (offsets relative to the passage text)."""
    spans: dict[int, list[tuple[int, int]]] = {}
    for c in citations:
        passage = passages[c.number - 1]
        if passage.start <= c.start and c.end <= passage.end:
            spans.setdefault(c.number, []).append((c.start - passage.start, c.end - passage.start))
    return [replace(p, highlights=tuple(sorted(set(spans.get(p.rank, []))))) for p in passages]


def period_note(period: Period, lang: str) -> str:
    """What was done with a period the question names: it ranked the passages, it filtered nothing."""
    if lang == "en":
        return (
            f"The question names a period ({period.describe(lang)}, “{period.phrase}”): passages about it "
            "and articles from then or just after rank first; other dates were searched too."
        )
    return (
        f"De vraag noemt een periode ({period.describe(lang)}, “{period.phrase}”): passages daarover en "
        "artikelen van toen of kort daarna staan voorop; andere datums zijn ook doorzocht."
    )
