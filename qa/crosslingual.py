"""A question's words matched, by the encoder, to the words of the passages found: an English
question's to Dutch ones, so that BM25 and the sentence score can count them; and any question's,
to measure how much of what it asks a sentence speaks of (meaning_held).

The sentence score weighs the question's terms in a sentence and around it (qa/answer.py). An
English question's own words match no Dutch sentence ("seats" is not "zetels"), so only its
names could count, and the answer was chosen on the encoder's cosine alone: on the dev archive
English answers held the fact in 69 % of questions against 86 % for Dutch ones. The multilingual
encoder puts a word near its translation, so each English word gains the passages' word closest
to it, when they are as close as a word and its translation are (TRANSLATION_MATCH).
"""

from __future__ import annotations

import functools
import importlib.util
import re
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

from qa.lexical import STOPWORDS, terms
from qa.question import Question
from qa.support import Encode

_WORD = re.compile(r"[^\W\d_]{3,}")
# A word and the passages' word closest to it are taken as one another's translation from this
# closeness up: "seats" / "zetels" 0.80, "judge" / "rechter" 0.69 are; "remove" / "verwijten" 0.65
# is not. At NAME_MATCH (0.65) that false friend answered "How do I remove limescale from my
# kettle?"; from 0.7 to 0.8 the dev archive's English questions score the same (EVAL.md).
TRANSLATION_MATCH = 0.7

# Word vectors kept between questions: an archive's passages reuse their words, so a running
# app encodes few new ones per question. Bounded; cleared whole when full.
_CACHE_LIMIT = 50_000
_cache: dict[tuple[str, str], np.ndarray] = {}


def bridged(question: Question, texts: Sequence[str], encode: Encode, model: str) -> Question:
    """`question` with, for each of its content words, the closest word of `texts` (passages or
    candidate sentences) added to its terms and its BM25 text when the encoder (`encode`, of
    `model`) puts them at least TRANSLATION_MATCH close, and the word itself added to its terms
    when none is. A Dutch question is returned as it is: its words are the archive's."""
    if question.language != "en":
        return question
    asked = _asked_words(question)
    vocabulary = sorted({w.lower() for text in texts for w in _WORD.findall(text)} - STOPWORDS)
    if not asked or not vocabulary:
        return question
    closeness = _vectors(asked, encode, model) @ _vectors(vocabulary, encode, model).T
    best = closeness.argmax(axis=1)
    translated = {asked[i]: vocabulary[j] for i, j in enumerate(best) if closeness[i, j] >= TRANSLATION_MATCH}
    found = list(translated.values())
    # A word with no close Dutch word in the evidence is a word the evidence does not speak of,
    # as a Dutch question's word a passage lacks: it stays a term, one that matches nothing, so
    # that "How many spectators …" is not as well covered by a sentence without them as "Hoeveel
    # toeschouwers …" would be. (It does not search: BM25 takes `lexical`.)
    unmatched = [w for w in asked if w not in translated]
    # What is counted or named stands next to the answer in Dutch too: "How many seats" is
    # answered by "37 zetels" (Question.focused).
    focus = [translated[w] for w in translated if set(terms(w)) & set(question.focus)]
    return replace(
        question,
        terms=tuple(dict.fromkeys((*question.terms, *terms(" ".join([*found, *unmatched]))))),
        lexical=" ".join([question.lexical, *found]).strip(),
        focus=tuple(dict.fromkeys((*question.focus, *terms(" ".join(focus))))),
    )


def meaning_held(
    question: Question,
    sentences: Sequence[str],
    encode: Encode,
    model: str,
    together: Sequence[Sequence[int]],
) -> tuple[list[float], list[float]]:
    """How much of what the question asks each sentence speaks of, by meaning, and the same for
    each group of sentences in `together` (a sentence with its neighbours): each content word of
    the question (not its names nor function words) finds the closest word under the encoder, and
    the closeness is averaged. An inflection, a synonym or a translation counts
    ("vertegenwoordigen" / "vertegenwoordigd", "seats" / "zetels"), which term overlap misses; a
    sentence about something else finds nothing close to the word the question turns on."""
    asked = _asked_words(question)
    said = [sorted({w.lower() for w in _WORD.findall(text)} - _function_words()) for text in sentences]
    vocabulary = sorted({w for words in said for w in words})
    if not asked or not vocabulary:
        return [0.0] * len(sentences), [0.0] * len(together)
    closeness = _vectors(asked, encode, model) @ _vectors(vocabulary, encode, model).T
    column = {w: j for j, w in enumerate(vocabulary)}
    # Each sentence's closest word to each asked word; a group's is the best of its sentences'.
    best = np.array(
        [closeness[:, [column[w] for w in words]].max(axis=1) if words else np.full(len(asked), -np.inf)
         for words in said]
    )  # fmt: skip

    def held(rows: np.ndarray) -> float:
        return float(rows.mean()) if np.isfinite(rows).all() else 0.0

    return [held(row) for row in best], [held(best[list(group)].max(axis=0)) for group in together]


def _asked_words(question: Question) -> list[str]:
    """The question's content words, lower case, each once: not its names nor function words."""
    name_words = {w.lower() for name in question.names for w in name.split()}
    words = dict.fromkeys(w.lower() for w in _WORD.findall(question.text))
    return [w for w in words if w not in _function_words() and w not in name_words]


@functools.cache
def _function_words() -> frozenset[str]:
    """English function words and our stop words. A question's "from", "how", "my" have close Dutch
    words too ("vanaf", "hoe", "mijn"), which would count as its terms; BM25's English stop words
    are 33. scikit-learn's list (installed with sentence-transformers) has 318: it is read from its
    module's file, since importing scikit-learn takes 0.7 s that a question should not wait for."""
    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        return STOPWORDS
    path = Path(next(iter(spec.submodule_search_locations)), "feature_extraction", "_stop_words.py")
    words = importlib.util.spec_from_file_location("_english_stop_words", path)
    if words is None or words.loader is None:
        return STOPWORDS
    module = importlib.util.module_from_spec(words)
    words.loader.exec_module(module)
    return frozenset(module.ENGLISH_STOP_WORDS) | _AUXILIARIES | STOPWORDS


# Auxiliaries scikit-learn's list lacks: "did" of "Where did Verstappen …" is 0.82 close to
# "maakte" and would count as a term.
_AUXILIARIES = frozenset("does did doing having shall".split())


def _vectors(words: list[str], encode: Encode, model: str) -> np.ndarray:
    """Unit-length rows for `words`, from the cache where it holds them. Read into a local dict
    first: the app answers in several threads, and another may clear the cache meanwhile."""
    found = {w: _cache.get((model, w)) for w in words}
    new = [w for w, vector in found.items() if vector is None]
    if new:
        if len(_cache) + len(new) > _CACHE_LIMIT:
            _cache.clear()
        for word, vector in zip(new, encode(new), strict=True):
            found[word] = _cache[model, word] = vector
    return np.stack([found[w] for w in words])
