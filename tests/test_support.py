"""Why an answer is withheld: names, periods and units the evidence does not speak of."""

from __future__ import annotations

import pytest

from qa.filters import Filters
from qa.search import Passage
from qa.store import ArticleInfo
from qa.support import asked_unit, holds_unit, missing_names, names, period_covered, unsupported


def passage(text: str, date: str | None = "2023-12") -> Passage:
    article = ArticleInfo("a1", "Titel", date, None, None, "a1.txt")
    return Passage(1, 1.0, text, 0, len(text), article)


@pytest.mark.parametrize(("question", "expected"), [
    ("Wanneer stemde het Europees Parlement in met het EU-migratiepact?", ["Europees Parlement", "EU"]),
    ("Hoeveel heeft het Rwanda-plan de Britse belastingbetaler gekost?", ["Rwanda", "Britse"]),
    ("How many people live in the United States?", ["United States"]),
    ("Met welke collega sprak Kelly in Mexico-Stad?", ["Kelly", "Mexico", "Stad"]),
    ("Sheinbaum zei wat?", []),  # the first word is capitalised anyway
    ("hoeveel migranten kwamen er?", []),
])  # fmt: skip
def test_names_are_capitalised_runs_and_compound_parts(question, expected):
    assert names(question) == expected


def test_names_match_inflections_but_not_other_names():
    evidence = [passage("Trump en de Mexicaanse president spraken over de Verenigde Staten.")]
    assert missing_names("Wat zei Trumps regering over Mexicaans beleid?", evidence, None) == []
    assert missing_names("Wat besloot Canada?", evidence, None) == ["Canada"]
    # Only the words of a run that the evidence lacks are reported.
    assert missing_names("Wat wil Donald Trump?", evidence, None) == ["Donald"]


def test_names_across_languages_use_the_encoder(encoder):
    def encode(texts):
        return encoder.encode(texts, normalize_embeddings=True, convert_to_numpy=True)

    evidence = [passage("Het Witte Huis wilde migranten vrijlaten in steden van de Democraten.")]
    assert missing_names("Why did the White House want that?", evidence, encode) == []
    assert missing_names("What did Nederland want?", evidence, encode) == ["Nederland"]


@pytest.mark.parametrize(("question", "unit"), [
    ("Hoeveel heeft het Rwanda-plan de Britse belastingbetaler uiteindelijk gekost?", "een bedrag"),
    ("Wat kostte de muur?", "een bedrag"),
    ("How much did the wall cost?", "een bedrag"),
    ("Hoeveel kilometer grensmuur werd er gebouwd?", "een afstand"),
    ("Met hoeveel procent nam het aantal toe?", "een percentage"),
    ("Hoeveel mensen staken over?", None),
])  # fmt: skip
def test_questions_for_an_amount_in_a_unit(question, unit):
    found = asked_unit(question)
    assert (found.name["nl"] if found else None) == unit


def test_a_sentence_holds_the_unit_asked_for():
    money = asked_unit("Wat kostte het?")
    assert holds_unit("Migranten betalen duizenden ponden aan smokkelaars.", money)
    assert holds_unit("Het kostte €3,5 miljoen.", money)
    assert not holds_unit("Meer dan 36.800 mensen staken over.", money)
    assert holds_unit("Wat dan ook.", None)


def test_a_period_without_articles_is_covered_by_a_later_report_or_a_mention():
    relaxed = Filters(since="2021-01", until="2021-12", from_question="in 2021")
    assert not period_covered(relaxed, [passage("Biden tekende een decreet.", "2023-12")])
    assert period_covered(relaxed, [passage("Vorig jaar waren het er meer.", "2022-03")])
    assert period_covered(relaxed, [passage("In 2021 tekende Biden een decreet.", "2025-05")])
    assert period_covered(None, [passage("Wat dan ook.")])


def test_the_reason_is_in_the_question_language():
    evidence = [passage("De VS en Mexico spraken over migratie.")]
    distance = asked_unit("Hoeveel kilometer muur?")
    assert unsupported("Hoeveel kilometer muur?", evidence, None, distance, False, "nl", None) == (
        "Geen gevonden passage noemt een afstand."
    )
    relaxed = Filters(since="2021-01", until="2021-12", from_question="in 2021")
    assert unsupported("What did Biden do in 2021?", evidence, relaxed, None, True, "en", None) == (
        "No passage found is about “in 2021”."
    )
    assert unsupported("Wat deed Canada?", evidence, None, None, True, "nl", None) == (
        "De gevonden passages noemen Canada niet."
    )
    assert unsupported("Wat deed Mexico?", evidence, None, None, True, "nl", None) is None
