"""Date and category filters, and dates read from the question."""

from __future__ import annotations

import pytest

from qa.errors import QAError
from qa.filters import Filters, combine, filters_from_question


@pytest.mark.parametrize(("question", "since", "until", "phrase"), [
    ("Wat gebeurde er in 2017 aan de grens?", "2017", "2017", "in 2017"),
    ("Hoeveel migranten kwamen er sinds 2020?", "2020", None, "sinds 2020"),
    ("Wat zei Trump in april 2019?", "2019-04", "2019-04", "in april 2019"),
    ("What did Kelly say in February 2017?", "2017-02", "2017-02", "in February 2017"),
    ("What happened since 2020?", "2020", None, "since 2020"),
    ("Wat gebeurde er na 2019?", "2020", None, "na 2019"),
    ("Wat gebeurde er vóór maart 2019?", None, "2019-02", "vóór maart 2019"),
    ("Wat gebeurde tussen 2017 en 2019?", "2017", "2019", "tussen 2017 en 2019"),
    ("What happened between 2017 and 2019?", "2017", "2019", "between 2017 and 2019"),
])  # fmt: skip
def test_dates_in_the_question(question, since, until, phrase):
    found = filters_from_question(question)
    assert (found.since, found.until, found.from_question) == (since, until, phrase)


@pytest.mark.parametrize("question", [
    "Wie is Claudia Sheinbaum?",
    "Wat zijn de plannen voor 2025?",  # 'voor' is 'for' here, not 'before'
    "Hoeveel mensen, zo'n 2.000, kwamen?",
])  # fmt: skip
def test_no_date_in_the_question(question):
    assert filters_from_question(question) is None


@pytest.mark.parametrize(("date", "admitted"), [
    ("2019-04-12", True), ("2019-04", True), ("2019", True), ("2019-03-31", False), ("2019-05", False),
    ("2018", False), (None, False),
])  # fmt: skip
def test_admits_at_the_coarser_precision(date, admitted):
    assert Filters(since="2019-04", until="2019-04").admits(date, None) is admitted


def test_category_is_case_insensitive_and_undated_articles_pass_without_dates():
    assert Filters(category="Buitenland").admits(None, "buitenland")
    assert not Filters(category="binnenland").admits("2020", "buitenland")


def test_given_dates_win_over_the_question_and_auto_can_be_off():
    given = Filters(since="2018")
    assert combine(given, "Wat gebeurde er in 2017?", auto=True) == given
    assert combine(Filters(), "Wat gebeurde er in 2017?", auto=False) == Filters()
    assert combine(Filters(category="x"), "in 2017?", auto=True) == Filters(
        since="2017", until="2017", category="x", from_question="in 2017"
    )


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"since": "april"}, "--since must be a date"),
    ({"until": "2019/04"}, "--until must be a date"),
    ({"since": "2020", "until": "2019"}, "is after"),
])  # fmt: skip
def test_bad_filter_values_name_the_option(kwargs, message):
    with pytest.raises(QAError, match=message):
        Filters(**kwargs)


def test_describe_in_both_languages():
    auto = Filters(since="2017", until="2017", from_question="in 2017")
    assert auto.describe("nl") == "2017 (uit de vraag: “in 2017”)"
    assert Filters(since="2020").describe("en") == "from 2020"
