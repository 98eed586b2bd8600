"""Publication dates written in article text → ISO 8601 at the precision the text gives.

Holds the byline ("Gepubliceerd op 3 april 2018") and dateline ("Den Haag, 16 maart 2017 –") rules and
what counts as a publication date; which source of a date wins is qa/articles.py's business.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from dateparser.date import DateDataParser

EARLIEST = dt.date(1900, 1, 1)

# Month names and their abbreviations, Dutch and English, as news and questions write them.
MONTHS = {
    "januari": 1, "january": 1, "jan": 1, "februari": 2, "february": 2, "feb": 2, "maart": 3,
    "march": 3, "mrt": 3, "mar": 3, "april": 4, "apr": 4, "mei": 5, "may": 5, "juni": 6, "june": 6,
    "jun": 6, "juli": 7, "july": 7, "jul": 7, "augustus": 8, "august": 8, "aug": 8, "september": 9, "sept": 9,
    "sep": 9, "oktober": 10, "october": 10, "okt": 10, "oct": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}  # fmt: skip
WEEKDAYS = (
    "maandag dinsdag woensdag donderdag vrijdag zaterdag zondag "
    "monday tuesday wednesday thursday friday saturday sunday".split()
)

# Byline words naming the date a story first appeared, and those naming a later revision: a
# revision date is only used when the first one is not given.
_PUBLISHED = r"gepubliceerd|geplaatst|verschenen|datum|published|posted|dated|date"
_UPDATED = r"laatst bijgewerkt|bijgewerkt|gewijzigd|aangepast|last updated|last modified|updated|modified"
_KEYWORD = re.compile(
    rf"(?:(?P<published>{_PUBLISHED})|(?P<updated>{_UPDATED}))\b(?:\s+(?:op|om|on|at))?\s*:?\s*(?P<when>.*)",
    re.IGNORECASE,
)
# Parts of a byline: "Door Annelies Kramer · Gepubliceerd: 12 januari 2022, 11:04 | Bijgewerkt: …".
# The author may also follow the date without a separator: "Geplaatst op 3 maart 2019 door Redactie".
_BYLINE_SEPARATOR = re.compile(r"\s+[|·•–—-]\s+|\s*[|·•]\s*|\s+(?=(?:door|by)\s+[A-ZÀ-Þ])")
BYLINE_MAX_CHARS = 160
_BYLINE_PART_MAX_WORDS = 8
# Every date phrase we accept names a year; this keeps dateparser away from most text.
_HAS_YEAR = re.compile(r"\b\d{4}\b|\b\d{1,2}[-/.]\d{1,2}[-/.]\d{2,4}\b")
_ISO = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?")

# A dateline opens a story: place (optional), date, an optional agency, then a dash or a line break.
_DATE_PHRASE = (
    r"(?:[^\W\d_]+,?\s+)?\d{1,2}\.?\s+[^\W\d_]{3,12}\.?\s+\d{4}"  # (donderdag) 16 maart 2017
    r"|(?:[^\W\d_]+,?\s+)?[^\W\d_]{3,12}\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+\d{4}"  # (Thursday,) March 16, 2017
    r"|\d{1,2}[-/.]\d{1,2}[-/.]\d{4}|\d{4}-\d{2}-\d{2}"
)
# Words of a place name that are not capitalised ("Alphen aan den Rijn", "'s-Hertogenbosch"); a
# lowercase word outside them means the comma ends a clause ("Volgens de politie, …"), not a place.
_PLACE_PARTICLES = frozenset(
    "'s aan de den der het in op te ten ter van bij am upon "
    "sur la le les des du del della di da dos el".split()
)
# Up to six words: "La Super Planche des Belles Filles, 31 juli 2022 – …".
_DATELINE = re.compile(
    rf"(?P<dateline>(?:(?P<place>(?:'s-)?[^\W\d_][\w'’.]*(?:[ -][\w'’.]+){{0,5}})(?:,|\s+[–—-])\s+)?"
    rf"(?P<when>{_DATE_PHRASE})(?:\s+\([^()\n]{{1,30}}\))?)(?:\s*[–—-]\s+(?=\S)|\s*$)"
)
# A dateline without a date: the place and the agency ("AMSTERDAM (ANP) - ", "Den Haag (Reuters)
# – "), or a place in capitals alone ("ROTTERDAM - "), the story going on with a capital. What
# stands in brackets is a wire service we know, or any short capitalised name after a place in
# capitals, as agencies write it: so "Mark Rutte (VVD) - De premier …" is no dateline.
_UNDATED_DATELINE = re.compile(
    r"(?P<dateline>(?P<place>(?:'[sS]-)?[^\W\d_][\w'’.]*(?:[ -][\w'’.]+){0,3})"
    r"(?:\s+\((?P<agency>[A-Z][\w.]*(?:\s*[/,]\s*[A-Z][\w.]*){0,2})\))?)\s*[–—-]\s+(?=[^\W\d_])(?=[^a-z])"
)
WIRE_SERVICES = frozenset(
    "anp novum belga ap afp reuters dpa efe ansa bloomberg xinhua anadolu tass kyodo".split()
)


# A page's date shown beside its headline as a day and month only, often with a weekday or a time
# ("12 januari", "wo 12 jan. 09:14"), where the page's metadata gives the full date: not story text.
_MONTH_WORD = "|".join(sorted(MONTHS, key=len, reverse=True))
_BARE_DATE = re.compile(
    rf"(?:[^\W\d_]{{2,9}}\.?,?\s+)?\d{{1,2}}\.?\s+(?:{_MONTH_WORD})\.?(?:\s+\d{{4}})?"
    r"(?:,?\s+(?:om\s+|at\s+)?\d{1,2}[:.]\d{2}(?:\s*(?:uur|u))?)?",
    re.IGNORECASE,
)


def bare_date(block: str) -> bool:
    """Is `block` nothing but a day and month ("12 januari", "wo 12 jan. 09:14")?"""
    return bool(_BARE_DATE.fullmatch(block.strip().strip("*_").strip()))


@dataclass(frozen=True)
class Byline:
    published: str | None
    updated: str | None


@dataclass(frozen=True)
class Dateline:
    line: str  # "Den Haag, 16 maart 2017", without the dash that joins it to the story
    date: str | None  # None for an agency's dateline without one ("AMSTERDAM (ANP)")
    rest: str  # the paragraph after the dash; empty when the dateline stands on its own


def _first_day(iso: str) -> dt.date | None:
    """The first day of the year, month or day `iso` names (2023, 2023-12, 2023-12-31), if it exists."""
    match = _ISO.fullmatch(iso)
    if not match:
        return None
    year, month, day = (int(part) if part else 1 for part in match.groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def is_calendar_date(iso: str) -> bool:
    """`iso` names a year, month or day that exists: 2023-12 does, 2023-13 and 2023-02-30 do not."""
    return _first_day(iso) is not None


def plausible(iso: str | None) -> str | None:
    """`iso` if it can be the day a story appeared: not before 1900, not after today."""
    first_day = _first_day(iso) if iso else None
    return iso if first_day is not None and EARLIEST <= first_day <= dt.date.today() else None


def parse_phrase(phrase: str) -> str | None:
    """A Dutch or English date phrase ("12 januari 2022, 11:04", "June 2020") as ISO, or None."""
    phrase = phrase.strip(" \t*_,.;:()[]")
    if not _HAS_YEAR.search(phrase):
        return None
    data = _date_parser().get_date_data(phrase)
    if data.date_obj is None:
        return None
    iso = {"year": "%Y", "month": "%Y-%m"}.get(data.period or "day", "%Y-%m-%d")
    return plausible(data.date_obj.strftime(iso))


# A date as a field states it: a day, month and year in words or digits, or a month and year,
# with a time at most after it ("13 januari 2022", "14-01-2022", "maart 2021, 14:03 uur").
_DATE_FIELD = re.compile(
    rf"(?:{_DATE_PHRASE}|[^\W\d_]{{3,12}}\.?\s+\d{{4}})(?:,?\s+(?:om\s+|at\s+)?\d{{1,2}}[:.]\d{{2}}(?:\s*uur)?)?",
    re.I,
)


def date_field(text: str) -> str | None:
    """The ISO date a metadata field (front matter, an export's column) writes in words or in
    day-month-year digits, or None when the field is something else."""
    text = text.strip()
    return parse_phrase(text) if _DATE_FIELD.fullmatch(text) else None


@functools.cache
def _date_parser() -> DateDataParser:
    # Imported here: dateparser costs import time that `qa ask` and the app must not pay.
    from dateparser.date import DateDataParser

    return DateDataParser(
        languages=["nl", "en"],
        settings={"DATE_ORDER": "DMY", "PREFER_DAY_OF_MONTH": "first", "REQUIRE_PARTS": ["year"]},
    )


# A byline without a date: "Door Annelies Kramer", "Door onze verslaggever", "Van onze
# correspondent in Berlijn", "Auteur: Jan Jansen". A name is capitalised, so "Door de storm" (a
# heading) is none, and "Van" opens one only before "onze" ("Van Gogh" is a name).
_AUTHOR = re.compile(
    r"(?i:door|by|van|from)\s+(?i:onze?|our)\s+[^\W\d_]+(?:\s+[^\W\d_]+){0,3}"
    r"|(?:(?i:door|by)\s+|(?i:auteur|author|tekst|text|door|by)\s*:\s*)[A-ZÀ-Þ][\w'’.-]*(?:\s+(?:(?:van|de|der|den|ten|ter|te|en|and)\s+)*[A-ZÀ-Þ][\w'’.-]*){0,3}"
)


# A line that says it is a byline: "Datum: …", "Gepubliceerd op …", "Door …", "Van onze …".
_BYLINE_OPENING = re.compile(rf"(?:{_PUBLISHED}|{_UPDATED}|door|by|van onze|auteur|author)\b", re.IGNORECASE)


def byline_line(line: str) -> Byline | None:
    """A line of a heading block that is a byline by its opening words (a title that merely
    holds a date is not one), or None."""
    line = line.strip().strip("*_").strip()
    return byline(line) if _BYLINE_OPENING.match(line) else None


def byline(block: str) -> Byline | None:
    """The dates in a byline such as "Door X · Gepubliceerd: 12 januari 2022", or None when the
    block is not a byline (a sentence that mentions a date is not one)."""
    block = block.strip().strip("*_").strip()
    keyword = _KEYWORD.fullmatch(block)
    if _AUTHOR.fullmatch(block) or (keyword and not keyword.group("when").strip(" :")):
        # A byline without a date, or what a page left of one whose date it took ("Bijgewerkt").
        return Byline(None, None)
    if not block or len(block) > BYLINE_MAX_CHARS or not _HAS_YEAR.search(block):
        return None
    published = updated = None
    for part in _BYLINE_SEPARATOR.split(block):
        keyword = _KEYWORD.fullmatch(part.strip())
        when = parse_phrase(keyword.group("when") if keyword else part)
        if when is None:
            if len(part.split()) > _BYLINE_PART_MAX_WORDS:
                return None
        elif keyword and keyword.group("updated"):
            updated = updated or when
        else:
            published = published or when
    if published is None and updated is None:
        return None
    return Byline(published, updated)


def split_dateline(paragraph: str) -> Dateline | None:
    """The dateline that opens `paragraph` ("Den Haag, 16 maart 2017 – De VVD …", "AMSTERDAM
    (ANP) - De VVD …"), if any."""
    match = _DATELINE.match(paragraph)
    if match is None:
        undated = _UNDATED_DATELINE.match(paragraph)
        if undated is None or not _is_place(undated.group("place")):
            return None
        place, agency = undated.group("place"), undated.group("agency")
        capitals = place.isupper() and len(_LETTERS.findall(place)) >= 3
        agencies = re.split(r"\s*[/,]\s*", agency) if agency else []
        known = bool(agencies) and all(a.lower() in WIRE_SERVICES for a in agencies)
        if not (known or capitals):
            return None
        return Dateline(undated.group("dateline"), None, paragraph[undated.end() :])
    place = match.group("place")
    if place and not _is_place(place):
        return None
    when = parse_phrase(match.group("when"))
    if when is None:
        return None
    return Dateline(match.group("dateline").strip(), when, paragraph[match.end() :])


_LETTERS = re.compile(r"[^\W\d_]")


def _is_place(words: str) -> bool:
    """Capitalised words, or the particles of a place's name ("Alphen aan den Rijn")."""
    return all(w[:1].isupper() or w.lower() in _PLACE_PARTICLES for w in re.split(r"[ -]", words))
