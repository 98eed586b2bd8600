"""A question read once: its language, the period it names, what it asks for, its names and terms.

Holds what we know about Dutch and English question words; how passages are ranked and answers
chosen from these readings is qa/search.py's and qa/answer.py's.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from qa.dates import MONTHS, WEEKDAYS
from qa.lexical import STOPWORDS, terms
from qa.translations import say

# --- language ------------------------------------------------------------------------------

_ENGLISH = frozenset(
    "the what who when where which why how did does do is are was were of in to and whom whose "
    "many much".split()
)
_DUTCH = frozenset("de het een wat wie wanneer waar welke waarom hoe is zijn was van in op en dat".split())


def language(text: str) -> str:
    """ "nl" or "en": which of the two languages' function words the text holds more of."""
    words = re.findall(r"[a-zà-ÿ]+", text.lower())
    english = sum(w in _ENGLISH for w in words) - sum(w in _DUTCH for w in words)
    return "en" if english > 0 else "nl"


# --- dates ---------------------------------------------------------------------------------

_MONTH = "|".join(sorted(MONTHS, key=len, reverse=True))
YEAR = r"(?:19|20)\d{2}"
# A year written short: "november '23", "in ’15", "the '08 crisis"; not a decade ("jaren '80",
# "the '80s") nor a quoted number ("'23'").
_SHORT_YEAR = re.compile(r"(?<![\w'’‘])(?<!jaren )['’‘](\d{2})(?![\w'’])", re.I)


def full_years(text: str) -> str:
    """`text` with its short years written out ("maart '21" -> "maart 2021"): a short year up to
    five years ahead of this one is this century's, any other the last's."""
    pivot = (dt.date.today().year + 5) % 100

    def written_out(match: re.Match) -> str:
        short = int(match.group(1))
        return str((2000 if short <= pivot else 1900) + short)

    return _SHORT_YEAR.sub(written_out, text)


@dataclass(frozen=True)
class Period:
    """The time a question asks about: ISO dates at their precision, both ends inclusive; one end
    may be open ("sinds 2020")."""

    since: str | None
    until: str | None
    phrase: str  # the words of the question it was read from

    def first_year(self) -> int | None:
        return int(self.since[:4]) if self.since else None

    def last_year(self) -> int | None:
        return int(self.until[:4]) if self.until else None

    def holds_year(self, year: int) -> bool:
        first, last = self.first_year(), self.last_year()
        return (first is None or year >= first) and (last is None or year <= last)

    def holds_date(self, date: str | None) -> bool:
        """Is a publication date inside the period? Compared at the coarser precision of the two."""
        if not date:
            return False
        return (not self.since or last_day(date) >= first_day(self.since)) and (
            not self.until or first_day(date) <= last_day(self.until)
        )

    def just_after(self, date: str | None) -> bool:
        """Is a publication date just after the period, when reports on it appear ("vorig jaar",
        annual figures in January; a month's events in the months after)?"""
        horizon = self.reported_until()
        if not date or horizon is None or self.until is None or self.holds_date(date):
            return False
        return first_day(date) > last_day(self.until) and first_day(date) <= last_day(horizon)

    def reported_until(self) -> str | None:
        """The month until which what is published still reports on the period (None for an open
        end): the articles published in the period or just after it are those dated from `since`
        to this, at the coarser precision, as a date filter compares."""
        if not self.until:
            return None
        # A year's figures are reported in the first months of the next ("vorig jaar"); a month's
        # or a day's events within half a year.
        months = _REPORTED_WITHIN[len(self.until) == 4]
        return _shift(f"{self.until}-12" if len(self.until) == 4 else self.until[:7], months)

    def relevance(self, text: str, published: str | None, lead_years: frozenset[int] = frozenset()) -> float:
        """How surely `text` (of an article published then, whose lead speaks of `lead_years`)
        is about this period: 1 when it names a year of it (or "vorig jaar" resolves to one),
        less when only its article's lead does, or only the publication date suggests it; 0 when
        it reports on the year before (reports_before), or nothing ties it to the period."""
        if any(self.holds_year(y) for y in years_spoken_of(text, published)):
            return 1.0
        if any(self.holds_year(y) for y in lead_years):
            return LEAD_RELEVANCE
        if self.reports_before(published, lead_years):
            return 0.0
        if self.holds_date(published):
            return PUBLISHED_RELEVANCE
        if self.just_after(published):
            return AFTER_RELEVANCE
        return 0.0

    def reports_before(self, published: str | None, lead_years: frozenset[int]) -> bool:
        """Is it a report on earlier years, published just after the period or early in a year
        asked about? The 2020 figures published in January 2021 are not about 2021, though their
        date lies in it; an article of November 2023 whose lead recalls 2021 is about 2023."""
        if not published or not lead_years or not self.since or max(lead_years) >= int(self.since[:4]):
            return False
        if self.just_after(published):
            return True
        if len(self.since) != 4 or not self.holds_date(published):
            return False
        return first_day(published) <= last_day(_shift(f"{self.since}-01", _REPORTED_WITHIN[True] - 1))

    def describe(self, lang: str = "en") -> str:
        if self.since and self.until:
            return self.since if self.since == self.until else f"{self.since} – {self.until}"
        if self.since:
            return f"{say('from', lang)} {self.since}"
        return f"{say('until_date', lang)} {self.until}"

    def to_dict(self) -> dict:
        return {"since": self.since, "until": self.until, "phrase": self.phrase}


# Months after a period (a year, or a month or day) in which what is published still reports on it.
_REPORTED_WITHIN = {True: 3, False: 6}
# How surely a passage is about the asked period when not the passage itself but its article's
# lead names the period, or only its publication date lies in it or just after it.
LEAD_RELEVANCE = 0.8
PUBLISHED_RELEVANCE = 0.6
AFTER_RELEVANCE = 0.4

# Years news names relative to its publication date: "vorig jaar" in January 2022 is 2021.
# The financial year too ("over het afgelopen boekjaar" in May 2022 is 2021), and the seasons of
# this year ("Deze zomer opent Symbolica" in January 2017 is summer 2017; not "deze winter", which
# spans two years, nor "deze maand", too loose a tie to the year to count as speaking of it);
# "sinds januari" is this year's count so far, "het komende begrotingsjaar" the next.
_RELATIVE_YEARS = {
    "minus1": r"\b(?:vorig|afgelopen|verleden) (?:boek)?jaar\b|\b(?:last|past) (?:fiscal |financial )?year\b",
    "this": r"\bdit (?:hele )?(?:boek)?jaar\b|\bthis year\b|"
    r"\b(?:deze|dit) (?:zomer|lente|voorjaar|herfst|najaar)\b|\bthis (?:summer|spring|autumn|fall)\b|"
    r"\bsinds (?:begin )?januari\b|\bsinds de jaarwisseling\b|\bsince (?:early )?january\b",
    "plus1": r"\bvolgend jaar\b|\bnext year\b|"
    r"\bkomende? (?:boek|begrotings)?jaar\b|\bcoming (?:fiscal )?year\b",
    "minus2": r"\b(?:twee jaar geleden|voorvorig jaar)\b|\btwo years ago\b",
}
_OFFSET = {"minus1": -1, "this": 0, "plus1": 1, "minus2": -2}
_YEAR_MENTION = re.compile(rf"(?<![\d.,])({YEAR})(?![\d.,]\d)")
# One pass finds them all: this runs for every candidate passage of a question with a period.
_YEAR_PHRASE = re.compile(
    rf"(?<![\d.,])(?P<year>{YEAR})(?![\d.,]\d)|"
    + "|".join(f"(?P<{k}>{p})" for k, p in _RELATIVE_YEARS.items()),
    re.I,
)


# A year compared with is a reference point, not what the text reports on: "33 zetels, acht
# minder dan in 2012" is the 2017 result; "een verdubbeling ten opzichte van 2021" a 2023 one.
# Not "sinds 2015": what holds since then may well be the news.
_COMPARED = re.compile(
    r"\b(?:dan|than|(?:zoveel|evenveel|net) als|as (?:much|many) as|ten opzichte van|t\.o\.v\."
    r"|vergeleken met|in vergelijking met|compared (?:with|to)|relative to)\s+"
    r"(?:(?:in|het jaar|the year|eind|begin|medio|end of|early|mid-?)\s+"
    # "dan het vorige record uit 2017", "than the peak of 2015"
    r"|(?:het|de|the)\s+(?:[^\W\d]+\s+){0,2}(?:uit|van|of|from|in)\s+)?$",
    re.I,
)


# What is expected, forecast or planned, not what happened: "rekent voor 2022 op", "verwacht dat",
# "naar verwachting", "zal … stijgen", "is expected to".
_EXPECTATION = re.compile(
    r"\b(?:verwacht\w*|rekent\w* (?:\w+ ){0,3}op|voorspel\w*|raming\w*|raamt|prognose\w*|zal|zullen|"
    r"expect\w*|forecast\w*|predict\w*|will)\b",
    re.I,
)


def expects(text: str) -> bool:
    """Does the text speak of what is expected or planned rather than of what happened?"""
    return bool(_EXPECTATION.search(text))


# What someone intends or must do by a date: "Wat voor fabriek wil Tata Steel rond 2030 bouwen?",
# "How much fuel must KLM blend in by 2030?". In the present tense only: "wilde" is what was wanted.
_INTENDED = re.compile(
    r"\b(?:wil|wilt|willen|moet|moeten|(?:wants?|plans?|aims?|intends?) to|must|"
    rf"(?:by|tegen|uiterlijk|before) (?:(?:eind|end of|the end of) )?{YEAR})\b",
    re.I,
)


def asks_ahead(question: str) -> bool:
    """Does a question ask what is expected or planned, so that a forecast or a plan answers it,
    whatever year it is for?"""
    return expects(question) or bool(_INTENDED.search(question))


# A number that looks like a year but counts: "meer dan 2000 mensen", "maximaal 2000", "2000 euro".
_COUNTED_BEFORE = re.compile(
    r"\b(?:meer|minder|more|fewer|less) (?:dan|than)\s*$|\b(?:ruim|bijna|zo'n|ongeveer|circa|maximaal|"
    r"minimaal|hooguit|maximum van|minimum van|nearly|almost|about|around|up to)\s*$",
    re.I,
)
_COUNTED_AFTER = re.compile(
    r"\s+(?:mensen|personen|asielzoekers|migranten|vluchtelingen|leerlingen|studenten|werknemers|banen|"
    r"woningen|euro|dollar|pond|procent|kilo|kilometer|meter|stuks|people|persons|migrants|refugees|jobs|"
    r"homes|euros|dollars|percent)\b",
    re.I,
)


def _counts(text: str, start: int, end: int) -> bool:
    """Is the year-like number at text[start:end] an amount rather than a year?"""
    return bool(_COUNTED_BEFORE.search(text, max(0, start - 20), start) or _COUNTED_AFTER.match(text, end))


def years_spoken_of(text: str, published: str | None) -> frozenset[int]:
    """The years a text names, and those its relative phrases mean given its publication date;
    not those it compares with, nor numbers that count ("meer dan 2000 mensen")."""
    base = int(published[:4]) if published and published[:4].isdigit() else None
    years = set()
    for match in _YEAR_PHRASE.finditer(text):
        if _COMPARED.search(text, max(0, match.start() - 30), match.start()):
            continue
        if match.lastgroup == "year":
            if not _counts(text, match.start(), match.end()):
                years.add(int(match.group("year")))
        elif base is not None:
            years.add(base + _OFFSET[match.lastgroup])
    return frozenset(years)


def first_day(date: str) -> str:
    """The first day an ISO date of any precision covers."""
    return (date + "-01-01")[:10]


def last_day(date: str) -> str:
    """The last day an ISO date of any precision covers (the 31st of any month will do for comparing)."""
    return (date + "-12-31")[:10] if len(date) == 4 else (date + "-31")[:10]


def _period_re(n: int) -> str:
    # A year, not the tail of a number ("1.2019").
    # English puts the day between the month and the year ("May 5, 2020").
    day = r"(?:\d{1,2}(?:st|nd|rd|th)?,?\s+)?"
    return rf"(?:(?P<m{n}>{_MONTH})\s+{day})?(?<!\d[.,])(?P<y{n}>{YEAR})(?![.,]?\d)"


# Parts of a year, as the months they span: "begin 2020" is not about what the 2019 figures,
# published in January 2020, report; "het najaar van 2022" not about the spring. Each pattern is
# followed by the year.
_PART_OF_YEAR = {
    r"begin|early|(?:the\s+)?(?:beginning|start)\s+of": ("01", "03"),
    r"(?:de\s+|het\s+)?(?:winter|wintermaanden)\s+van|(?:the\s+)?winter\s+of": ("01", "03"),
    r"(?:het\s+|de\s+)?(?:voorjaar|lente)\s+van|(?:the\s+)?spring\s+of|spring": ("03", "05"),
    r"medio|halverwege|midden|mid-|mid|(?:the\s+)?middle\s+of": ("05", "08"),
    r"(?:de\s+)?zomer\s+van|(?:the\s+)?summer\s+of|summer": ("06", "08"),
    r"(?:het\s+|de\s+)?(?:najaar|herfst)\s+van|(?:the\s+)?(?:autumn|fall)\s+of|autumn": ("09", "11"),
    r"eind|einde|late|(?:the\s+)?end\s+of": ("10", "12"),
}


# The first rule that matches wins; a bare year ("begrotingsjaar 2019", "the 2023 election") is
# the event's year too.
_PERIOD_RULES = [
    # A winter spans the turn of the year: "de winter van 2017 op 2018", "winter 2017-2018", "the
    # winter of 2017/18" run from December to March (a winter of one year is its first months).
    ("winter", re.compile(
        rf"\b(?:de\s+|the\s+)?winter\s+(?:van\s+|of\s+)?(?P<y1>{YEAR})\s*"
        rf"(?:op|[-–/]|to|and|en)\s*(?P<y2>{YEAR}|\d{{2}})\b", re.I)),
    ("between", re.compile(
        rf"\b(?:tussen|between)\s+{_period_re(1)}\s+(?:en|and)\s+{_period_re(2)}\b", re.I)),
    # "in 2019-2020", "het seizoen 2022/2023", "maart 2019 – april 2020"
    ("between", re.compile(rf"\b{_period_re(1)}\s*[-–/]\s*{_period_re(2)}\b", re.I)),
    # "van 2015 tot 2018", "van 2015 tot en met 2018", "from 2015 to 2018"
    ("between", re.compile(
        rf"\b(?:van|vanaf|from)\s+{_period_re(1)}\s+(?:tot(?:\s+en\s+met)?|t/m|to|until|till|through)\s+"
        rf"{_period_re(2)}\b", re.I)),
    ("since", re.compile(rf"\b(?:sinds|sedert|vanaf|since|from)\s+{_period_re(1)}\b", re.I)),
    ("after", re.compile(rf"\b(?:na|after)\s+{_period_re(1)}\b", re.I)),
    ("before", re.compile(rf"(?:\bvóór|\bbefore|\buntil|\btot)\s+{_period_re(1)}\b", re.I)),
    ("part", re.compile(rf"\b(?P<part>{'|'.join(_PART_OF_YEAR)})\s*(?P<y1>{YEAR})\b", re.I)),
    ("in", re.compile(rf"\b(?:in|during|tijdens|uit|of|van|over)\s+(?:(?:het\s+)?jaar\s+)?"
                      rf"{_period_re(1)}\b", re.I)),
    ("in", re.compile(rf"\b{_period_re(1)}\b", re.I)),
]  # fmt: skip


def _month_period(match: re.Match, n: int) -> str:
    year = match.group(f"y{n}")
    month = match.group(f"m{n}")
    return f"{year}-{MONTHS[month.lower()]:02d}" if month else year


def _shift(period: str, months: int) -> str:
    """The period just before (-1) or after (+1) `period`, at its precision."""
    if len(period) == 4:
        return str(int(period) + months)
    year, month = int(period[:4]), int(period[5:7]) + months
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return f"{year}-{month:02d}"


# Years or months named apart, to compare: "in 2015 en 2023", "in 2015 en in 2023", "in 2017,
# 2019 and 2021", "in maart 2021 of november 2023", "in 2017 en hoeveel in 2021". Not a range
# ("tussen 2015 en 2023", "2019-2020").
_SEVERAL = re.compile(
    rf"\b(?:in|van|uit|over|during|of)\s+{_period_re(1)}((?:\s*,\s*(?:in\s+)?{_period_re(2)})*"
    rf"\s+(?:en|and|of|or)\s+(?:(?:hoeveel|hoe\s+\w+|wat|wie|waar|how\s+\w+|what|who|where)\s+)?"
    rf"(?:(?:in|van|uit|over|during)\s+)?{_period_re(3)})",
    re.I,
)
_ONE = re.compile(_period_re(1), re.I)


def read_periods(text: str) -> tuple[Period, ...]:
    """The periods a question names apart, to compare ("in 2015 en 2023": 2015, then 2023), or
    () when it names at most one (a range is one: "tussen 2015 en 2023")."""
    return tuple(period for period, _ in _apart(text))


def asked_apart(text: str) -> list[str]:
    """The question asked for each period it names apart, as if alone: "Hoeveel … in 2015 en
    2023?" -> ["Hoeveel … in 2015?", "Hoeveel … in 2023?"]; [] when it names at most one."""
    return [alone for _, alone in _apart(text)]


def _apart(text: str) -> list[tuple[Period, str]]:
    match = _SEVERAL.search(text)
    if match is None or re.search(r"\b(?:tussen|between)\s*$", text[: match.start()]):
        return []
    preposition = match.group(0).split()[0]
    found: list[tuple[Period, str]] = []
    for one in _ONE.finditer(match.group(0)):
        start = _month_period(one, 1)
        named = " ".join(one.group(0).split())
        period = Period(start, start, f"{preposition} {named}")
        if all(period != p for p, _ in found):
            found.append((period, f"{text[: match.start()]}{preposition} {named}{text[match.end() :]}"))
    return found if len(found) > 1 else []


def read_period(text: str) -> Period | None:
    """The period a question names ("in 2017", "sinds 2020", "in april 2019", "tussen 2017 en
    2019", "begrotingsjaar 2019"), or None."""
    for kind, pattern in _PERIOD_RULES:
        years = (m for m in pattern.finditer(text) if not _counts(text, m.start("y1"), m.end("y1")))
        match = next(years, None)
        if not match:
            continue
        phrase = " ".join(match.group(0).split())
        if kind == "part":
            first, last = next(
                months for part, months in _PART_OF_YEAR.items() if re.fullmatch(part, match["part"], re.I)
            )
            return Period(f"{match['y1']}-{first}", f"{match['y1']}-{last}", phrase)
        if kind == "winter":
            first = int(match["y1"])
            if int(match["y2"][-2:]) == (first + 1) % 100:
                return Period(f"{first}-12", f"{first + 1}-03", phrase)
            continue  # "winter 2015-2018" is no one winter: the other rules read it
        start = _month_period(match, 1)
        if kind == "between":
            return Period(start, _month_period(match, 2), phrase)
        if kind == "since":
            return Period(start, None, phrase)
        if kind == "after":
            return Period(_shift(start, 1), None, phrase)
        if kind == "before":
            return Period(None, _shift(start, -1), phrase)
        return Period(start, start, phrase)
    return None


# --- what is asked, and what answers it ----------------------------------------------------

# Numbers as news writes them in words ("tweehonderd", "acht jaar", "two million").
_NUMBER_WORDS = (
    r"(?:een|één|twee|drie|vier|vijf|zes|zeven|acht|negen|tien|elf|twaalf|dertien|veertien|vijftien|"
    r"twintig|dertig|veertig|vijftig|zestig|zeventig|tachtig|negentig|honderd|duizend|miljoen|miljard|"
    r"half|anderhalf|one|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|thirty|fifty|"
    r"hundred|thousand|million|billion)\w*"
)
_AMOUNT = rf"(?:\d[\d.,]*|{_NUMBER_WORDS})"
# A number in words standing alone, as a count: "negen", "tweeëntwintig", "honderden", "tientallen".
# Not "een"/"one" (an article far more often than a count) nor "half", and whole words only:
# "achter" and "tiener" hold no number.
_NUMBER_BASE = (
    r"(?:één|twee|drie|vier|vijf|zes|zeven|acht|negen|tien|elf|twaalf|dertien|veertien|vijftien|zestien|"
    r"zeventien|achttien|negentien|twintig|dertig|veertig|vijftig|zestig|zeventig|tachtig|negentig|honderd|"
    r"duizend|miljoen|miljard)"
)
_COUNT_WORDS = (
    rf"(?:een(?=ën|en)|{_NUMBER_BASE})(?:ën|en|{_NUMBER_BASE})*(?:tallen)?|"
    r"(?:two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fifteen|twenty|thirty|forty|"
    r"fifty|sixty|seventy|eighty|ninety|hundred|thousand|million|billion)s?(?:-\w+)?"
)
_ORDINALS = (
    r"(?:eerste|tweede|derde|vierde|vijfde|zesde|zevende|achtste|negende|tiende|elfde|twaalfde|"
    r"\d{1,3}(?:ste|de|e)|first|second|third|fourth|fifth|sixth|seventh|eighth|ninth|tenth|\d{1,3}(?:st|nd|rd|th))"
)
_TIME_UNITS = (
    r"(?:jaar|jaren|maand|maanden|week|weken|dag|dagen|uur|uren|minuten|minuut|seconden|eeuw|"
    r"years?|months?|weeks?|days?|hours?|minutes?|seconds?|decades?|centur(?:y|ies))"
)
_LENGTH_UNITS = (
    r"(?:kilometers?|km|meters?|mijlen|mijl|miles?|centimeters?|cm|millimeters?|mm|zeemijlen|zeemijl|"
    r"nautical miles?|lichtjaren|lichtjaar|light[- ]years?)"
)


@dataclass(frozen=True)
class Asked:
    """A kind of thing a question asks for, and how a sentence that answers it looks.

    `held` finds candidate answers in a sentence; one the question itself already contains is
    not an answer ("Hoeveel … in 2019?" is not answered by the 2019 it names). `required`: a
    sentence without it cannot answer at all (an amount of money needs a currency), else it is
    only preferred.
    """

    name: str  # a note names it by the translation `asked_<name>` (qa/translations.py)
    asked: re.Pattern
    held: re.Pattern
    required: bool = False
    named: bool = False  # what `held` finds are names: one the question holds is no answer
    # What `held` finds marks an answer ("omdat", "aanleiding", "meldt"), it is not the answer
    # itself: "Wat was de aanleiding …?" is answered by "Aanleiding is het rapport …".
    marks: bool = False


# "Welke", "which" or "what" before the noun it asks about: not "what did the judge decide?", which
# asks what was decided, not which judge.
_WHICH = (
    r"\b(?:welke?|which|what(?!\s+(?:is|was|are|were|did|does|do|has|have|had|will|would|can|could|"
    r"should)\b))\s+"
)


# The words between "welke"/"which" and the noun asked about: adjectives and numbers ("welke
# Nederlandse minister", "welk ander land", "welke twee landen", "which opposition politician"),
# not the noun and verb of another question ("Welke rol speelde minister De Jonge?" asks no
# person). In Dutch up to two inflected or capitalised words or numbers, or after a neuter "welk"
# one word of any form; in English any word but an auxiliary verb.
_BEFORE_NOUN = (
    r"(?:(?<=\bwhich\s)|(?<=\bwhat\s))"
    r"(?:(?!(?:did|does|do|was|were|is|are|has|have|had|will|would|can|could|should|must|may|might)\b)"
    r"[\w-]+\s+){0,2}?|"
    r"(?<=\bwelk\s)[\w-]+\s+|"
    r"(?:(?!(?:de|het|een|die|dat)\s)"
    rf"(?:(?-i:[A-Z][\w-]*)|[a-zà-ÿ-]*(?:e|en)|\d[\d.,]*|{_NUMBER_BASE})\s+){{0,2}}?"
)

# The lower-case start of a compound whose head is the noun asked about ("havenstad",
# "milieuorganisatie"): not a name ("Welke tegenstander versloeg Nederland?" asks no "land").
_COMPOUND_HEAD = r"(?-i:[a-zà-ÿ]*)"


def _words(pattern: str) -> re.Pattern:
    return re.compile(pattern, re.I)


_PERSON_NOUNS = (
    r"(?:minister|premier|president|presidente|kanselier|koning|koningin|staatssecretaris|"
    r"burgemeester|gouverneur|wethouder|senator|politicus|partijleider|fractievoorzitter|lijsttrekker|"
    r"leider|topman|topvrouw|directeur|voorzitter|woordvoerder|journalist|correspondent|verslaggever|"
    r"schrijver|zanger|zangeres|artiest|coureur|speler|speelster|trainer|bondscoach|coach|rechter|"
    r"advocaat|deskundige|onderzoeker|wetenschapper|bewindsvrouw|bewindsman|bewindspersoon|"
    r"bewindspersonen|persoon|man|vrouw|aanklager|officier van justitie|hoogleraar|professor|docent|"
    r"leraar|lerares|arts|chirurg|apotheker|astronoom|astronome|bioloog|ondernemer|eigenaar|eigenares|"
    r"(?<!toezicht)houder|uitbater|bestuurder|agent|rechercheur|"  # a "toezichthouder" is an organisation
    r"verzorgende|econoom|commissaris|ambassadeur|kandidaat|winnaar|scorer|doelpuntenmaker|"
    r"verdachte|slachtoffer|dader|schilder|kunstenaar|acteur|actrice|burger|militair|generaal|officier|"
    r"commandant|soldaat|renner|renster|wielrenner|wielrenster|schaatser|schaatsster|atleet|atlete|sporter|"
    r"zwemmer|zwemster|voetballer|voetbalster|loper|loopster|nederlander|landgenoot|landgenote|kapitein|"
    r"prime minister|politician|candidate|ambassador|commissioner|researcher|scientist|expert|writer|"
    r"author|captain|governor|mayor|secretary|chancellor|king|queen|leader|journalist|economist|"
    r"reporter|singer|driver|player|coach|judge|spokesman|spokeswoman|director|chairman|winner|"
    r"suspect|witness|victim|painter|artist|actor|actress|banker|general|commander|officer|soldier|"
    r"rider|cyclist|skater|athlete|swimmer|footballer|runner|dutchman|dutchwoman|prosecutor|professor|"
    r"teacher|doctor|surgeon|pharmacist|astronomer|biologist|entrepreneur|owner|"
    r"person|man|woman)"
)
# The plural of a noun above ("welke landen", "which ministers"); the irregular ones are listed
# with the nouns.
_PLURAL = r"(?:s|n|en|nen|'s|es)?"
# "Waar ging het akkoord over?", "Waar stemde de Kamer mee in?": "waar" with a preposition at the
# question's end asks what about, not where ("Waar werd de top over migratie gehouden?" is where).
_SPLIT_PREPOSITION = r"(?:over|mee|voor|aan|op|door|om|tegen|tussen)"
# A bare "groep" / "group of" names a kind of people ("welke groep migranten"), a compound an
# organisation ("actiegroep", "rebel group").
_ORGANISATION_NOUNS = (
    r"(?:organisatie|instantie|instelling|dienst|partij|bedrijf|fabrikant|bank|krant|dagblad|omroep|"
    r"zender|persbureau|medium|nieuwssite|ministerie|rechtbank|club|ploeg|team|band|\wgroep|agentschap|"
    r"bureau|instituut|autoriteit|inspectie|commissie|vakbond|fonds|laboratori(?:um|a)|universiteit|"
    r"ziekenhuis|vereniging|bond|federatie|stichting|toezichthouder|waakhond|beheerder|koepel|"
    r"organi[sz]ation|agency|party|company|newspaper|paper|broadcaster|outlet|news agency|ministry|court|"
    r"club|band|group(?!\s+of\b)|institute|service|bureau|authority|inspectorate|commission|union|fund|firm|"
    r"laborator(?:y|ies)|lab|university|hospital|association|federation|foundation|watchdog|regulator|"
    r"bedrijven|parties|companies|agencies|authorities)"
)
# Amounts of money a question counts: "hoeveel dwangsom", "hoeveel staatssteun", "hoeveel leefgeld".
_MONEY_NOUNS = (
    r"(?:dwangsom|boete|subsidie|\w*steun|schadevergoeding|compensatie|\w*geld|loon|salaris|huur|premie|"
    r"belasting|\w*winst|omzet|schade|kosten|uitkering|vergoeding|bijdrage)"
)
# What is measured in numbers: a question asking "wat was de …" of one asks for a number.
_MEASURE_NOUNS = (
    r"(?:temperatuur|rente|koers|prijs|snelheid|hoogte|stand|peil|inflatie|groei|werkloosheid|"
    r"omzet|winst|schade|kosten|opkomst|score|uitslag|percentage|bedrag|aantal|gewicht|lengte|graad|quote|"
    r"diepte|omvang|tarief|premie|salaris|loon|neerslag|windsnelheid|uitstoot)"
)
_MEASURE_NOUNS_EN = (
    r"(?:\w*temperature|interest rate|rate|price|speed|height|level|inflation|growth|unemployment|"
    r"turnover|revenue|profit|damage|cost|turnout|score|result|final score|percentage|amount|number|weight|"
    r"length|depth|size|tariff|premium|salary|wage|rainfall|emissions|ratio|share)"
)
_PLACE_NOUNS = (
    r"(?:stad|plaats|dorp|land|provincie|gemeente|regio|eiland|gebied|deelstaat|staat|"
    r"grensovergang|haven|legerbasis|basis|opvangcentrum|kamp|gevangenis|circuit|stadion|rivier|"
    r"riviertje|zee|meer|berg|straat|wijk|ziekenhuis|gebouw|grand prix|grote prijs|"
    r"vliegveld|terrein|complex|plein|park|"
    r"city|town|village|country|province|region|island|state|port|base|camp|centre|center|prison|"
    r"circuit|stadium|venue|river|sea|lake|street|hospital|building|grand prix|"
    r"airport|airfield|square|"
    r"steden|staten|cities|countries)"
)
# A name: a capitalised word that is not the sentence's first, or a run of them; one the
# question already holds is filtered out later.
# The lower-case words inside a name: "Hugo de Jonge", "Tom van der Lee", "Grote Prijs van Las Vegas".
_NAME_PARTICLES = ("van", "de", "der", "den", "von", "al", "bin", "du", "la", "le", "ten", "ter", "te", "'t")
_NAME = re.compile(
    r"(?<![.!?]\s)(?<!^)\b[A-ZÀ-Þ][\w'’-]+"
    rf"(?:\s+(?:(?:{'|'.join(_NAME_PARTICLES)})\s+)*[A-ZÀ-Þ][\w'’-]+)*"
)
_ATTRIBUTION = re.compile(
    r"\b(?:schrijft|schreef|meldt|meldde|berichtte|bericht|aldus|volgens|publicatie van|artikel in|"
    r"onderzoek van|analyse van|maakte bekend|maakt bekend|reports?|reported|wrote|writes|according to)\b",
    re.I,
)

MONEY = Asked(
    "money",
    _words(r"\b(hoeveel|wat)\b.*\b(ge)?kost(e|en|te|ten)?\b|\bhoeveel (geld|euro|dollar|pond)\b|"
           # "Hoeveel dwangsom moet het COA betalen?", "Hoeveel moet een land betalen?" (not
           # "Hoeveel mensen moeten betalen?": a noun after "hoeveel" is what is counted).
           rf"\bhoeveel (?:\w+ )?{_MONEY_NOUNS}\b|"
           r"\bhoeveel (?:moet|moeten|moest|moesten|zou|zouden|gaat|gaan|heeft|hebben|had|hadden)\b[^?]*"
           r"\b(?:betalen|betaald|verdienen|verdiend|uitgeven|uitgegeven|ontvangen|besteden|besteed|kwijt)\b|"
           # "Wat besteedden consumenten bij webwinkels?"
           r"\bwat\b.*\b(?:besteedde|besteedden|besteed|besteden|uitgegeven|gaven .* uit)\b|"
           r"\bwelk bedrag\b|\b(?:wat|hoe hoog) (?:was|is|waren|zijn) het bedrag\b|"
           r"\b(?:tegen|voor) welke prijs\b|\b(?:at|for) what price\b|"
           r"\bhow much\b.*\b(cost|costs|spent|spend|paid|pay|charge|charged|money)\b|"
           r"\bwhat did\b.*\bcost\b|\bwhat amount\b"),
    # An adjective may stand between: "voor een symbolische euro", "ruim twee volle miljoen euro".
    _words(r"[€$£]\s?\d[\d.,]*|\d[\d.,]*\s?[€$£]|" + _AMOUNT + r"(?:\s+(?:miljoen|miljard|million|billion))?"
           r"(?:\s+[a-zà-ÿ]+(?:e|sche))?\s+(?:euro|dollar|pond|ponden|pounds?|dollars?|cent)\b"),
    required=True,
)  # fmt: skip
PERCENTAGE = Asked(
    "percentage",
    _words(r"\b(hoeveel procent|welk percentage|met hoeveel procent|what percentage|how many percent|"
           r"by how much)\b"),
    _words(_AMOUNT + r"\s?(?:%|procent|percent|procentpunt)"),
    required=True,
)  # fmt: skip


# An amount in a unit the question names ("Hoeveel kilo cocaïne …?", "How many tonnes …?") is
# answered only by an amount in a unit of that kind: a sentence with other numbers ("vijftig
# meter", "3,4 miljoen stemmen") says how much of something else. A unit of the same kind counts
# ("14,6 ton" for "hoeveel kilo").
def _unit_asked(name: str, units: str) -> Asked:
    return Asked(
        name,
        _words(rf"\b(?:hoeveel|how many|how much)\s+(?:{units})\b"),
        _words(rf"{_AMOUNT}\s?(?:{units})\b"),
        required=True,
    )


MASS = _unit_asked("mass", r"kilo'?s?|kilogram(?:men|s)?|kg|ton|tonnen|tonnes?|tons|gram(?:men|s)?|pounds?")
VOLUME = _unit_asked("volume", r"liters?|litres?|kuub|kubieke meters?|cubic met(?:er|re)s?|m3|vaten|barrels?")
ENERGY = _unit_asked(
    "energy",
    r"(?:kilo|mega|giga|tera)watt(?:s|uur|-?hours?)?|[kmgt]wh?|joules?",
)
AREA = _unit_asked(
    "area", r"hectares?|ha|vierkante (?:kilo)?meters?|square (?:kilo)?met(?:er|re)s?|km2|m2|acres?"
)
DISTANCE = Asked(
    "distance",
    _words(rf"\b(hoeveel|how many) {_LENGTH_UNITS}\b"),
    _words(_AMOUNT + r"\s?" + _LENGTH_UNITS + r"\b"),
    required=True,
)  # fmt: skip
# "Hoe ver …?" asks for a distance, but not only: "hoe ver moesten zij doorklikken?" (to the fourth
# page), "hoe ver is de bouw?". A distance is the likelier answer, not the only one. "How far
# ahead" asks for a time (DURATION).
FAR = Asked(
    "distance",
    _words(r"\bhoe ver\b(?!\s+(?:van tevoren|vooruit|vooraf|terug)\b)|"
           r"\bhow far\b(?!\s+(?:ahead|in advance|beforehand|back)\b)"),
    DISTANCE.held,
)  # fmt: skip
DURATION = Asked(
    # "Hoe lang" asks for a duration or a length ("Hoe lang wordt de muur?"): either answers.
    "duration",
    _words(rf"\b(hoe ?lang|how long|hoeveel (?:{_TIME_UNITS}|tijd)|how many {_TIME_UNITS}|how much time|"
           r"hoe ver (?:van tevoren|vooruit|vooraf)|how far (?:ahead|in advance|beforehand))\b"),
    _words(_AMOUNT + r"\s+(?:" + _TIME_UNITS + "|" + _LENGTH_UNITS + r")\b|"
           # Or by when it ends: "Hoe lang blijft het 2G-netwerk in gebruik?" "tot eind 2025".
           rf"\b(?:tot(?:\s+en\s+met)?|until|till|through)\s+(?:(?:eind|begin|medio|(?:the\s+)?end\s+of)\s+)?"
           rf"(?:\d{{1,2}}\s+)?(?:(?:{_MONTH})\s+)?{YEAR}\b|"
           rf"\b(?:tot(?:\s+en\s+met)?|until)\s+\d{{1,2}}\s+(?:{_MONTH})\b"),
    required=True,
)  # fmt: skip
# The hours of a clock as words: "zeven over tien", "kwart voor twaalf", "half negen".
_HOURS = (
    r"(?:een|één|twee|drie|vier|vijf|zes|zeven|acht|negen|tien|elf|twaalf|"
    r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve)"
)
AGE = Asked(
    # "Hoe oud was de zanger?": news gives an age as "de 25-jarige zanger", "(25)", "25 jaar oud".
    "age",
    _words(r"\b(hoe oud|welke leeftijd|op welke leeftijd|how old|what age|at what age)\b"),
    _words(r"\b\d{1,3}-?jarige?\b|\(\d{1,3}\)|\b\d{1,3} jaar oud\b|\bop \d{1,3}-?jarige leeftijd\b|"
           r"\bage[d]? \d{1,3}\b|\b\d{1,3}-year-old\b|\b\d{1,3} years old\b"),
)  # fmt: skip
TIME = Asked(
    # "Hoe laat …?": a time of day, as news writes it ("om 20.00 uur", "zeven over tien").
    "time",
    _words(r"\b(hoe laat|om hoeveel uur|op welk tijdstip|welk tijdstip|what time|at what time)\b"),
    _words(r"\b\d{1,2}[:.]\d{2}(?:\s*uur)?\b|\b\d{1,2}\s*uur\b|"
           rf"\b(?:(?:{_HOURS}|kwart)\s+(?:over|voor)\s+(?:half\s+)?|half\s+){_HOURS}\b|"
           rf"\b(?:\d{{1,2}}(?::\d{{2}})?\s*(?:[ap]\.?m\.?|o'clock)|{_HOURS} o'clock)"),
)  # fmt: skip
RANK = Asked(
    # "Als hoeveelste eindigde Norris?": a place in an order ("als zesde", "slechts zesde", "5e").
    "rank",
    _words(r"\b(als hoeveelste|hoeveelste|op welke plaats (?:eindig|kwam|finish)\w*|welke positie|"
           r"in what position|what position|which position|in which place|what place did)\b"),
    _words(rf"\b{_ORDINALS}\b"),
)  # fmt: skip
COUNT = Asked(
    "count",
    _words(r"\b(hoeveel|hoe ?veel|hoe hoog|hoe groot|hoe vaak|how many|how much|how high|how big|how large|"
           r"how often|"
           # A measure: "Hoe zwaar is elk blok?", "Wat was de gemiddelde jaartemperatuur?"
           r"hoe (?:zwaar|warm|koud|snel|diep|breed|dik|sterk|hard)|"
           r"how (?:heavy|warm|hot|cold|fast|deep|wide|thick|strong)|"
           rf"wat (?:was|is|werd|waren|zijn) (?:de|het) (?:\w+ ){{0,2}}?\w*{_MEASURE_NOUNS}|"
           rf"what (?:was|is|were|are) (?:the )?(?:[\w'’]+ ){{0,3}}?{_MEASURE_NOUNS_EN}|"
           r"the number of|het aantal|what number|welk aantal|welk deel|welke kracht|welke score|welke stand|"
           r"welke stemverhouding|welke uitslag|what share|what score)\b|"
           r"\bboven welk\w*|\bonder welk\w*|\bmet welke (?:meerderheid|marge|stemverhouding)\b"),
    _words(r"\d[\d.,:-]*(?:\s?%)?|\b(?:" + _COUNT_WORDS + r")\b"),
)  # fmt: skip
DATE = Asked(
    "date",
    _words(r"\b(wanneer|welk jaar|welke datum|welke maand|welke dag|op welke dag|sinds wanneer|"
           r"when|what year|which year|what day|which day|what date|what month|which month|"
           r"in what year|in which year)\b"),
    _words(rf"\b(?:\d{{1,2}}\s+(?:{_MONTH})|(?:{_MONTH})\s+\d{{1,2}}|{YEAR}|(?:{_MONTH})|"
           + "|".join(WEEKDAYS) + r"|gisteren|vandaag|vorig jaar|vorige week|yesterday|today|last year)\b"),
)  # fmt: skip
REASON = Asked(
    "reason",
    _words(r"\b(waarom|om welke reden(?:en)?|wat was de reden|wat is de reden|waardoor|hoe komt het|"
           r"hoe kwam het|wat was de aanleiding|wat is de aanleiding|wat was de oorzaak|"
           r"why|for what reasons?|what was the reason|what is the reason|what caused)\b"),
    _words(r"\b(omdat|doordat|vanwege|wegens|want|daardoor|daarom|om te|zodat|reden|"
           r"oorzaak|aanleiding|uit angst|uit vrees|uit zorg|because|due to|as a result|reason|in order to|"
           # Causes as news words them: "te danken aan minder storingen", "heeft te maken met de
           # hoge prijzen", "speelt ook de kostendelersnorm een rol".
           r"dankzij|te danken aan|te wijten aan|toe te schrijven aan|(?:het )?gevolg van|komt door|"
           r"kwam door|ligt aan|lag aan|te maken (?:heeft |had |hebben )?met|veroorzaakt door|"
           # A cause singled out ("komt vooral door", "mede door de ervaringen"): a bare "door" is
           # as often the agent of a passive ("werd gekozen door"). And what is done in reply.
           r"(?:vooral|mede|deels|grotendeels|voornamelijk|met name|onder meer) door|"
           r"(?:als|in) reactie op|uit protest|(?:als|een) vergelding|uit wraak|"
           r"in response to|in retaliation|"
           # A cause pointed at or weighing most: "S&P wijst vooral op de zwakke groeivooruitzichten",
           # "werd gedrukt door de gestegen kosten", "Het grootste probleem waren de hoge huren".
           r"w(?:ijst|ijzen|ees|ezen) (?:\w+ ){0,2}?op|gedrukt door|"
           r"(?:grootste|belangrijkste) (?:probleem|knelpunt|struikelblok|obstakel)|"
           r"speel\w* (?:[\w'-]+ ){0,5}?een (?:\w+ )?rol|een (?:\w+ )?rol speel\w*|"
           r"thanks to|owing to|caused by|the result of|driven by|plays? a (?:\w+ )?role|"
           # A purpose said to be one: "de krimp is nodig om de geluidsoverlast te beperken". A bare
           # "om … te" is too common to tell ("gebruikt om zich te laten erkennen").
           r"(?:nodig|bedoeld|noodzakelijk) om|met als doel|(?:needed|necessary|meant|intended) to)\b"),
    marks=True,
)  # fmt: skip
SOURCE = Asked(
    # "Welke krant berichtte …?": the answer is whoever a sentence attributes a report to.
    "source",
    _words(rf"{_WHICH}(?:{_BEFORE_NOUN}){_COMPOUND_HEAD}(krant|blad|nieuwssite|omroep|zender|"
           r"persbureau|medium|bronn?e?n?|programma|newspaper|paper|outlet|broadcaster|news agency|"
           r"sources?|programme|program|show)\b"),
    _ATTRIBUTION,
    marks=True,
)  # fmt: skip
PERSON = Asked(
    "person",
    _words(rf"\b(wie|wiens|wier|who|whom|whose)\b|{_WHICH}(?:{_BEFORE_NOUN}){_COMPOUND_HEAD}{_PERSON_NOUNS}{_PLURAL}\b"),
    _NAME,
    named=True,
)  # fmt: skip
ORGANISATION = Asked(
    "organisation",
    _words(rf"{_WHICH}(?:{_BEFORE_NOUN}){_COMPOUND_HEAD}{_ORGANISATION_NOUNS}{_PLURAL}\b"),
    _NAME,
    named=True,
)  # fmt: skip
PLACE = Asked(
    "place",
    _words(rf"\b(waar(?![^?]*\b{_SPLIT_PREPOSITION}\b(?:\s+[^\W\d]+)?\s*\??\s*$)|waarheen|waarnaartoe|where)\b|{_WHICH}(?:{_BEFORE_NOUN}){_COMPOUND_HEAD}{_PLACE_NOUNS}{_PLURAL}\b"),
    _NAME,
    named=True,
)  # fmt: skip
NAMED = Asked(
    # "Hoe heette …", "Hoe noemden critici …": a name or a quoted term.
    "name",
    _words(r"\b(hoe heet|hoe heette|hoe heten|hoe noem|hoe noemde|hoe noemden|welke naam|onder welke naam|"
           r"wat (?:is|was|waren|zijn) de na(?:am|men)|"
           r"welke titel|welk lied|welke wet|welke woorden|welk woord|welke app|welk\w* (?:\w+ )?machine\w*|"
           # "Wat was de echte naam van Armando?", "What was the painter's real name at birth?"
           r"wat (?:is|was) (?:de |het )?(?:\w+ ){0,2}(?:naam|doopnaam|bijnaam|roepnaam)|"
           r"what (?:is|was) (?:[\w'’]+ ){0,4}(?:name|nickname)|"
           r"what name|what was .* called|what is .* called|"
           r"what did .* call|what is the title|which words|which word|which song|which app|which law)\b"),
    re.compile(r"[\"“„'‘][^\"”'’]{2,60}[\"”'’]|" + _NAME.pattern + r"|\b[A-Z]{2,}[\w:.-]*"),
    named=True,
)  # fmt: skip

# Order matters: the more specific reading wins ("hoeveel kilometer" before "hoeveel").
# "Welk aanbod …?", "Which measure …?" of a kind no row above knows: the answer is what a
# sentence says about that thing, so a sentence naming it (THING.held is left to the question's
# focus, see Question.answers_in) holds a candidate.
THING = Asked(
    "thing",
    _words(rf"{_WHICH}[\w-]+"),
    _words(r"(?!)"),
)  # fmt: skip

ASKED = (
    MONEY,
    PERCENTAGE,
    DISTANCE,
    FAR,
    MASS,
    VOLUME,
    ENERGY,
    AREA,
    AGE,
    TIME,
    RANK,
    DURATION,
    SOURCE,
    REASON,
    DATE,
    NAMED,
    COUNT,
    PERSON,
    ORGANISATION,
    PLACE,
    THING,
)


def read_asked(text: str) -> Asked | None:
    """What the question asks for: the reading whose words come first ("Welk onderzoeksbureau
    onderzocht wie de bezoekers waren?" asks an organisation; the "wie" is the clause's), the
    more specific of two at the same place (ASKED's order). THING, any "which …", only when no
    other reading is found: "Welk doel stelde zij voor het aantal asielzoekers?" asks a number."""
    found = [
        (m.start(), n, a, m) for n, a in enumerate(ASKED) if a is not THING and (m := a.asked.search(text))
    ]
    thing = THING.asked.search(text)
    words = text.split()
    if (thing and len(text[: thing.start()].split()) <= 1) or (words and words[0].casefold() in _OPEN_WORDS):
        # "Welke straf riskeert wie over het hek klimt?": after an opening "welke …" (or "Op
        # welke …") a bare question word starts a clause of it; only a noun asked about still
        # reads ("Welk doel stelde zij voor het aantal asielzoekers?" asks a number). So after an
        # opening "wat"/"what", which asks no kind: "What do the walls form when seen from above?"
        found = [f for f in found if f[3].group(0).strip().casefold() not in _CLAUSE_WORDS]
    if found:
        return min(found, key=lambda f: f[:2])[2]
    return THING if thing else None


_OPEN_WORDS = frozenset({"wat", "what"})
_CLAUSE_WORDS = frozenset(
    "wie wiens wier waar waarheen waarnaartoe wanneer waarom hoe who whom whose where when why how".split()
)


# --- names ---------------------------------------------------------------------------------

_TOKEN = re.compile(r"[\w'’]+(?:-[\w'’]+)*")
_POSSESSIVE = re.compile(r"['’]s$")
_SENTENCE_END = re.compile(r"[.!?]")
_ARTICLES = frozenset("de der den".split())
# Capitalised in English, yet dates or the speaker, not names the evidence must hold.
_NOT_NAMES = frozenset([*MONTHS, *WEEKDAYS, "i"])


def read_names(text: str) -> tuple[str, ...]:
    """The names a question mentions: runs of capitalised words, not counting the first word of
    a sentence ("Europees Parlement", "United States"), with the particles inside a name ("Hugo
    de Jonge", "Grote Prijs van Las Vegas"), and the capitalised parts of compounds ("EU" of
    "EU-migratiepact", "Rwanda" of "Rwanda-plan"). A run ends at any punctuation: "Rutte,
    Wilders en Timmermans" are three names, "Rutte (VVD)" two."""
    found: list[str] = []
    run: list[str] = []
    particles: list[str] = []  # lower-case words after a name, waiting for the rest of it
    after = 0  # where the previous token ended
    previous = ""
    first = True  # the token opens a sentence

    def end_run() -> None:
        if run:
            found.append(" ".join(run))
        run.clear()
        particles.clear()

    for match in _TOKEN.finditer(text):
        between = text[after : match.start()]
        after = match.end()
        # An initial's full stop ("J. P. Balkenende", "U.S. Department") neither ends the sentence
        # nor the name.
        initial = len(previous) == 1 and between.strip() == "."
        previous = match.group(0)
        if between.strip() and not initial:
            end_run()
        first = first or (not initial and bool(_SENTENCE_END.search(between)))
        token = _POSSESSIVE.sub("", match.group(0))
        opening, first = first, False
        if token.lower() in _NOT_NAMES:
            end_run()
            continue
        if run and token in _NAME_PARTICLES:
            particles.append(token)
            continue
        pieces = token.split("-")
        parts = [p for j, p in enumerate(pieces) if p[:1].isupper() and (not opening or j > 0)]
        if len(pieces) == 1 and parts:
            # After particles comes a surname or a place ("de Jonge", "van Las Vegas"), not an
            # abbreviation or a party: "Rutte van de VVD" is two names.
            # A bare "de" is more often an article than a particle: only straight after a first
            # name ("Hugo de Jonge"), not after a name of more words ("de Eerste Kamer de Wet").
            article = particles and particles[0] in _ARTICLES and len(run) > 1
            if particles and (article or token.isupper() or any(c.isupper() for c in token[1:])):
                end_run()
            run.extend(particles)
            particles.clear()
            run.append(token)
            continue
        end_run()
        found.extend(parts)
    end_run()
    return tuple(dict.fromkeys(found))


# --- the question --------------------------------------------------------------------------


_FOCUS = re.compile(
    r"\b(?:hoeveel|how many|how much|welke?|which|what|wie (?:was|is|werd|wordt|zijn|waren)(?: de| het)?|"
    r"who (?:was|is|were|are)(?: the)?)\s+((?:[\w'’-]+\s+)?[\w'’-]+)",
    re.I,
)
_WORDS = re.compile(r"[\w'’-]+")
_YEAR_ONLY = re.compile(rf"{YEAR}")
_DATE_PART = re.compile(rf"\s*(?:{_MONTH})\b", re.I)
_NEAR = 4  # tokens between an answer and the question's focus word that still tie them


def read_focus(text: str) -> tuple[str, ...]:
    """The stems of the words after "hoeveel", "welke", "how many", "which": what is counted or
    named ("zetels", "kartelleider"), which news writes next to the answer ("33 zetels",
    "kartelleider Ismael Zambada")."""
    match = _FOCUS.search(text)
    if not match:
        return ()
    words = [w for w in match.group(1).split() if len(w) >= 4]
    return tuple(dict.fromkeys(stem for w in words for stem in terms(w)))


@dataclass(frozen=True)
class Question:
    text: str
    language: str  # "nl" or "en"
    period: Period | None  # the time it asks about: a ranking signal, never a filter
    asked: Asked | None  # what kind of thing answers it
    names: tuple[str, ...]  # the names it pins down
    terms: tuple[str, ...]  # its BM25 terms (Dutch stems) of `lexical`
    focus: tuple[str, ...] = ()  # stems of what it counts or names (read_focus)
    lexical: str = ""  # what BM25 and term overlap match on (lexical_text)
    years: frozenset[int] = frozenset()  # every year it names ("het besluit van maart 2018 … in 2022")
    # The periods it names apart to compare ("in 2015 en 2023"), each answered on its own; `period`
    # is the first of them. () when it names at most one.
    periods: tuple[Period, ...] = ()
    # The particle of a separable verb a Dutch question ends with ("Wat bood Trump aan?": "aan"),
    # which text writes with the verb ("aanbod", "aangeboden"). "" when it ends otherwise.
    particle: str = ""

    def answers_in(self, sentence: str) -> list[re.Match]:
        """The candidate answers a sentence holds for what is asked: `asked.held` matches the
        question does not already contain, and for an amount, no year or day of a date."""
        if self.asked is None:
            return []
        if self.asked is THING:
            # The thing asked about, named in the sentence ("een aanbod van Trump"), or a term news
            # introduces by name ("een zogeheten verkeerslichtcoalitie", "ook wel bekend als de
            # Lentetuin"): what "Welk …?" or "What kind of …?" asks for is often such a term.
            named = [m for m in _WORDS.finditer(sentence) if self._focus_named([m.group(0).lower()])]
            return named + _introduced(sentence)
        question = self.text.casefold()
        found = []
        for match in self.asked.held.finditer(sentence):
            said = match.group(0).strip().rstrip(".,:;-")
            if not said:
                continue
            if not self.asked.marks and re.search(rf"(?<!\w){re.escape(said.casefold())}(?!\w)", question):
                continue
            amount = self.asked is not DATE and not self.asked.named
            if amount and (_YEAR_ONLY.fullmatch(said) or _DATE_PART.match(sentence, match.end())):
                continue
            if self.asked.named and (said.casefold() in _NOT_ANSWERS or not self._new_name(said)):
                continue
            if self.asked is PERSON and _LOCATIVE.search(sentence, 0, match.start()):
                continue  # "in Enschede", "naar Minsk": a place, not who
            found.append(match)
        return found

    def _new_name(self, name: str) -> bool:
        """A name says something the question does not: some word of it is neither one of the
        question's words (inflected too: "Koerdisch-Iraans" for "Koerdisch-Iraanse"), a word
        like "De", nor an adjective of nationality ("Syrische", "Britse", "Mexicaans")."""
        asked = [fold(w) for w in re.split(r"[\W_]+", self.text) if w]
        for word in re.split(r"[\s-]+", name):
            folded = fold(word.strip("'’\".,"))
            if not folded or folded in _NOT_ANSWERS or _NATIONALITY.search(folded):
                continue
            if not any(same_word(folded, w) for w in asked):
                return True
        return False

    def surely(self, sentence: str, answers: list[re.Match], around: str = "") -> bool:
        """Is one of the answers surely of the kind asked? Most news sentences hold some
        capitalised word, so for a person or a place a bare name says little; a person's name in
        full ("Frans Timmermans"), after a role ("premier Schoof") or a role the question does not
        name ("burgemeesters"), and a name after a preposition of place ("in Las Vegas", "bij
        Eagle Pass") say more. `around`: the sentence's passage, where a surname alone may be
        given in full. Other kinds: never, their `held` is sure enough."""
        if self.asked not in (PERSON, PLACE):
            return False
        for match in answers:
            before = sentence[: match.start()]
            if self.asked is PLACE and _PLACE_BEFORE.search(before):
                return True
            if self.asked is PERSON and (
                len(match.group(0).split()) > 1
                or _ROLE_BEFORE.search(before)
                or self._named_in_full(match.group(0), around)
            ):
                return True
        # "Wie eisen …?" is answered by a role as well as a name: "Democratische burgemeesters".
        question = self.text.casefold()
        return self.asked is PERSON and any(
            m.group(0).casefold() not in question for m in _ROLE.finditer(sentence)
        )

    @staticmethod
    def _named_in_full(name: str, text: str) -> bool:
        """Does `text` give `name` a capitalised word before it ("Vivianne Miedema" for
        "Miedema"): a person named by surname after a first mention in full? "De VS" does not."""
        for found in re.finditer(rf"([A-ZÀ-Þ][\w'’-]+)\s+{re.escape(name)}\b", text):
            if fold(found.group(1)) not in _NOT_ANSWERS and not is_nationality(found.group(1)):
                return True
        return False

    def focused(self, sentence: str, answers: list[re.Match]) -> float:
        """How much of the question's focus stands next to an answer ("33 zetels", "commissie-
        voorzitter Tom van der Lee"): the share of its words within a few words of the best
        answer, so that "Hoeveel Duitse studenten" prefers "Duitsers vormen met 22.125 studenten"
        to "81.392 internationale studenten". A compound holding a focus word counts."""
        if not self.focus or not answers:
            return 0.0
        tokens = list(_WORDS.finditer(sentence))
        best = 0.0
        for answer in answers:
            inside = [
                i for i, t in enumerate(tokens) if t.end() > answer.start() and t.start() < answer.end()
            ]
            if not inside:
                continue
            near = [t.group(0).lower() for t in tokens[max(0, inside[0] - _NEAR) : inside[-1] + _NEAR + 1]]
            best = max(best, len(self._focus_named(near)) / len(self.focus))
        return best

    def _focus_named(self, words: Sequence[str]) -> set[str]:
        """The focus words these (lower-case) words name: holding one, as such or as part of a
        compound ("zetels", "commissievoorzitter"), or having a stem that holds it ("apparaten"
        is "apparaat", "vermogensbeheerder" "vermonsbeheer")."""
        named = set()
        for word in words:
            forms = (word, *terms(word))
            named.update(f for f in self.focus if any(f in form for form in forms))
        return named


# A term introduced by name: the words after "zogeheten", "zogenoemde", "bekend als", "so-called".
_INTRODUCING = re.compile(
    r"\b(?:zogeheten|zogenaamde?|zogenoemde?|bekend als|so-called|known as|dubbed)\s+", re.I
)
_TERM = re.compile(r"[\w'’-]+(?:\s+[\w'’-]+)?")


def _introduced(sentence: str) -> list[re.Match]:
    """The terms a sentence introduces by name, each as the match of its (at most two) words."""
    return [t for m in _INTRODUCING.finditer(sentence) if (t := _TERM.match(sentence, m.end()))]


# Capitalised or numeric words that hold no answer: sentence openers, months, weekdays.
_NOT_ANSWERS = frozenset([*MONTHS, *WEEKDAYS, *STOPWORDS])
# A name right after one of these is a place: "in Enschede", "naar Minsk", "near Eagle Pass".
_PLACE_PREPOSITIONS = r"(?:in|uit|naar|bij|nabij|te|vanuit|near)"
_LOCATIVE = re.compile(rf"\b{_PLACE_PREPOSITIONS}\s+$", re.I)
# A place is surely named after a preposition of place, with or without an article ("in de
# Grote Prijs van Las Vegas") and with the kind of place between ("in de zwaar getroffen stad
# Antakya", "op de vliegbasis Woensdrecht"), also after "op", "via", "tussen" ("via Qatar"), which
# _LOCATIVE leaves out: "op", "via" come before persons too ("een beroep op Rutte"), so they do not
# rule a name out as the answer to "wie". A person after a role ("bondscoach Wiegman"), or by a role
# (plural too: "burgemeesters").
_PLACE_BEFORE = re.compile(
    rf"\b(?:{_PLACE_PREPOSITIONS}|op|via|tussen|at|from)\s+(?:(?:de|het|the)\s+)?"
    rf"(?:(?:[a-zà-ÿ-]+\s+){{0,2}}?(?-i:[a-zà-ÿ]*){_PLACE_NOUNS}\s+)?$",
    re.I,
)
_ROLE = re.compile(rf"\b\w*{_PERSON_NOUNS}{_PLURAL}\b", re.I)
_ROLE_BEFORE = re.compile(rf"\b\w*{_PERSON_NOUNS}\s+$", re.I)
# Dutch adjectives of nationality or origin are capitalised, yet no name: Britse, Syrische,
# Mexicaans, Koerdisch.
_NATIONALITY = re.compile(r"(?:[^s]se|sche|aans|isch|ees|ese)$")


def is_nationality(word: str) -> bool:
    """A capitalised adjective of nationality or origin ("Turkse", "Mexicaanse"): no name."""
    return bool(_NATIONALITY.search(fold(word)))


# The end of a place's adjective as a stemmed term: "haarlems" (Haarlemse), "belgisch" (Belgische).
_ADJECTIVE_END = re.compile(r"(?:isch|s)$")
# The shortest stem an adjective shares with its place: "duit" (Duitse / Duitsland), "lder"
# (Gelderse / Gelderland: the stemmer drops the "ge" a participle starts with).
_ADJECTIVE_STEM = 4


def adjective_of(adjective: str, place: str) -> bool:
    """Is the stemmed term `adjective` ("haarlems", "lders", "belgisch") the adjective of the place
    `place` ("haarlem", "lderland", "belgië")? Dutch makes one by adding -se or -sche to the name
    or its stem, so the adjective less its -s or -isch starts the name. A question's "Gelderse
    bedrijven" is about what the evidence says of "Gelderland", and the other way round."""
    stem = _ADJECTIVE_END.sub("", adjective)
    if stem == adjective or len(stem) < _ADJECTIVE_STEM:
        return False
    return place != adjective and place.startswith(stem)


def adjective_names(adjective: str, word: str) -> bool:
    """Is the folded word `adjective` a place's adjective, and `word` (folded, as text writes it)
    that place? "Haarlemse" / "Haarlem", "Gelderse" / "Gelderland", "Osse" / "Oss" (a name ending
    in -s takes only -e), "Bossche" / "Bosch". The words as written, where adjective_of takes
    stems: "Osse" and "Oss" stem alike, but a name the article lacks is looked for as written."""
    for end in ("sche", "se", "e"):
        base = adjective[: -len(end)]
        if not adjective.endswith(end) or (end == "e" and not base.endswith("s")):
            continue
        if len(base) >= _NAMED_STEM and word != adjective and word.startswith(base):
            return True
    return False


# The shortest place an adjective names as written: "Oss" (Osse), "Ede" (Edese).
_NAMED_STEM = 3


def place_matcher(names: Sequence[str]) -> Callable[[str], set[str]]:
    """For a stemmed word of text, the terms of the question's `names` it stands for as a place
    and its adjective (adjective_of): "lderland" (Gelderland) for a question's "Gelderse",
    "haarlems" (Haarlemse) for its "Haarlem". Only a name written as an inflected adjective
    ("-se", "-sche") is taken as one: "Frans Timmermans" is no adjective of "Frankrijk"."""
    adjectives = {t for n in names if _INFLECTED.search(n) for t in terms(n)}
    places = {t for n in names for t in terms(n)}

    def held(word: str) -> set[str]:
        return {t for t in adjectives if adjective_of(t, word)} | {t for t in places if adjective_of(word, t)}

    return held


_INFLECTED = re.compile(r"(?:se|sche)$")


def fold(text: str) -> str:
    """Lower case without accents: how words are compared across spellings."""
    return "".join(c for c in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(c))


def same_word(a: str, b: str) -> bool:
    """One (folded) word, or an inflection of it: a shared prefix all but two letters long
    ("trumps" and "trump", "mexicaans" and "mexicaanse", "conservative" and "conservatieve")."""
    if a == b:
        return True
    shared = len(os.path.commonprefix([a, b]))  # noqa: RUF071 (words, not paths)
    return shared >= max(4, min(len(a), len(b)) - 2)


def read_question(text: str, use_period: bool = True) -> Question:
    """Read `text` once; every later step takes its language, period, names and terms from here.

    `use_period=False` ignores a period the question names (the user asked for that).
    """
    text = full_years(text.strip())
    lang = language(text)
    names = read_names(text)
    lexical = lexical_text(text, lang, names)
    return Question(
        text=text,
        language=lang,
        period=read_period(text) if use_period else None,
        asked=read_asked(text),
        names=names,
        terms=tuple(terms(lexical)),
        focus=read_focus(text),
        lexical=lexical,
        years=years_spoken_of(text, None),
        periods=read_periods(text) if use_period else (),
        particle=read_particle(text) if lang == "nl" else "",
    )


_PARTICLE = re.compile(
    r"\s(aan|af|bij|binnen|door|in|los|mee|na|neer|om|op|over|samen|tegen|terug|toe|uit|vast|voor|vrij|weg)"
    r"\s*\?*\s*$",
    re.I,
)


def read_particle(text: str) -> str:
    """The separable verb's particle a Dutch question ends with ("Wanneer trad Rutte af?": "af")."""
    match = _PARTICLE.search(text)
    return match.group(1).lower() if match else ""


_NUMBER = re.compile(r"\d[\d.,]*\d|\d")


def lexical_text(text: str, lang: str, names: tuple[str, ...]) -> str:
    """What of a question can match the archive's words: all of a Dutch one; of an English one
    only its names and numbers, which Dutch news writes the same way (its other words match
    nothing, or Dutch words by accident: dev archive English MRR@10 0.67 -> 0.78)."""
    if lang == "nl":
        return text
    return " ".join([*names, *_NUMBER.findall(text)])


# --- references to an earlier turn ---------------------------------------------------------

# Words a follow-up opens with: "En in 2019?", "Maar wat zei Rutte?", "And Germany?".
FOLLOW_UP_OPENERS = frozenset("en maar ook dan and but also so".split())
FOLLOW_UP_OPENING = re.compile(r"^\s*(?:(?:what|how)\s+about|en\s+wat\s+dacht\s+je\s+van)\b", re.I)
# The words that ask: a follow-up without any of them asks what the turn before asked.
QUESTION_WORDS = frozenset(
    "wat wie wiens waar wanneer waarom hoe hoeveel welk welke waardoor waarmee waartoe waarheen "
    "what who whom whose where when why how which".split()
)
# Personal pronouns that stand for someone named in the turn before. "zij" is she or they: the
# turn before's subject decides (GROUP_PRONOUNS); so does "ze", which stands for that subject only
# when the turn before showed what it is, being as often anyone ("Waar kwamen ze vandaan?").
PERSON_PRONOUNS = frozenset("hij zij hem he she him".split())
AMBIGUOUS_PRONOUNS = frozenset("zij ze".split())
# Personal pronouns that stand for a group named in the turn before: a party, an organisation, a
# people ("Hoeveel zetels hadden ze in 2017?" after a question about de PVV).
GROUP_PRONOUNS = frozenset("zij ze hen they them".split())
GROUP_POSSESSIVES = frozenset("hun their".split())
# A group in place of "ze"/"they" takes a verb in the singular: "hadden ze" → "had de PVV", "do
# they" → "does the PVV". The verbs follow-ups ask with most; any other is left as it is.
SINGULAR_VERBS = dict(
    pair.split(":")
    for pair in (
        "hebben:heeft hadden:had zijn:is waren:was worden:wordt werden:werd kunnen:kan konden:kon "
        "zullen:zal zouden:zou willen:wil wilden:wilde moeten:moet moesten:moest mogen:mag "
        "mochten:mocht gaan:gaat gingen:ging komen:komt kwamen:kwam doen:doet deden:deed "
        "staan:staat stonden:stond halen:haalt haalden:haalde krijgen:krijgt kregen:kreeg "
        "winnen:wint wonnen:won verliezen:verliest verloren:verloor zeggen:zegt zeiden:zei "
        "vinden:vindt vonden:vond noemen:noemt noemden:noemde maken:maakt maakten:maakte "
        "stemmen:stemt stemden:stemde kosten:kost kostten:kostte betalen:betaalt betaalden:betaalde "
        "geven:geeft gaven:gaf nemen:neemt namen:nam vragen:vraagt vroegen:vroeg eisen:eist "
        "eisten:eiste steunen:steunt steunden:steunde kiezen:kiest kozen:koos besluiten:besluit "
        "besloten:besloot ontvangen:ontvangt ontvingen:ontving "
        "do:does have:has are:is were:was"
    ).split()
)
# A name with an article before it is a group's ("de PVV", "het CDA", "the Conservatives"): a
# person's name takes none.
ARTICLES = frozenset("de het the".split())
# Words that open a noun phrase: a pronoun after one of the question's own ("Op welke bronnen
# baseert de krant haar berichtgeving?", "do many migrants have to cross on their way") stands
# for it, not for the turn before; after a question word ("how many seats") they are what it asks.
DETERMINERS = frozenset("de het een the a an veel vele alle sommige many most some all several few".split())
# Possessives of those; "haar" and "her" are objects too ("Wat vroeg Trump haar?"): a possessive
# is followed by what it owns. Dutch "zijn" is mostly a verb: only after a preposition ("voor
# zijn muur") is it the possessive.
POSSESSIVES = frozenset("zijn haar his her".split())
AMBIGUOUS_POSSESSIVES = frozenset(["zijn"])
PREPOSITIONS = frozenset(
    "aan achter bij binnen door in met na naar om onder op over sinds tegen tijdens tot uit van "
    "voor zonder about after against at before by during for from in of on to with without".split()
)
# Pronominal adverbs that stand for the topic of the turn before ("Wat zei hij daarover?"), and
# the preposition they hold.
TOPIC_ADVERBS = {
    f"{head}{preposition}": "met" if preposition == "mee" else preposition
    for head in ("daar", "er")
    # Not "voor", "op", "aan": "ervoor zorgen dat", "erop wijzen dat" point ahead, not back.
    for preposition in ("over", "van", "mee", "tegen", "bij", "door")
}
TOPIC_PHRASE = re.compile(r"\b(about|of|against|on|with|for|to)\s+(it|that|this)\b", re.I)
# Words that point back at what the turn before was about without naming it: a demonstrative with
# its noun ("dat besluit", "die beslissing", "that decision"), or one ending the question ("Wie
# zei dat?"); "het" and "it" ending it ("Wanneer gebeurde het?", "Who announced it?"). Only the
# far demonstratives: "dit jaar", "this week" speak of now.
DEMONSTRATIVES = frozenset("dat die that those".split())
REFERRING_PRONOUNS = frozenset("het it".split())
