"""Date and category filters, as the user sets them."""

from __future__ import annotations

import pytest

from qa.errors import QAError
from qa.filters import Filters


@pytest.mark.parametrize(("date", "admitted"), [
    ("2019-04-12", True), ("2019-04", True), ("2019", True), ("2019-03-31", False), ("2019-05", False),
    ("2018", False), (None, False),
])  # fmt: skip
def test_admits_at_the_coarser_precision(date, admitted):
    assert Filters(since="2019-04", until="2019-04").admits(date, None) is admitted


def test_category_is_case_insensitive_and_undated_articles_pass_without_dates():
    assert Filters(category="Buitenland").admits(None, "buitenland")
    assert not Filters(category="binnenland").admits("2020", "buitenland")


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"since": "april"}, "--since must be a date"),
    ({"until": "2019/04"}, "--until must be a date"),
    # The shape of a date is not enough: the month or day must exist.
    ({"since": "2019-13"}, "--since must be a date"),
    ({"until": "2019-02-30"}, "--until must be a date"),
    ({"since": "2019-00"}, "--since must be a date"),
    ({"since": "2020", "until": "2019"}, "is after"),
])  # fmt: skip
def test_bad_filter_values_name_the_option(kwargs, message):
    with pytest.raises(QAError, match=message):
        Filters(**kwargs)


def test_describe_in_both_languages():
    assert (
        Filters(since="2017", until="2017", category="buitenland").describe("nl")
        == "2017, categorie buitenland"
    )
    assert Filters(since="2020").describe("en") == "from 2020"
