"""Follow-up questions: read against the turn before, rewritten to stand alone, and answered."""

from __future__ import annotations

import csv

import pytest

from qa.answering import ask
from qa.conversation import Turn, resolve
from tests.conftest import ROOT


@pytest.mark.parametrize(("earlier", "follow_up", "understood"), [
    # Only a period, or names and a period: the earlier question, for them.
    ("Hoeveel asielaanvragen telde Nederland in 2021?", "En in 2023?",
     "Hoeveel asielaanvragen telde Nederland in 2023?"),
    ("Hoeveel zetels haalde de VVD bij de verkiezingen van maart 2021?", "En de PVV in november 2023?",
     "Hoeveel zetels haalde de PVV bij de verkiezingen van november 2023?"),
    ("How high was inflation in the Netherlands in 2022?", "And in 2023?",
     "How high was inflation in the Netherlands in 2023?"),
    ("Hoeveel asielaanvragen telde Nederland?", "En in 2019?",
     "Hoeveel asielaanvragen telde Nederland in 2019?"),
    # A short year is written out ("'23" is 2023).
    ("Hoeveel zetels haalde de VVD bij de verkiezingen van maart '21?", "En de PVV in november '23?",
     "Hoeveel zetels haalde de PVV bij de verkiezingen van november 2023?"),
    # A pronoun for the person named before; the earlier period comes along.
    ("Wat wilde Trump in februari 2019 met de nationale noodtoestand?",
     "Hoeveel geld wilde hij voor de muur bijeenbrengen?",
     "Hoeveel geld wilde Trump voor de muur bijeenbrengen (in februari 2019)?"),
    ("Wat zei Sheinbaum over Trump?", "Waarom wees zij zijn aanbod af?",
     "Waarom wees Sheinbaum zijn aanbod af?"),
    ("Wat wilde Trump met de muur?", "Hoeveel geld vroeg hij voor zijn muur?",
     "Hoeveel geld vroeg Trump voor Trumps muur?"),
    ("What did Starmer call for?", "Where did he say it?", "Where did Starmer say it?"),
    # A pronoun for the group the turn before was about: a party named with its article or in
    # capitals. "zij" is they when that group was its subject.
    ("Hoeveel zetels haalde de PVV in 2023?", "Hoeveel zetels hadden ze in 2017?",
     "Hoeveel zetels had de PVV in 2017?"),
    ("How many seats did the PVV win in November 2023?", "How many seats did they win in 2017?",
     "How many seats did the PVV win in 2017?"),
    ("Hoeveel zetels haalde D66 bij de verkiezingen van oktober 2025?", "Hoeveel zetels hadden zij in 2023?",
     "Hoeveel zetels had D66 in 2023?"),
    ("Hoeveel zetels haalde D66 bij de verkiezingen van oktober 2025?", "Wie was hun lijsttrekker?",
     "Wie was D66's lijsttrekker (in oktober 2025)?"),
    ("How many seats did the PVV win in November 2023?", "Who was their leader?",
     "Who was the PVV's leader (in November 2023)?"),
    # A bare reference to what the turn before was about: its period and names come along.
    ("Waarom stapte de PVV in juni 2025 uit de coalitie?", "Hoe noemde premier Schoof dat besluit?",
     "Hoe noemde premier Schoof dat besluit (in juni 2025, PVV)?"),
    ("Waarom stapte de PVV in juni 2025 uit de coalitie?", "Wat vond Schoof van die beslissing?",
     "Wat vond Schoof van die beslissing (in juni 2025, PVV)?"),
    ("Why did the PVV leave the coalition in June 2025?", "What did Schoof say about that decision?",
     "What did Schoof say about that decision (in June 2025, PVV)?"),
    ("Waarom stapte de PVV in juni 2025 uit de coalitie?", "Wie zei dat?",
     "Wie zei dat (in juni 2025, PVV)?"),
    ("Waarom stapte de PVV in juni 2025 uit de coalitie?", "Wanneer gebeurde het?",
     "Wanneer gebeurde het (in juni 2025, PVV)?"),
    # An adverb for what was asked about: the names it was about take its place.
    # Opening like a follow-up carries the earlier period and names.
    ("Waarom stapte de PVV in juni 2025 uit de coalitie?", "En wat deed premier Schoof?",
     "Wat deed premier Schoof (in juni 2025, PVV)?"),
])  # fmt: skip
def test_a_follow_up_is_rewritten_to_stand_alone(earlier, follow_up, understood):
    assert resolve(follow_up, Turn(earlier)) == understood


@pytest.mark.parametrize(("earlier", "question"), [
    ("Hoeveel asielaanvragen telde Nederland in 2021?", "Wie is Keir Starmer?"),
    ("Wie werd minister van Asiel en Migratie?", "Wie is Keir Starmer?"),
    ("Wat bood Sheinbaum aan?", "Wat zei Trump toen hij Mexico bezocht?"),
    ("Hoeveel zetels haalde de VVD in 2017?", "Hoe lang duurde de formatie na de verkiezingen van 2021?"),
    # "ze", "they", "hun", "haar" for a subject the question names itself, by name or noun.
    ("Hoeveel zetels haalde de PVV in 2023?", "Hoeveel zetels haalde de VVD en hoeveel hadden ze in 2017?"),
    ("Hoeveel zetels haalde de PVV in 2023?",
     "How many seats did Labour win in 2017 and what did they promise?"),
    ("Hoeveel zetels haalde de PVV in 2023?", "Waarom stemden de Britten voor de brexit en wat wilden ze?"),
    ("How many seats did the PVV win in November 2023?",
     "Which dangerous jungle do many migrants have to cross on their way to the United States?"),
    ("Wat zei Sheinbaum over Trump?", "Op welke bronnen baseert de krant haar berichtgeving?"),
    # "ze" after a turn that did not show whom it was about: as often anyone as her or them.
    ("Hoeveel mensen vroegen in 2015 asiel aan in Nederland?", "Waar kwamen ze vandaan?"),
    # "dat" and "die" joining clauses, and a demonstrative for the question's own period or for now.
    ("Waarom stapte de PVV in juni 2025 uit de coalitie?", "Wie zei dat migranten welkom zijn?"),
    ("Waarom stapte de PVV in juni 2025 uit de coalitie?", "Wie is de minister die aftrad?"),
    ("Waarom stapte de PVV in juni 2025 uit de coalitie?",
     "Hoeveel asielzoekers verwachtte het Duitse ministerie in augustus 2015 voor dat hele jaar?"),
    ("Hoeveel zetels haalde de PVV in 2023?", "Hoeveel asielaanvragen waren er dit jaar?"),
])  # fmt: skip
def test_a_question_that_stands_alone_is_left_as_it_is(earlier, question):
    assert resolve(question, Turn(earlier)) == question
    assert resolve(question, None) == question


def test_an_adverb_for_what_was_asked_about_is_replaced_by_its_names():
    # "Trump Mexico" is one run of capitals in the question; the answer has Trump on his own.
    earlier = Turn(
        "Wat bood Trump Mexico aan?",
        ("Sheinbaum heeft een aanbod van de Amerikaanse president Donald Trump afgewezen.",),
    )
    assert resolve("Wat zei hij daarover?", earlier) == "Wat zei Trump over Mexico?"
    assert resolve("What did he say about it?", earlier) == "What did Trump say about Mexico?"


@pytest.mark.parametrize("earlier", [
    Turn("Hoeveel zetels haalde de PVV bij de verkiezingen van november 2023?"),
    Turn("Waarom stapte de PVV in juni 2025 uit de coalitie?"),
    Turn("How many seats did the PVV win in November 2023?"),
    Turn("Wat zei Sheinbaum over Trump?"),
    Turn("Wie werd minister van Asiel en Migratie in het kabinet-Schoof?",
         ("De PVV levert onder anderen Marjolein Faber als minister van Asiel en Migratie.",)),
], ids=["party", "decision", "english", "person", "answered"])  # fmt: skip
def test_no_question_of_the_dev_archive_is_read_as_a_follow_up(earlier):
    """Each stands alone (it names what it asks about), whatever was asked before."""
    with (ROOT / "eval" / "devarchive" / "questions.tsv").open(encoding="utf-8") as rows:
        questions = [row[0] for row in csv.reader(rows, delimiter="\t", quoting=csv.QUOTE_NONE)][1:]
    assert len(questions) > 150
    assert [q for q in questions if resolve(q, earlier) != q] == []


MINISTER = Turn(
    "Wie werd minister van Asiel en Migratie in het kabinet-Schoof?",
    ("De PVV levert onder anderen Marjolein Faber als minister van Asiel en Migratie.",),
)
PARTY = Turn(
    "Welke partij werd de grootste bij de verkiezingen van november 2023?",
    ("De PVV van Geert Wilders is bij de Tweede Kamerverkiezingen de grootste partij geworden.",),
)


def test_zij_and_ze_stand_for_the_earlier_subject_she_or_they():
    # "ze" for a person keeps the verb: she is singular already.
    assert resolve("Wanneer trad ze af?", MINISTER) == "Wanneer trad Marjolein Faber af?"
    party = PARTY
    understood = "Hoeveel zetels haalde de PVV (in november 2023)?"
    assert resolve("Hoeveel zetels haalden zij?", party) == understood
    assert resolve("Wie is hun leider?", party) == "Wie is PVV's leider (in november 2023)?"


def test_a_group_in_place_of_they_takes_its_verb_in_the_singular():
    party = PARTY
    assert resolve("Wonnen ze in 2017 ook?", party) == "Won de PVV in 2017 ook?"
    assert resolve("Hoeveel stemmen kregen zij in 2021?", party) == "Hoeveel stemmen kreeg de PVV in 2021?"
    # A verb the table does not hold is left as it was.
    assert resolve("Hoeveel zetels behaalden ze in 2021?", party) == (
        "Hoeveel zetels behaalden de PVV in 2021?"
    )
    english = Turn("Which party won the election of November 2023?", party.answer)
    assert resolve("How many seats do they have now?", english).startswith("How many seats does ")


def test_a_party_that_opens_the_answer_is_whom_they_means():
    party = Turn(
        "Welke partij werd de grootste bij de verkiezingen van oktober 2025?",
        ("D66 is bij de Tweede Kamerverkiezingen de grootste partij geworden.",),
    )
    assert resolve("Hoeveel zetels haalden ze?", party) == "Hoeveel zetels haalde D66 (in oktober 2025)?"
    english = Turn("Which party won the election of October 2025?", party.answer)
    assert resolve("Who is their leader?", english) == "Who is D66's leader (in October 2025)?"


def test_the_person_an_earlier_answer_named_is_whom_a_pronoun_means():
    earlier = Turn(
        "Welke Turkse premier sprak in maart 2016 van een historische dag?",
        ("De Turkse premier Davutoglu sprak van een historische dag.",),
    )
    assert (
        resolve("Wat zei hij over de Syriërs?", earlier)
        == "Wat zei Davutoglu over de Syriërs (in maart 2016)?"
    )


def test_a_name_replaces_the_most_alike_of_the_earlier_ones():
    earlier = Turn("Hoeveel asielzoekers stuurde Nederland terug naar de EU in 2021?")
    alike = {"Nederland": 1.0, "EU": 0.2}
    assert resolve(
        "En Duitsland?", earlier, lambda name, names: max(range(len(names)), key=lambda i: alike[names[i]])
    ) == ("Hoeveel asielzoekers stuurde Duitsland terug naar de EU in 2021?")


# --- through qa.ask, on articles of the dev archive ----------------------------------------


@pytest.mark.parametrize(("first", "expected_first", "second", "expected_second"), [
    ("Hoeveel mensen vroegen in 2015 asiel aan in Nederland?", "58.880", "En in 2023?", "48.470"),
    ("Hoeveel migranten staken in 2019 in kleine boten het Kanaal over?", "1.890", "En in 2022?", "45.774"),
    ("Hoeveel zetels haalde de PVV bij de verkiezingen van november 2023?", "37 zetels",
     "En D66 in oktober 2025?", "26 zetels"),
    ("Hoe lang duurde de formatie na de verkiezingen van 2021?", "299 dagen", "En in 2017?", "225 dagen"),
    ("Hoeveel geld maakten Mexicaanse migranten in 2023 over naar hun familie?", "63,3 miljard dollar",
     "En in 2020?", "40,6 miljard dollar"),
    ("Wat wilde Trump in februari 2019 met de nationale noodtoestand?", "noodtoestand",
     "Hoeveel geld wilde hij in totaal voor de muur bijeenbrengen?", "8 miljard dollar"),
    # "ze" for the party asked about, and a bare reference to the decision asked about.
    ("Hoeveel zetels haalde de PVV bij de verkiezingen van november 2023?", "37 zetels",
     "Hoeveel zetels hadden ze in 2017?", "20 zetels"),
    ("Waarom stapte de PVV in juni 2025 uit de coalitie?", "coalitie",
     "Hoe noemde premier Schoof dat besluit?", "onverantwoordelijk en onnodig"),
])  # fmt: skip
def test_two_turn_conversations_are_answered(
    devarchive_index, first, expected_first, second, expected_second
):
    earlier = ask(first, index=devarchive_index)
    assert expected_first in earlier.text and earlier.understood is None
    followed = ask(second, index=devarchive_index, history=[earlier])
    assert followed.question == second and followed.understood and followed.understood != second
    assert expected_second in followed.text and not followed.abstained
    data = followed.to_dict()
    assert data["question"] == second and data["understood"] == followed.understood
    # A client that sends back the earlier answer's JSON gets the same reading.
    assert resolve(second, Turn.from_dict(earlier.to_dict())) == followed.understood


def test_a_follow_up_of_a_follow_up_builds_on_what_was_understood(devarchive_index):
    first = ask("Hoeveel migranten staken in 2019 in kleine boten het Kanaal over?", index=devarchive_index)
    second = ask("En in 2020?", index=devarchive_index, history=[first])
    third = ask("En in 2022?", index=devarchive_index, history=[first, second])
    assert third.understood == "Hoeveel migranten staken in 2022 in kleine boten het Kanaal over?"
    assert "45.774" in third.text


# --- periods named apart to compare ---------------------------------------------------------


def test_periods_named_apart_are_each_answered_from_their_own_article(devarchive_index):
    answer = ask("Hoeveel zetels haalde de PVV bij de verkiezingen van 2017 en 2023?", index=devarchive_index)
    assert "20 zetels" in answer.text and "37 zetels" in answer.text
    assert answer.notes[0].startswith("De vraag vergelijkt perioden (“van 2017”, “van 2023”)")
    # The passages are numbered anew, and each citation points at the passage that holds it.
    assert [p.rank for p in answer.passages] == list(range(1, len(answer.passages) + 1))
    for citation in answer.citations:
        passage = answer.passages[citation.number - 1]
        assert citation.article_id == passage.article.id and citation.text in passage.text
    assert {c.article_id for c in answer.citations} == {p.article.id for p in answer.passages[:2]}


def test_a_period_the_archive_does_not_answer_for_is_said(devarchive_index):
    answer = ask("Hoeveel mensen vroegen asiel aan in Nederland in 2015 en 2018?", index=devarchive_index)
    assert not answer.abstained and "58.880" in answer.text
    assert "Voor “in 2018” geven de gevonden passages geen duidelijk antwoord." in answer.notes
    nothing = ask("Hoeveel mensen vroegen asiel aan in Nederland in 2012 en 2018?", index=devarchive_index)
    assert nothing.abstained and len(nothing.notes) >= 3  # compared, neither answered, and why
