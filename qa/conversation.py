"""A follow-up question read against the turn before it and rewritten to stand alone ("En in 2019?").

Holds how a follow-up is recognised and rewritten; its words are qa/question.py's, answering is elsewhere.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from qa.answer import Answer
from qa.lexical import STOPWORDS
from qa.question import (
    AMBIGUOUS_POSSESSIVES,
    FOLLOW_UP_OPENERS,
    FOLLOW_UP_OPENING,
    MONTHS,
    PERSON,
    PERSON_PRONOUNS,
    POSSESSIVES,
    PREPOSITIONS,
    QUESTION_WORDS,
    TOPIC_ADVERBS,
    TOPIC_PHRASE,
    Question,
    is_nationality,
    read_question,
)


@dataclass(frozen=True)
class Turn:
    """What a follow-up can refer to: the question as it was understood, and what answered it."""

    question: str  # stands alone: an earlier follow-up already rewritten
    answer: tuple[str, ...] = ()  # the sentences it was answered with; none when it abstained

    @classmethod
    def of(cls, answer: Answer) -> Turn:
        said = () if answer.abstained else tuple(c.text for c in answer.citations)
        return cls(answer.understood or answer.question, said)

    @classmethod
    def from_dict(cls, data: dict) -> Turn:
        """From an answer's JSON (Answer.to_dict), as the web API gets it back from a client."""
        question = data.get("understood") or data.get("question")
        if not isinstance(question, str) or not question.strip():
            raise ValueError("an earlier answer in the history has no question")
        citations = [] if data.get("abstained") else data.get("citations") or []
        return cls(question, tuple(c["text"] for c in citations if isinstance(c, dict) and "text" in c))


# Which of several names a new one replaces ("En Duitsland?" after a question naming Nederland
# and the EU): the index of the most alike, by the encoder.
Closest = Callable[[str, Sequence[str]], int]

_WORD = re.compile(r"[\w'’]+(?:-[\w'’]+)*")


def resolve(question: str, previous: Turn | None, closest: Closest | None = None) -> str:
    """`question` as it stands alone: itself when it does not build on `previous`.

    A follow-up is recognised by what it lacks or points back with: it is only names and a
    period, without a question word ("En de PVV in november 2023?"), or it opens like one
    ("En …", "And …"), or it holds a pronoun for someone named before ("hij", "she"; not when
    a name of its own comes first) or an adverb for what was asked about ("daarover", "about
    it"). The first kind is the earlier question with the new names
    and period put in; the others get the person and topic put in place of the pronoun and
    adverb, and the earlier period (and names, when nothing took their place) added.
    """
    text = " ".join(question.split())
    if previous is None or not text:
        return question
    asked, before = read_question(text), read_question(previous.question)
    words = [w.lower() for w in _WORD.findall(text)]
    opens = bool(words) and (words[0] in FOLLOW_UP_OPENERS or bool(FOLLOW_UP_OPENING.match(text)))
    if (asked.names or asked.period) and _only_names_and_period(text, asked):
        return _with_new(before, asked, closest)
    rewritten = _without_opener(text) if opens else text
    names = _told_apart(before.names, " ".join(previous.answer))
    person = _antecedent(before, previous, names)
    rewritten, pointed = _person_in(rewritten, person, asked.names)
    named = [n for n in names if not (pointed and n == person)]
    rewritten, adverbs = _topic_in(rewritten, named, asked.language)
    if not (opens or pointed or adverbs):
        return question
    carried = []
    if asked.period is None and before.period is not None:
        carried.append(_with_preposition(before.period.phrase))
    if opens or adverbs == "unplaced":
        carried += [n for n in named if not _mentions(rewritten, n)]
    if carried:
        rewritten = f"{rewritten.rstrip(' ?')} ({', '.join(carried)})?"
    return rewritten


def _only_names_and_period(text: str, asked: Question) -> bool:
    """Is the question nothing but names and a period, besides words that open a follow-up and
    function words? A question word makes it a question of its own ("Wie is Keir Starmer?")."""
    rest = text
    if asked.period is not None:
        rest = rest.replace(asked.period.phrase, " ")
    for name in asked.names:
        rest = rest.replace(name, " ")
    return all(
        word.lower() not in QUESTION_WORDS
        and (word.lower() in STOPWORDS or word.lower() in FOLLOW_UP_OPENERS)
        for word in _WORD.findall(FOLLOW_UP_OPENING.sub(" ", rest))
    )


def _with_new(before: Question, asked: Question, closest: Closest | None) -> str:
    """The earlier question with the new period and names in place of its own."""
    text = before.text
    if asked.period is not None:
        if before.period is None:
            text = f"{text.rstrip(' ?')} {_with_preposition(asked.period.phrase)}?"
        elif _single(before.period.phrase) and _single(asked.period.phrase):
            # "van maart 2021" becomes "van november 2023": the earlier question's wording stays.
            text = text.replace(_date_of(before.period.phrase), _date_of(asked.period.phrase), 1)
        else:
            text = text.replace(before.period.phrase, _with_preposition(asked.period.phrase), 1)
    names = [n for n in before.names if n not in asked.names]
    for name in asked.names:
        if name in before.names:
            continue
        if not names:
            text = f"{text.rstrip(' ?')} ({name})?"
            continue
        replaced = names.pop(closest(name, names) if closest and len(names) > 1 else 0)
        text = re.sub(rf"(?<!\w){re.escape(replaced)}(?!\w)", name, text, count=1)
    return text


_DATE = re.compile(r"^(?:(?:in|van|uit|over|tijdens|during|of|het|jaar)\s+)*", re.I)
_SINGLE = re.compile(r"^(?:(?:in|van|uit|over|tijdens|during|of|het|jaar)\s+)*\S+(?:\s+\d{4})?$", re.I)


def _single(phrase: str) -> bool:
    """A phrase naming one year or month ("in 2019", "van maart 2021", "2017"), not a range."""
    return bool(_SINGLE.match(phrase))


def _date_of(phrase: str) -> str:
    return _DATE.sub("", phrase)


def _with_preposition(phrase: str) -> str:
    """A period as it can stand at the end of a question: "van 2017" (of "de verkiezingen van
    2017") or a bare "2017" becomes "in 2017"; "sinds 2020" stays."""
    first = phrase.split()[0].lower()
    if first in ("van", "of", "uit", "het", "jaar") or first[:1].isdigit() or first in MONTHS:
        return f"in {_date_of(phrase)}"
    return phrase


def _without_opener(text: str) -> str:
    """ "En waarom stapte hij op?" → "Waarom stapte hij op?": the opener only said it follows."""
    rest = FOLLOW_UP_OPENING.sub("", text).strip()
    first, _, tail = rest.partition(" ")
    if first.lower().strip(",") in FOLLOW_UP_OPENERS and tail:
        rest = tail
    return rest[:1].upper() + rest[1:]


def _told_apart(names: Sequence[str], answer: str) -> list[str]:
    """The names of a question, a run of capitalised words split into its words where the answer
    does not have the run: "Wat bood Trump Mexico aan?" names Trump and Mexico, "Wie is Keir
    Starmer?" one person."""
    found: list[str] = []
    for name in names:
        apart = " " in name and answer and not _mentions(answer, name)
        found += name.split() if apart else [name]
    # "Turkse" in "Welke Turkse premier …" is capitalised, and no one's name.
    return [n for n in dict.fromkeys(found) if " " in n or not is_nationality(n)]


def _mentions(text: str, name: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(name)}(?!\w)", text, re.I) is not None


def _antecedent(before: Question, previous: Turn, names: Sequence[str]) -> str | None:
    """Whom "hij" or "she" stands for: the person the turn before answered with, when it asked
    for one; else the first name it mentioned."""
    if before.asked is PERSON and previous.answer:
        for sentence in previous.answer:
            found = before.answers_in(sentence)
            if found:
                return found[0].group(0).strip()
    return names[0] if names else None


def _person_in(text: str, person: str | None, names: Sequence[str]) -> tuple[str, bool]:
    """The text with pronouns for `person` replaced by the name; whether there were any. A
    pronoun after a name of the question's own stands for that one ("Wat zei Trump toen hij …")."""
    if person is None:
        return text, False
    tokens = list(_WORD.finditer(text))
    pieces, at, found = [], 0, False
    first_name = min((text.find(n) for n in names if n in text), default=len(text))
    for i, token in enumerate(tokens):
        if token.start() > first_name:
            break
        word = token.group(0).lower()
        after = tokens[i + 1].group(0).lower() if i + 1 < len(tokens) else ""
        before = tokens[i - 1].group(0).lower() if i else ""
        if word in PERSON_PRONOUNS:
            name = person
        elif word in POSSESSIVES and after and after not in PREPOSITIONS:
            if word in AMBIGUOUS_POSSESSIVES and before not in PREPOSITIONS:
                continue
            name = _possessive(person, word)
        elif word in POSSESSIVES:  # "haar", "her" as an object
            name = person
        else:
            continue
        pieces += [text[at : token.start()], name]
        at, found = token.end(), True
    return "".join([*pieces, text[at:]]), found


def _possessive(name: str, pronoun: str) -> str:
    """ "Trumps", "Zambada's", "Davutoglu's" in Dutch; "Trump's" in English."""
    if pronoun in ("his", "her"):
        return f"{name}'s"
    if name[-1:].lower() in "sxz":
        return f"{name}'"
    return f"{name}'s" if name[-1:].lower() in "aeiouy" else f"{name}s"


def _topic_in(text: str, names: Sequence[str], lang: str) -> tuple[str, str]:
    """The text with "daarover", "about it" … replaced by the preposition and the `names` the
    turn before asked about; "placed", "unplaced" (no name to put there: the adverb stays and
    the question carries the earlier names) or "" (no such adverb)."""
    topic = [n for n in names if not _mentions(text, n)]
    joined = f" {'and' if lang == 'en' else 'en'} ".join(topic)
    found = ""

    def place(preposition: Callable[[re.Match], str]) -> Callable[[re.Match], str]:
        def replace(match: re.Match) -> str:
            nonlocal found
            if not topic:
                found = found or "unplaced"
                return match.group(0)
            found = "placed"
            return f"{preposition(match)} {joined}"

        return replace

    adverbs = re.compile(rf"\b(?:{'|'.join(TOPIC_ADVERBS)})\b", re.I)
    text = adverbs.sub(place(lambda m: TOPIC_ADVERBS[m.group(0).lower()]), text)
    text = TOPIC_PHRASE.sub(place(lambda m: m.group(1)), text)
    return text, found
