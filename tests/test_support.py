"""Why an answer is withheld: names, periods and units the evidence does not speak of."""

from __future__ import annotations

from qa.question import read_period, read_question
from qa.search import Passage
from qa.store import ArticleInfo
from qa.support import missing_names, period_covered, unsupported


def passage(text: str, date: str | None = "2023-12", relevance: float | None = None) -> Passage:
    article = ArticleInfo("a1", "Titel", date, None, None, "a1.txt")
    return Passage(1, 1.0, text, 0, len(text), article, period_relevance=relevance)


def test_names_match_inflections_but_not_other_names():
    evidence = [passage("Trump en de Mexicaanse president spraken over de Verenigde Staten.")]
    assert (
        missing_names(read_question("Wat zei Trumps regering over Mexicaans beleid?"), evidence, None) == []
    )
    assert missing_names(read_question("Wat besloot Canada?"), evidence, None) == ["Canada"]
    # Only the words of a run that the evidence lacks are reported.
    assert missing_names(read_question("Wat wil Donald Trump?"), evidence, None) == ["Donald"]


def test_names_across_languages_use_the_encoder(encoder):
    def encode(texts):
        return encoder.encode(texts, normalize_embeddings=True, convert_to_numpy=True)

    evidence = [passage("Het Witte Huis wilde migranten vrijlaten in steden van de Democraten.")]
    assert missing_names(read_question("Why did the White House want that?"), evidence, encode) == []
    assert missing_names(read_question("What did Nederland want?"), evidence, encode) == ["Nederland"]


def test_a_period_is_covered_by_evidence_relevant_to_it():
    period = read_period("Wat deed Biden in 2021?")
    assert not period_covered(period, [passage("Biden tekende een decreet.", "2023-12", relevance=0.0)])
    assert period_covered(period, [passage("Vorig jaar waren het er meer.", "2022-03", relevance=1.0)])
    assert period_covered(period, [passage("Biden tekende een decreet.", "2022-01", relevance=0.4)])
    assert period_covered(None, [passage("Wat dan ook.")])


def test_the_reason_is_in_the_question_language():
    evidence = [passage("De VS en Mexico spraken over migratie.", relevance=0.0)]
    assert unsupported(read_question("Hoeveel kilometer muur?"), evidence, False, None) == (
        "Geen gevonden passage noemt een afstand."
    )
    assert unsupported(read_question("What did Biden do in 2021?"), evidence, True, None) == (
        "No passage found is about “in 2021”."
    )
    evidence = [passage("De VS en Mexico spraken over migratie.")]
    assert unsupported(read_question("Wat deed Canada?"), evidence, True, None) == (
        "De gevonden passages noemen Canada niet."
    )
    assert unsupported(read_question("Wat deed Mexico?"), evidence, True, None) is None
