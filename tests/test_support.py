"""Why an answer is withheld: the names, period, unit and words the evidence does not speak of,
and the fitted rule that weighs them."""

from __future__ import annotations

import json

import pytest

from qa.abstention import (
    FEATURES,
    MODEL_FILE,
    AbstentionRule,
    Evidence,
    covered,
    rule,
    weighed_names,
    why_not,
)
from qa.answer import FEATURES as SENTENCE_FEATURES
from qa.answer import AnswerSettings
from qa.answering import ask, candidates, draft
from qa.question import read_question
from qa.search import Passage, Retriever
from qa.store import ArticleInfo
from qa.support import missing_names, reason


def passage(text: str, date: str | None = "2023-12") -> Passage:
    article = ArticleInfo("a1", "Titel", date, None, None, "a1.txt")
    return Passage(1, 1.0, text, 0, len(text), article)


def test_names_match_inflections_but_not_other_names():
    text = "Trump en de Mexicaanse president spraken over de Verenigde Staten."
    assert (
        missing_names(read_question("Wat zei Trumps regering over Mexicaans beleid?"), text, (), None) == []
    )
    assert missing_names(read_question("Wat besloot Canada?"), text, (), None) == ["Canada"]
    # Only the words of a run that the evidence lacks are reported.
    assert missing_names(read_question("Wat wil Donald Trump?"), text, (), None) == ["Donald"]


def test_a_place_is_named_by_its_adjective_and_the_other_way_round():
    text = "De politie heeft de moord op een pomphouder in Oss opgelost."
    assert missing_names(read_question("Hoe stierf de Osse pomphouder?"), text, (), None) == []
    haarlem = "Het Haarlemse museum kocht de tekening."
    assert missing_names(read_question("Wat kocht het museum in Haarlem?"), haarlem, (), None) == []
    assert missing_names(read_question("Wat kocht het museum in Leiden?"), haarlem, (), None) == ["Leiden"]


def test_names_with_digits_and_abbreviations_are_found():
    # "D66" is a name though it holds digits; "EU" stands for the words written out.
    assert missing_names(read_question("Hoeveel zetels haalde D66?"), "D66 is de grootste.", (), None) == []
    text = "Nederland is het laatste land in de Europese Unie dat met vaccineren begint."
    assert missing_names(read_question("Wanneer begonnen andere EU-lidstaten?"), text, (), None) == []
    # Initials of other words are no match: "VS" is not in "Europese Unie".
    assert missing_names(read_question("Wat deed de VS?"), text, (), None) == ["VS"]
    # And the other way: a name written out in the question, by its initials in the text.
    grens = read_question("Hoeveel migranten kwamen via de grens met de Verenigde Staten?")
    assert missing_names(grens, "Zo'n 10.000 migranten per dag bij de grens van de VS.", (), None) == []
    un = read_question("Hoeveel mensen waren volgens de Verenigde Naties op de vlucht?")
    assert missing_names(un, "Dat meldt de VN-vluchtelingenorganisatie UNHCR.", (), None) == []
    # Initials skip the small words of a name written out.
    iom = read_question("Hoeveel migranten verdronken er volgens de IOM?")
    assert missing_names(iom, "De Internationale Organisatie voor Migratie telde er 5000.", (), None) == []
    cbs = read_question("Hoeveel banen telde het CBS?")
    assert missing_names(cbs, "Dat meldt het Centraal Bureau voor de Statistiek.", (), None) == []
    # Only a word written in capitals is an abbreviation ("vs" in lower case is "versus").
    versus = "Het ging om 51 miljoen mensen, vs 43 miljoen."
    assert missing_names(grens, versus, (), None) == ["Verenigde Staten"]


def test_names_across_languages_use_the_encoder_on_the_passages_shown(encoder):
    def encode(texts):
        return encoder.encode(texts, normalize_embeddings=True, convert_to_numpy=True)

    text = "Het Witte Huis wilde migranten vrijlaten in steden van de Democraten."
    near = [passage(text)]
    assert missing_names(read_question("Why did the White House want that?"), text, near, encode) == []
    assert missing_names(read_question("What did Nederland want?"), text, near, encode) == ["Nederland"]
    # The encoder knows a state by its name, not by its initials: "VK" is "Verenigd Koninkrijk".
    britse = "De Britse regering zette sinds juli 24.000 mensen het land uit."
    vk = read_question("Hoeveel mensen heeft het VK uitgezet?")
    assert missing_names(vk, britse, [passage(britse)], encode) == []
    assert missing_names(
        read_question("Hoeveel mensen heeft de VS uitgezet?"), britse, [passage(britse)], encode
    ) == ["VS"]
    # Without passages to compare with, only the literal match counts.
    assert missing_names(read_question("Why did the White House want that?"), text, (), encode) == [
        "White House"
    ]


@pytest.mark.parametrize(("term", "held", "expected"), [
    ("kabinetsformatie", {"formatie", "kabinet"}, True),  # the head of a compound
    ("haald", {"haalt"}, True),  # an inflection
    ("startnummer", {"nummer"}, True),
    ("startnummer", {"start"}, False),  # a modifier is not the thing itself
    ("werkloosheid", {"werk", "inflatie"}, False),
])  # fmt: skip
def test_a_term_is_covered_as_such_inflected_or_as_part_of_a_compound(term, held, expected):
    assert covered(term, held) is expected


def test_the_reason_is_in_the_question_language_and_names_the_most_telling_gap():
    money = read_question("Hoeveel kostte de muur?")
    assert reason(money, unit_missing=True) == "Geen gevonden passage noemt een bedrag."
    assert reason(read_question("What did Biden do in 2021?"), period_missing=True) == (
        "No passage found is about “in 2021”."
    )
    canada = read_question("Wat deed Canada in 2021?")
    assert reason(canada, names=["Canada"]) == "De gevonden passages noemen Canada niet."
    assert reason(canada, words=["startnummer", "rijdt"]) == (
        "De gevonden passages noemen ‘startnummer’ en ‘rijdt’ niet."
    )
    assert reason(canada) == "De gevonden passages beantwoorden de vraag niet duidelijk."


def test_the_shipped_rule_is_plain_numbers_for_the_features_it_weighs():
    data = json.loads(MODEL_FILE.read_text(encoding="utf-8"))
    assert data["features"] == list(FEATURES)
    assert len(data["weights"]) == len(data["mean"]) == len(data["scale"]) == len(FEATURES)
    assert 0 < data["threshold"] < 1


def test_the_rule_answers_on_strong_evidence_and_not_on_weak():
    shipped = rule()
    index = {name: i for i, name in enumerate(FEATURES)}

    def evidence(**values: float) -> Evidence:
        row = list(shipped.mean)
        for name, value in values.items():
            row[index[name]] = value
        return Evidence(tuple(row))

    strong = evidence(score=max(shipped.mean[0] * 1.5, 1), cosine=0.7, context=1.0, margin=10, top_dense=0.7)
    weak = evidence(score=0.0, cosine=0.05, context=0.0, names_missing=1.0, period_missing=1.0, top_dense=0.1)
    assert shipped.answers(strong) and not shipped.answers(weak)
    assert shipped.probability(strong) > shipped.probability(weak)
    # An article that lacks half the question's names or more does not answer it, however strong
    # the rest: "Hoeveel bedrijven in Overijssel …?" is not answered by Gelderland's figure, nor
    # "Hoeveel zetels haalde de SP bij de Tweede Kamerverkiezingen?" by other parties' seats.
    for share in (1.0, 0.5):
        elsewhere = evidence(
            score=max(shipped.mean[0] * 1.5, 1), cosine=0.7, context=1.0, margin=10, names_missing=share
        )
        assert shipped.probability(elsewhere) >= shipped.threshold
        assert not shipped.answers(elsewhere)
    # One name of three missing still answers: news often writes a name some other way.
    assert shipped.answers(
        evidence(score=max(shipped.mean[0] * 1.5, 1), cosine=0.7, context=1.0, margin=10, names_missing=1 / 3)
    )


def test_a_rule_fitted_on_other_features_is_refused(tmp_path):
    path = tmp_path / "rule.json"
    path.write_text(json.dumps({**rule().to_dict(), "features": ["score"]}), encoding="utf-8")
    with pytest.raises(ValueError, match="fitted on features"):
        AbstentionRule.load(path)


def test_a_dutch_article_may_leave_its_own_country_unsaid(devarchive_index):
    # The CBS report gives "3,8 procent" without ever writing "Nederland".
    answer = ask("Hoe hoog was de inflatie in Nederland in 2023?", index=devarchive_index)
    assert not answer.abstained and "3,8 procent" in answer.text
    # Another country the article does not name still counts against it.
    other = ask("Hoe hoog was de inflatie in Duitsland in 2023?", index=devarchive_index)
    assert other.abstained and "Duitsland" in other.notes[0]


def test_an_english_questions_name_counts_only_where_the_archive_writes_it():
    # A Dutch archive writes "Utrecht" somewhere, and never "Supreme Court" (it says "Hoge Raad").
    def idf(term: str) -> float:
        return 1.5 if term == "utrecht" else 9.0

    english = read_question("Who did the Supreme Court in Utrecht convict?")
    assert weighed_names(english, ["Supreme Court", "Utrecht"], idf) == ["Utrecht"]
    dutch = read_question("Wie veroordeelde de Hoge Raad in Utrecht?")
    assert weighed_names(dutch, ["Hoge Raad", "Utrecht"], idf) == ["Hoge Raad", "Utrecht"]


def test_an_english_question_naming_the_netherlands_is_not_held_against_dutch_text(devarchive_index):
    # Dutch news never writes "Dutch" or "Netherlands": in an English question they are no name
    # the answer's article lacks, no word the reason names, and they lower no sentence's score.
    retriever = Retriever.open(devarchive_index)
    asked = ("How high was Dutch inflation in 2023?", "How high was inflation in the Netherlands in 2023?")
    for text in asked:
        question = read_question(text)
        found, sentences = candidates(retriever, question, 10)
        assert {s.features[SENTENCE_FEATURES.index("names")] for s in sentences} == {1.0}
        drafted = draft(retriever, question, found, sentences, AnswerSettings())
        assert drafted.evidence is not None
        assert not drafted.evidence.missing_names and not drafted.evidence.missing_terms
        assert "3,8 procent" in " ".join(s.text for s in drafted.chosen)


@pytest.mark.parametrize("text, unsaid, said", [
    ("Hoe lang duurde de kabinetsformatie die eind 2023 begon?", "lang", "kabinetsformatie"),
    ("Wat kostte de verbouwing van het Binnenhof vanaf 2021?", "kostte", "verbouwing"),
    ("Hoeveel asielzoekers sliepen in de nacht van augustus 2022 buiten in Ter Apel?", "augustus", "sliepen"),
    # The thing asked for is what the evidence may lack: "Welk …" asks by it, and it stays.
    ("Welk monument werd in 2021 bij het Binnenhof onthuld?", "2021", "monument"),
])  # fmt: skip
def test_the_reason_names_the_topics_words_not_those_that_ask_or_name_the_period(
    devarchive_index, text, unsaid, said
):
    # The period has its own reason, and "hoe lang" or "wat kostte" are how a question asks:
    # "De gevonden passages noemen ‘lang’ niet" would tell a reader nothing.
    retriever = Retriever.open(devarchive_index)
    question = read_question(text)
    found, sentences = candidates(retriever, question, 10)
    drafted = draft(retriever, question, found, sentences, AnswerSettings())
    assert drafted.evidence is not None
    assert unsaid not in drafted.evidence.missing_terms
    assert said in drafted.evidence.missing_terms


def test_the_reason_leaves_out_words_of_everyday_language(devarchive_index):
    # "kwamen" is as rare in the archive as "watersnood", but names no topic: the reason names the
    # rarest words the evidence lacks that are not everyday Dutch, in the question's order.
    retriever = Retriever.open(devarchive_index)
    question = read_question(
        "Hoeveel mensen kwamen in Nederland om het leven bij de watersnood in Limburg in juli 2021?"
    )
    found, sentences = candidates(retriever, question, 10)
    drafted = draft(retriever, question, found, sentences, AnswerSettings())
    assert drafted.evidence is not None
    assert {"kwamen", "watersnood"} <= set(drafted.evidence.missing_terms)
    assert why_not(question, drafted.evidence) == "De gevonden passages noemen ‘watersnood’ niet."
    formule = read_question("Met welk startnummer rijdt Max Verstappen tijdens de Formule 1?")
    lacking = Evidence(tuple(rule().mean), missing_terms=("startnummer", "tijdens", "rijdt"))
    assert why_not(formule, lacking) == "De gevonden passages noemen ‘startnummer’ en ‘rijdt’ niet."
    everyday = Evidence(tuple(rule().mean), missing_terms=("tijdens", "goed"))
    assert why_not(formule, everyday) == "De gevonden passages beantwoorden de vraag niet duidelijk."


def test_the_reason_does_not_name_a_name_the_article_writes_in_its_own_language(devarchive_index):
    # "The Hague" is "Den Haag" in the Urgenda article, as the encoder tells: no word it lacks.
    retriever = Retriever.open(devarchive_index)
    question = read_question("What did the court in The Hague rule in the Urgenda climate case?")
    found, sentences = candidates(retriever, question, 10)
    drafted = draft(retriever, question, found, sentences, AnswerSettings())
    assert drafted.evidence is not None
    assert "Hague" not in drafted.evidence.missing_terms
    assert not drafted.evidence.missing_names
