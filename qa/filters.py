"""What a search is restricted to: a date range and a category, as the user sets them.

Dates are ISO strings at any precision (2019, 2019-04, 2019-04-12). A period named in the
question is no filter but a ranking signal (qa/question.py, qa/search.py).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import asdict, dataclass

from qa.errors import QAError
from qa.question import Period, first_day, last_day
from qa.translations import say

_ISO = re.compile(r"\d{4}(?:-\d{2}(?:-\d{2})?)?")


def is_date(value: str) -> bool:
    """An ISO date at any precision that names a real month and day: 2019-13 and 2019-02-30 are
    not, though they have the shape of one."""
    if not _ISO.fullmatch(value):
        return False
    year, month, day = ([int(part) for part in value.split("-")] + [1, 1])[:3]
    try:
        dt.date(year, month, day)
    except ValueError:
        return False
    return True


class FilterValueError(QAError):
    """A bad `since`/`until`: `field` names the one at fault ("since", "until", or "order" when
    since lies after until), so each front end can name it in its own words."""

    def __init__(self, field: str, since: str | None, until: str | None):
        if field == "order":
            super().__init__("error_dates_reversed_option", since=since, until=until)
        else:
            super().__init__(
                "error_bad_date_option", name=field, value=repr(since if field == "since" else until)
            )
        self.field = field
        self.since = since
        self.until = until


@dataclass(frozen=True)
class Filters:
    since: str | None = None  # inclusive, at its own precision
    until: str | None = None
    category: str | None = None

    def __post_init__(self) -> None:
        for name in ("since", "until"):
            value = getattr(self, name)
            if value is not None and not is_date(value):
                raise FilterValueError(name, self.since, self.until)
        if self.since and self.until and first_day(self.since) > last_day(self.until):
            raise FilterValueError("order", self.since, self.until)

    @property
    def active(self) -> bool:
        return bool(self.since or self.until or self.category)

    def to_dict(self) -> dict:
        return asdict(self)

    def describe(self, language: str = "en") -> str:
        parts = []
        if self.since and self.until:
            parts.append(self.since if self.since == self.until else f"{self.since} – {self.until}")
        elif self.since:
            parts.append(f"{say('from', language)} {self.since}")
        elif self.until:
            parts.append(f"{say('until_date', language)} {self.until}")
        if self.category:
            parts.append(f"{say('category', language)} {self.category}")
        return ", ".join(parts)

    def admits(self, date: str | None, category: str | None) -> bool:
        """Does an article with this date and category pass? Undated articles fail a date filter."""
        if self.category and (category or "").casefold() != self.category.casefold():
            return False
        if self.since or self.until:
            if not date:
                return False
            # Compare at the coarser precision of the two: an article dated 2019-04 may lie
            # in a range that starts on 2019-04-15.
            if self.since and last_day(date) < first_day(self.since):
                return False
            if self.until and first_day(date) > last_day(self.until):
                return False
        return True

    def narrowed_to(self, period: Period) -> Filters | None:
        """These filters, and only the articles published in `period` or just after it, when
        reports on it appear (Period.holds_date or just_after): what a question naming a period
        also searches apart. None when no date passes both."""
        # Both bounds compare at the coarser precision, so the later start and the earlier end win.
        since = max((d for d in (self.since, period.since) if d), key=first_day, default=None)
        until = min((d for d in (self.until, period.reported_until()) if d), key=last_day, default=None)
        try:
            return Filters(since, until, self.category)
        except FilterValueError:  # the period lies outside the user's dates
            return None
