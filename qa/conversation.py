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
    AMBIGUOUS_PRONOUNS,
    ARTICLES,
    DEMONSTRATIVES,
    DETERMINERS,
    FOLLOW_UP_OPENERS,
    FOLLOW_UP_OPENING,
    GROUP_POSSESSIVES,
    GROUP_PRONOUNS,
    MONTHS,
    ORGANISATION,
    PERSON,
    PERSON_PRONOUNS,
    POSSESSIVES,
    PREPOSITIONS,
    QUESTION_WORDS,
    REFERRING_PRONOUNS,
    SINGULAR_VERBS,
    TOPIC_ADVERBS,
    TOPIC_PHRASE,
    Question,
    full_years,
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
    ("En …", "And …"), or it holds a pronoun for someone named before ("hij", "she", "ze" for a
    party; not when a name of its own comes first), an adverb for what was asked about
    ("daarover", "about it"), or a bare reference to it ("dat besluit", "that decision", "Wie
    zei dat?"). The first kind is the earlier question with the new names and period put in;
    the others get the person, group and topic put in place of the pronoun and adverb, and the
    earlier period (and names, when nothing took their place) added.
    """
    text = full_years(" ".join(question.split()))
    if previous is None or not text:
        return question
    asked, before = read_question(text), read_question(previous.question)
    words = [w.lower() for w in _WORD.findall(text)]
    opens = bool(words) and (words[0] in FOLLOW_UP_OPENERS or bool(FOLLOW_UP_OPENING.match(text)))
    if (asked.names or asked.period) and _only_names_and_period(text, asked):
        return _with_new(before, asked, closest)
    rewritten = _without_opener(text) if opens else text
    names = _told_apart(before.names, " ".join(previous.answer))
    rewritten, put = _pronouns_in(rewritten, _antecedents(before, previous, names), asked.names)
    named = [n for n in names if n not in put]
    rewritten, adverbs = _topic_in(rewritten, named, asked.language)
    # A question naming its own period speaks of that with "dat jaar", "that time".
    bare = asked.period is None and _points_back(text)
    if not (opens or put or adverbs or bare):
        return question
    carried = []
    if asked.period is None and before.period is not None:
        carried.append(_with_preposition(before.period.phrase))
    if opens or adverbs == "unplaced" or bare:
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


@dataclass(frozen=True)
class _Antecedents:
    """Whom the pronouns of a follow-up can stand for: the turn before's person and group, and
    which of them was its subject, when it showed that (for "zij" and "ze": she, or they)."""

    person: str | None  # "Trump"
    group: str | None  # as the turn before wrote it: "de PVV", "the Conservatives", "D66"
    subject: str | None = None  # "person" or "group"

    def of(self, pronoun: str) -> str | None:
        """The name `pronoun` stands for (a possessive's owner too), if the turn before has one."""
        if pronoun in AMBIGUOUS_PRONOUNS:
            if self.subject == "group":
                return self.group
            return self.person if pronoun in PERSON_PRONOUNS or self.subject == "person" else None
        if pronoun in PERSON_PRONOUNS or pronoun in POSSESSIVES:
            return self.person
        if pronoun in GROUP_PRONOUNS or pronoun in GROUP_POSSESSIVES:
            return self.group
        return None


def _antecedents(before: Question, previous: Turn, names: Sequence[str]) -> _Antecedents:
    """The person: the one the turn before answered with, when it asked for one; else the first
    name it mentioned that is no group's. The group: the one it answered with, when it asked for
    one ("Welke partij …?"); else the first name it gave as a group's (_as_group)."""
    groups = {name: _as_group(name, before.text) for name in names}
    person = next((name for name in names if groups[name] is None), None)
    group = next((g for g in groups.values() if g), None)
    if before.asked in (PERSON, ORGANISATION) and previous.answer:
        for sentence in previous.answer:
            found = [m.group(0).strip() for m in before.answers_in(sentence)]
            if before.asked is ORGANISATION:
                # "D66 is de grootste partij geworden": the subject opens the sentence, where
                # answers_in does not look (a capitalised first word is no name there).
                found = [*_opening_group(sentence), *found]
            if before.asked is PERSON:  # a person, not the party a sentence names first
                found = [name for name in found if _as_group(name, sentence) is None]
            if not found:
                continue
            answered = found[0]
            if before.asked is PERSON:
                return _Antecedents(answered, group, "person")
            # News names a party with its leader ("De PVV van Geert Wilders is …"): the party.
            answered = _WITH_LEADER.sub("", answered)
            return _Antecedents(person, _as_group(answered, sentence) or answered, "group")
    return _Antecedents(person, group, "group" if names and groups[names[0]] else None)


def _opening_group(sentence: str) -> list[str]:
    """The name a sentence opens with when it is written as a group's: in capitals or with a
    digit ("D66", "CDA", "GroenLinks-PvdA"), not a capitalised opener ("Volgens", "Daarmee")."""
    first = sentence.split(maxsplit=1)[0].strip(",.:;") if sentence.strip() else ""
    if any(c.isdigit() for c in first) or any(c.isupper() for c in first[1:]):
        return [first]
    return []


_WITH_LEADER = re.compile(r"\s+van\s+[A-ZÀ-Þ][\w'’-]+(?:\s+[A-ZÀ-Þ][\w'’-]+)+$")


def _as_group(name: str, text: str) -> str | None:
    """`name` as a group's, with the article `text` gives it ("de PVV"); None when nothing in
    `text` marks it as one: an article before it, or a name in capitals ("VVD", "D66")."""
    article = re.search(rf"\b({'|'.join(ARTICLES)})\s+{re.escape(name)}(?!\w)", text, re.I)
    if article:
        return f"{article.group(1).lower()} {name}"
    return name if name.isupper() else None


def _pronouns_in(text: str, antecedents: _Antecedents, names: Sequence[str]) -> tuple[str, set[str]]:
    """The text with pronouns replaced by the names they stand for, and those names as the turn
    before has them ("PVV" for "de PVV"). A pronoun after a name or noun of the question's own
    stands for that one ("Wat zei Trump toen hij …", "Wat deed de regering toen ze …")."""
    tokens = list(_WORD.finditer(text))
    pieces, at, put = [], 0, set()
    own = min([text.find(n) for n in names if n in text] + [_first_noun_phrase(tokens)])
    for i, token in enumerate(tokens):
        if token.start() > own:
            break
        word = token.group(0).lower()
        name = antecedents.of(word)
        if name is None:
            continue
        after = tokens[i + 1].group(0).lower() if i + 1 < len(tokens) else ""
        before = tokens[i - 1].group(0).lower() if i else ""
        said = name
        if word in POSSESSIVES or word in GROUP_POSSESSIVES:
            owns = bool(after) and after not in PREPOSITIONS
            # Dutch "zijn" is mostly a verb: only after a preposition and before what it owns
            # ("voor zijn muur") is it the possessive. "haar", "hun", "her" owning nothing are objects.
            if word in AMBIGUOUS_POSSESSIVES and not (owns and before in PREPOSITIONS):
                continue
            if owns:
                said = _possessive(name, word)
        if not pieces and not text[: token.start()].strip():  # the question's first word
            said = said[:1].upper() + said[1:]
        lead = text[at : token.start()]
        verb = tokens[i - 1] if i else None
        if word in GROUP_PRONOUNS and name == antecedents.group and verb and verb.start() >= at:
            singular = SINGULAR_VERBS.get(verb.group(0).lower())
            if singular and not text[verb.end() : token.start()].strip():  # "hadden ze": inverted
                if verb.group(0)[:1].isupper():
                    singular = singular[:1].upper() + singular[1:]
                lead = text[at : verb.start()] + singular + text[verb.end() : token.start()]
        pieces += [lead, said]
        at = token.end()
        put.add(_without_article(name))
    return "".join([*pieces, text[at:]]), put


def _first_noun_phrase(tokens: Sequence[re.Match]) -> int:
    """Where the question's first noun phrase of its own starts (a determiner and a noun: "de
    krant", "many migrants"), not counting what a question word asks for ("how many seats");
    past the end if it has none."""
    for i in range(1, len(tokens) - 1):
        word, noun = tokens[i].group(0).lower(), tokens[i + 1].group(0)
        if word in DETERMINERS and _is_noun(noun) and tokens[i - 1].group(0).lower() not in QUESTION_WORDS:
            return tokens[i].start()
    return tokens[-1].end() if tokens else 0


def _without_article(name: str) -> str:
    first, _, rest = name.partition(" ")
    return rest if rest and first.lower() in ARTICLES else name


def _possessive(name: str, pronoun: str) -> str:
    """ "Trumps", "Zambada's", "Davutoglu's", "PVV's" in Dutch (a party's without its article);
    "Trump's", "the PVV's", "the Conservatives'" in English."""
    if pronoun in ("his", "her", "their"):
        return f"{name}'" if name.endswith("s") and pronoun == "their" else f"{name}'s"
    name = _without_article(name)
    if name[-1:].lower() in "sxz":
        return f"{name}'"
    return f"{name}'s" if name.isupper() or name[-1:].lower() in "aeiouy" else f"{name}s"


def _points_back(text: str) -> bool:
    """Does the question point back at what the turn before was about without naming it: a
    demonstrative with its noun ("van dat besluit", "Hoe noemde Schoof die beslissing?", "that
    decision"), or a demonstrative, "het" or "it" ending it ("Wie zei dat?", "Wanneer gebeurde
    het?")? "dat", "die" and "that" also join clauses ("Wie zei dat migranten …", "de minister
    die aftrad"): a demonstrative counts after a preposition, or with a noun that (nearly) ends
    the question and no noun of its own before it."""
    tokens = _WORD.findall(text)
    for i, token in enumerate(tokens):
        word, left = token.lower(), len(tokens) - i - 1
        if left == 0 and (word in DEMONSTRATIVES or word in REFERRING_PRONOUNS):
            return True
        if word not in DEMONSTRATIVES or left == 0 or not _is_noun(tokens[i + 1]):
            continue
        before = tokens[i - 1].lower() if i else ""
        relative = i >= 2 and tokens[i - 2].lower() in ARTICLES  # "de minister die …"
        if before in PREPOSITIONS or (left <= 2 and not relative):
            return True
    return False


def _is_noun(word: str) -> bool:
    """Could `word` be what a demonstrative points at: a lower-case word with a meaning of its own
    (a name would make the question stand alone; "de", "zij" and such are no nouns)."""
    return word.islower() and word.isalpha() and word not in STOPWORDS and word not in QUESTION_WORDS


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

    def unless_determiner(replace: Callable[[re.Match], str]) -> Callable[[re.Match], str]:
        # "about that decision" points back as a bare reference does (_points_back), not as "about it".
        def replace_pronoun(match: re.Match) -> str:
            following = _WORD.search(match.string, match.end())
            if match.group(2).lower() in DEMONSTRATIVES and following and _is_noun(following.group(0)):
                return match.group(0)
            return replace(match)

        return replace_pronoun

    adverbs = re.compile(rf"\b(?:{'|'.join(TOPIC_ADVERBS)})\b", re.I)
    text = adverbs.sub(place(lambda m: TOPIC_ADVERBS[m.group(0).lower()]), text)
    text = TOPIC_PHRASE.sub(unless_determiner(place(lambda m: m.group(1))), text)
    return text, found
