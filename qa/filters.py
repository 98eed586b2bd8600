"""What a search is restricted to: a date range and a category, given or read from the question.

Dates are ISO strings at any precision (2019, 2019-04, 2019-04-12); matching happens elsewhere.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, replace

from qa.errors import QAError

_ISO = re.compile(r"\d{4}(?:-\d{2}(?:-\d{2})?)?")


class FilterValueError(QAError):
    """A bad `since`/`until`: `field` names the one at fault ("since", "until", or "order" when
    since lies after until), so each front end can name it in its own words."""

    def __init__(self, message: str, field: str, since: str | None, until: str | None):
        super().__init__(message)
        self.field = field
        self.since = since
        self.until = until


@dataclass(frozen=True)
class Filters:
    since: str | None = None  # inclusive, at its own precision
    until: str | None = None
    category: str | None = None
    from_question: str | None = None  # the words of the question the dates were read from

    def __post_init__(self) -> None:
        for name in ("since", "until"):
            value = getattr(self, name)
            if value is not None and not _ISO.fullmatch(value):
                raise FilterValueError(
                    f"--{name} must be a date like 2019, 2019-04 or 2019-04-12, got {value!r}",
                    name, self.since, self.until,
                )  # fmt: skip
        if self.since and self.until and _start(self.since) > _end(self.until):
            raise FilterValueError(
                f"--since {self.since} is after --until {self.until}", "order", self.since, self.until
            )

    @property
    def active(self) -> bool:
        return bool(self.since or self.until or self.category)

    def to_dict(self) -> dict:
        return asdict(self)

    def describe(self, language: str = "en") -> str:
        words = _WORDS[language]
        parts = []
        if self.since and self.until:
            parts.append(self.since if self.since == self.until else f"{self.since} – {self.until}")
        elif self.since:
            parts.append(f"{words['from']} {self.since}")
        elif self.until:
            parts.append(f"{words['until']} {self.until}")
        if self.category:
            parts.append(f"{words['category']} {self.category}")
        text = ", ".join(parts)
        return f"{text} ({words['question']}: “{self.from_question}”)" if self.from_question else text

    def admits(self, date: str | None, category: str | None) -> bool:
        """Does an article with this date and category pass? Undated articles fail a date filter."""
        if self.category and (category or "").casefold() != self.category.casefold():
            return False
        if self.since or self.until:
            if not date:
                return False
            # Compare at the coarser precision of the two: an article dated 2019-04 may lie
            # in a range that starts on 2019-04-15.
            if self.since and _end(date) < _start(self.since):
                return False
            if self.until and _start(date) > _end(self.until):
                return False
        return True


_WORDS = {
    "en": {"from": "from", "until": "until", "category": "category", "question": "from the question"},
    "nl": {"from": "vanaf", "until": "tot en met", "category": "categorie", "question": "uit de vraag"},
}


def _start(date: str) -> str:
    return (date + "-01-01")[:10]


def _end(date: str) -> str:
    return (date + "-12-31")[:10] if len(date) == 4 else (date + "-31")[:10]


_MONTHS = {
    "januari": 1, "january": 1, "jan": 1, "februari": 2, "february": 2, "feb": 2, "maart": 3,
    "march": 3, "mrt": 3, "april": 4, "apr": 4, "mei": 5, "may": 5, "juni": 6, "june": 6,
    "juli": 7, "july": 7, "augustus": 8, "august": 8, "aug": 8, "september": 9, "sept": 9,
    "sep": 9, "oktober": 10, "october": 10, "okt": 10, "oct": 10, "november": 11, "nov": 11,
    "december": 12, "dec": 12,
}  # fmt: skip
_MONTH = "|".join(sorted(_MONTHS, key=len, reverse=True))
_YEAR = r"(?:19|20)\d{2}"


def _period_re(n: int) -> str:
    return rf"(?:(?P<m{n}>{_MONTH})\s+)?(?P<y{n}>{_YEAR})"


_RULES = [
    ("between", re.compile(
        rf"\b(?:tussen|between)\s+{_period_re(1)}\s+(?:en|and)\s+"
        rf"{_period_re(2)}\b", re.I)),
    ("since", re.compile(rf"\b(?:sinds|sedert|vanaf|since|from)\s+{_period_re(1)}\b", re.I)),
    ("after", re.compile(rf"\b(?:na|after)\s+{_period_re(1)}\b", re.I)),
    ("before", re.compile(rf"(?:\bvóór|\bbefore|\buntil|\btot)\s+{_period_re(1)}\b", re.I)),
    ("in", re.compile(rf"\b(?:in|during|tijdens|uit|of|van)\s+(?:(?:het\s+)?jaar\s+)?"
                      rf"{_period_re(1)}\b", re.I)),
]  # fmt: skip


def _period(match: re.Match, n: int) -> tuple[str, str]:
    year = int(match.group(f"y{n}"))
    month = match.group(f"m{n}")
    if month:
        value = f"{year}-{_MONTHS[month.lower()]:02d}"
        return value, value
    return str(year), str(year)


def _shift(period: str, months: int) -> str:
    """The period just before (-1) or after (+1) `period`, at its precision."""
    if len(period) == 4:
        return str(int(period) + months)
    year, month = int(period[:4]), int(period[5:7]) + months
    year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    return f"{year}-{month:02d}"


def filters_from_question(question: str) -> Filters | None:
    """A date range the question itself asks for ("in 2017", "sinds 2020", "in April 2019")."""
    for kind, pattern in _RULES:
        match = pattern.search(question)
        if not match:
            continue
        start, end = _period(match, 1)
        phrase = " ".join(match.group(0).split())
        if kind == "between":
            return Filters(since=start, until=_period(match, 2)[1], from_question=phrase)
        if kind == "since":
            return Filters(since=start, from_question=phrase)
        if kind == "after":
            return Filters(since=_shift(end, 1), from_question=phrase)
        if kind == "before":
            return Filters(until=_shift(start, -1), from_question=phrase)
        return Filters(since=start, until=end, from_question=phrase)
    return None


def combine(given: Filters, question: str, auto: bool) -> Filters:
    """The filters to search with: the given ones, plus dates from the question unless given or off."""
    if not auto or given.since or given.until:
        return given
    found = filters_from_question(question)
    if found is None:
        return given
    return replace(found, category=given.category)
