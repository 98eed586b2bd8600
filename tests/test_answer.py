"""Extractive answers: verbatim cited sentences, highlights, abstention, and their quality."""

from __future__ import annotations

import json

import numpy as np
import pytest

from qa.answer import (
    FEATURES,
    NO_ANSWER,
    AnswerSettings,
    Sentence,
    _period_feature,
    candidate_sentences,
    choose,
    score_sentences,
    speakers,
    term_matcher,
    verb_base,
)
from qa.answering import ask
from qa.chunkstore import ArticleInfo
from qa.cli import main
from qa.evaluate import load_questions
from qa.lexical import terms
from qa.question import read_period, read_question
from qa.search import Passage, Retriever
from tests.conftest import ROOT

DEV = load_questions(ROOT / "eval" / "dev.tsv")


@pytest.fixture(scope="module")
def retriever(seed_index):
    opened = Retriever.open(seed_index)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def answers(retriever):
    return {q.question: ask(q.question, retriever=retriever) for q in DEV}


def test_every_cited_sentence_is_verbatim_at_its_span(answers, retriever):
    for answer in answers.values():
        for citation in answer.citations:
            article = retriever.article_text(citation.article_id)
            assert article[citation.start : citation.end] == citation.text
            assert f"{citation.text} [{citation.number}]" in answer.text
            passage = answer.passages[citation.number - 1]
            assert passage.article.id == citation.article_id
            spans = [passage.text[s:e] for s, e in passage.highlights]
            assert citation.text in spans


def test_how_many_passages_are_shown_does_not_change_the_answer(answers, retriever):
    """The answer is drafted from the best passages whatever k; a passage beyond the k shown that
    an answer sentence is from is shown after them, numbered on."""
    for question in [q.question for q in DEV][:20]:
        wide = ask(question, 10, retriever=retriever)
        one = ask(question, 1, retriever=retriever)
        assert [c.text for c in one.citations] == [c.text for c in wide.citations], question
        assert [p.rank for p in one.passages] == list(range(1, len(one.passages) + 1))
        assert len(one.passages) <= 1 + len({c.number for c in one.citations})
        for citation in one.citations:
            passage = one.passages[citation.number - 1]
            assert passage.article.id == citation.article_id and citation.text in passage.text


def test_answers_hold_the_expected_string(answers):
    answerable = [q for q in DEV if q.answer]
    held = [q for q in answerable if q.answer in answers[q.question].text]
    # EVAL.md: 51/59 (86.4 %); answers no longer take sentences of other articles.
    assert len(held) / len(answerable) >= 0.82, [q.question for q in answerable if q not in held]


def test_an_answer_keeps_to_one_article(answers):
    for answer in answers.values():
        assert len({c.article_id for c in answer.citations}) <= 1, answer.text


def test_which_newspaper_is_answered_by_the_sentence_naming_the_source(answers):
    question = "Which newspaper reported that the White House wanted to release migrants in sanctuary cities?"
    assert "schrijft The Washington Post" in answers[question].text


def _sentence_of(text: str, published: str, article_relevance: float) -> Sentence:
    article = ArticleInfo("a", "Titel", published, None, None, "a.txt")
    passage = Passage(1, 1.0, text, 0, len(text), article, article_relevance=article_relevance)
    return Sentence(passage, 0, len(text), text)


def test_a_year_after_the_articles_own_is_a_forecast_not_what_the_sentence_reports():
    period, years = read_period("Hoeveel koopwoningen werden er in 2022 verkocht?"), frozenset({2022})
    forecast = _sentence_of("Rabobank rekent voor 2022 op een stijging van 10 procent.", "2021-06", 0.0)
    report = _sentence_of("In 2022 werden 193.000 koopwoningen verkocht.", "2023-01", 0.4)
    plan = _sentence_of("Volgend jaar organiseert Nederland het Songfestival.", "2021-05", 0.0)
    assert _period_feature(period, years, forecast) == 0.0  # its article's relevance: none
    assert _period_feature(period, years, report) == 1.0
    assert _period_feature(period, years, plan) == 0.0
    # In its own year too, what a sentence says is expected is not what happened, unless the
    # question asks what is expected.
    expected = _sentence_of("Rabobank rekent voor 2022 op een stijging van 10 procent.", "2022-01", 0.0)
    assert _period_feature(period, years, expected) == 0.0
    assert _period_feature(period, years, expected, asks_expected=True) == 1.0
    # A question asking what is planned for a later year is answered by the plan.
    plan_2030 = _sentence_of("Het bedrijf wil rond 2030 een hoogoven sluiten.", "2024-02", 0.0)
    period_2030, years_2030 = read_period("Wat wil Tata Steel rond 2030 bouwen?"), frozenset({2030})
    assert _period_feature(period_2030, years_2030, plan_2030) == 0.0
    assert _period_feature(period_2030, years_2030, plan_2030, asks_expected=True) == 1.0
    # Another year a sentence names is background: it does not sink below its article.
    background = _sentence_of("De machines zouden eind 2021 worden geleverd.", "2022-01", 0.6)
    assert _period_feature(period, years, background) == 0.6


def test_a_heading_does_not_join_an_answer_as_a_companion():
    text = "Brexit Zorgen zijn er over het Verenigd Koninkrijk. Daar gaat een kwart van de bollen heen."
    article = ArticleInfo("a", "Titel", "2020-02", None, None, "a.txt")
    passage = Passage(1, 1.0, text, 0, len(text), article)
    heading = Sentence(passage, 0, 6, "Brexit", score=11.0, typed=True)
    worries = Sentence(passage, 7, 51, text[7:51], score=12.0, typed=True)
    share = Sentence(passage, 52, len(text), text[52:], score=11.5, typed=True)
    assert choose([heading, worries, share], AnswerSettings(keep_within=3.0)) == [worries, share]


def test_a_question_the_article_asks_is_no_candidate_answer():
    text = 'Waarom Ommen? De gemeente wil niet wachten. "Wat moeten we anders?", zei de burgemeester.'
    article = ArticleInfo("a", "Titel", "2023-09", None, None, "a.txt")
    found = [s.text for s in candidate_sentences([Passage(1, 1.0, text, 0, len(text), article)])]
    assert found == ["De gemeente wil niet wachten.", '"Wat moeten we anders?", zei de burgemeester.']


def test_a_reason_that_points_back_brings_the_sentence_before_it():
    text = "Het schip vaart onder Nederlandse vlag. Salvini vindt daarom dat Nederland hen moet opnemen."
    article = ArticleInfo("a", "Titel", "2019-06", None, None, "a.txt")
    passage = Passage(1, 1.0, text, 0, len(text), article)
    flag = Sentence(passage, 0, 38, text[:38], score=12.6)
    therefore = Sentence(passage, 39, len(text), text[39:], score=17.7, typed=True)
    settings = AnswerSettings(keep_within=1.0)
    assert choose([flag, therefore], settings) == [therefore]
    assert choose([flag, therefore], settings, asks_reason=True) == [flag, therefore]


def test_a_question_asking_no_kind_takes_any_close_sentence_of_the_article():
    text = "De luchthaven moest zes keer dicht. Er kwamen ballonnen over. De ballonnen vervoeren sigaretten."
    article = ArticleInfo("a", "Titel", "2025-10", None, None, "a.txt")
    passage = Passage(1, 1.0, text, 0, len(text), article)
    closed = Sentence(passage, 0, 35, text[:35], score=15.7)
    carried = Sentence(passage, 67, len(text), text[67:], score=14.2)
    settings = AnswerSettings(keep_within=5.0)
    # Not the best one's neighbour, and no kind it could hold: only an open question takes it.
    assert choose([closed, carried], settings) == [closed]
    assert choose([closed, carried], settings, open_ended=True) == [closed, carried]


def test_the_meaning_measures_given_are_features_of_the_sentence_score():
    question = read_question("Wie zou Nederland op het Songfestival vertegenwoordigen?")
    sentences = [
        _sentence_of("Nederland zou worden vertegenwoordigd door Jeangu Macrooy.", "2020-03", 0.0),
        _sentence_of("Rotterdam werd in augustus gekozen.", "2020-03", 0.0),
    ]
    vectors = np.zeros((2, 4), np.float32)
    scored = score_sentences(
        question,
        sentences,
        np.zeros(4, np.float32),
        vectors,
        lambda t: 1.0,
        AnswerSettings(),
        [0.9, 0.4],
        [0.8, 0.5],
    )
    at = FEATURES.index("meaning"), FEATURES.index("meaning_context")
    assert [tuple(s.features[i] for i in at) for s in scored] == [(0.9, 0.8), (0.4, 0.5)]
    # The sentence closer in meaning scores higher; none given counts as nothing.
    assert scored[0].score > scored[1].score
    unmeasured = score_sentences(
        question, sentences, np.zeros(4, np.float32), vectors, lambda t: 1.0, AnswerSettings()
    )
    assert all(s.features[i] == 0.0 for s in unmeasured for i in at)


def test_a_verb_form_matches_the_question_s_other_form_of_that_verb():
    question = read_question("Wie leidt de BBB-fractie in de Eerste Kamer?")
    sentences = [
        _sentence_of("De fractie wordt geleid door de Drentse ondernemer Henk Bolhuis.", "2023-05", 0.0),
        _sentence_of("De fractie wordt gevormd door de Drentse ondernemer Henk Bolhuis.", "2023-05", 0.0),
    ]
    scored = score_sentences(
        question,
        sentences,
        np.zeros(4, np.float32),
        np.zeros((2, 4), np.float32),
        lambda t: 1.0,
        AnswerSettings(),
    )
    overlap, novel = FEATURES.index("overlap"), FEATURES.index("novel")
    assert scored[0].features[overlap] > scored[1].features[overlap] > 0
    # "geleid" says nothing the question does not: it is no new word.
    assert scored[0].features[novel] < scored[1].features[novel]
    assert verb_base("leidt") == verb_base("leid") == "leid"
    assert verb_base("betaald") == "betaal"
    assert verb_base("wet") == "wet"


@pytest.mark.parametrize(
    ("question", "sentence", "held"),
    [
        ("Wie leidt de fractie?", "De fractie wordt geleid door Henk Bolhuis.", {"leidt", "fractie"}),
        # A part of a compound: its head is the thing asked, of a kind the question leaves open.
        ("Hoeveel zetels won BBB?", "BBB komt uit op 137 Statenzetels.", {"zetel", "bbb"}),
        ("Wie leidt de fractie?", "De BBB-fractie koos een nieuwe leider.", {"fractie"}),
        ("Wie benutte de strafschop?", "Hij scoorde vanaf de strafschopstip.", {"strafschop"}),
        ("Welk verdrag?", "Het vrijhandelsverdrag.", {"verdrag"}),
        # Not a compound of the question's by its head alone, nor a short word inside another.
        ("Welk vrijhandelsverdrag?", "Het verdrag werd getekend.", set()),
        ("Wat besloot de raad?", "De voorraad is op.", set()),
        # A place for its adjective, and the other way round.
        (
            "Hoeveel Gelderse bedrijven wachten?",
            "In Gelderland wachten 1.460 bedrijven.",
            {"lders", "bedrijf", "wacht"},
        ),
        ("Wie won in Haarlem?", "De Haarlemse wethouder won.", {"haarlem", "won"}),
        # A compound of two of the question's words, with or without a linking -s- or -en-.
        ("Hoeveel koeien voor de melk zijn er?", "Er zijn 1,5 miljoen melkkoeien.", {"koei", "melk"}),
        ("Hoeveel stegen de prijzen van huizen?", "De huizenprijzen daalden.", {"prijs", "huis"}),
        ("Hoe krap is de markt voor arbeid?", "De arbeidsmarkt is krap.", {"arbeid", "mark", "krap"}),
        # Not by its head alone when that is short.
        ("Hoeveel koeien zijn er?", "Er zijn 1,5 miljoen melkkoeien.", set()),
    ],
)
def test_a_sentence_holds_a_question_term_inflected_or_as_part_of_a_compound(question, sentence, held):
    read = read_question(question)
    match = term_matcher(set(read.terms), read.names, question.lower().replace("?", "").split())
    assert set().union(*map(match, terms(sentence))) == held


def test_quoted_sentences_take_the_speaker_of_their_quotation():
    texts = [
        '"De uitwijzingen zullen legaal gebeuren", zei minister John Kelly donderdag in Mexico-Stad.',
        '"Onze focus ligt op criminele migranten".',
        "In de VS leven 5,8 miljoen Mexicanen zonder papieren.",
        '"We maken een complexe periode mee", zei minister Luis Videgaray na de gesprekken.',
        '"Een aantal uitspraken heeft voor irritatie gezorgd.',
        'Het beste pad is het pad van de dialoog".',
        'Maar: "Sterke staten hebben soms meningsverschillen".',
        'Een krant noemt het een "militaire operatie" van de regering.',
    ]
    gaps = [" ", " ", "\n\n", " ", " ", "\n\n", "\n\n"]
    assert speakers(texts, gaps) == [
        "",  # names its speaker itself
        ", zei minister John Kelly",  # the time and place of speaking are left out
        "",  # not quoted
        "",
        ", zei minister Luis Videgaray",  # a quotation over two sentences
        ", zei minister Luis Videgaray",
        "",  # a paragraph break ends the run: no speaker to take
        "",  # a quoted phrase inside a sentence of its own
    ]


def test_near_miss_questions_abstain_and_say_why(answers):
    unanswerable = [q for q in DEV if not q.answer]
    answered = [q.question for q in unanswerable if not answers[q.question].abstained]
    assert len(answered) <= 0.15 * len(unanswerable), answered  # EVAL.md: 6 of 7 abstain
    for q in unanswerable:
        answer = answers[q.question]
        if answer.abstained:
            assert answer.text == NO_ANSWER[answer.language] and answer.passages and not answer.citations
    canada = answers["Welke maatregelen nam Canada om het aantal tijdelijke migranten te beperken?"]
    assert "De gevonden passages noemen Canada niet." in canada.notes
    wall = answers["Hoeveel kilometer grensmuur werd er tijdens Trumps eerste termijn daadwerkelijk gebouwd?"]
    assert "Geen gevonden passage noemt een afstand." in wall.notes


def test_a_separable_verb_is_no_missing_word_when_its_whole_form_is_there(retriever):
    # "Wat bood Trump aan?": the article speaks of Trump's "aanbod", so "bood" is no word it lacks.
    answer = ask("Wat bood Trump aan?", retriever=retriever)
    assert not any("‘bood’" in note for note in answer.notes)


def test_answerable_questions_rarely_abstain(answers):
    answerable = [q for q in DEV if q.answer]
    abstained = [q.question for q in answerable if answers[q.question].abstained]
    # EVAL.md: 4/59 (6.8 %): the rule weighs word overlap, and these questions paraphrase their
    # articles more than the dev archive's do.
    assert len(abstained) / len(answerable) <= 0.1, abstained


def test_answers_are_one_to_three_sentences(answers):
    for answer in answers.values():
        assert answer.abstained or 1 <= len(answer.citations) <= 3


def test_abstaining_keeps_the_closest_passages_in_the_question_language(retriever):
    dutch = ask("Hoe maak je een goede pindasaus?", retriever=retriever)
    assert dutch.abstained and dutch.text == NO_ANSWER["nl"] and dutch.passages and not dutch.citations
    assert dutch.notes and 0 <= dutch.evidence < 0.5
    english = ask("How do I remove limescale from my kettle?", retriever=retriever)
    assert english.text == NO_ANSWER["en"]
    record = english.to_dict()
    assert record["abstained"] is True and all(p["weak"] for p in record["passages"])


def test_a_question_for_an_amount_in_a_unit_needs_a_sentence_giving_one(retriever):
    answer = ask("Hoeveel kilometer grensmuur werd er in 2023 gebouwd?", retriever=retriever)
    assert answer.abstained and answer.notes == ("Geen gevonden passage noemt een afstand.",)
    # "Hoe lang" is answered by a duration or a length, not by a sentence that has neither.
    answer = ask("Hoe lang duurde de bouw van de Mexicaanse muur?", retriever=retriever)
    assert answer.abstained and answer.notes == ("Geen gevonden passage noemt een duur.",)


def test_ask_json_adds_answer_fields_to_the_spine_format(capsys, index):
    assert main(["ask", "--index", str(index), "--json", "Welk aanbod wees Sheinbaum af?"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert set(record) >= {
        "question",
        "passages",
        "answer",
        "citations",
        "highlights",
        "filters",
        "abstained",
    }
    assert record["answer"]["text"] and record["abstained"] is False
    assert record["citations"][0]["passage"] >= 1 and record["passages"][0]["article"]["id"]
    for h in record["highlights"]:
        passage = record["passages"][h["passage"] - 1]
        assert any(c["text"] == passage["text"][h["start"] : h["end"]] for c in record["citations"])


def test_ask_shows_the_answer_first_then_marked_passages(capsys, index):
    assert main(["ask", "--index", str(index), "Wat zei Kelly in 2017 over de uitwijzingen?", "-k", "2"]) == 0
    out = capsys.readouterr().out
    head = out.split("\n\n")
    assert head[0].startswith("? ") and "[1]" in head[1]
    assert "period: De vraag noemt een periode (2017, “in 2017”)" in out
    assert "«" in out and "»" in out


def test_ask_filters_from_the_command_line(capsys, index):
    assert (
        main(["ask", "--index", str(index), "--json", "--since", "2025", "--category", "buitenland", "x"])
        == 0
    )
    record = json.loads(capsys.readouterr().out)
    assert record["passages"] == [] and record["abstained"] is True
    assert main(["ask", "--index", str(index), "--since", "gisteren", "x"]) == 1
    assert "--since must be a date" in capsys.readouterr().err


def test_answer_sentences_use_the_vectors_stored_at_build_time(retriever):
    from dataclasses import replace

    from qa.answer import candidate_sentences
    from qa.answering import _encode, _sentence_vectors

    found = retriever.retrieve("Wat bood Trump aan Sheinbaum aan?", 4)
    sentences = candidate_sentences(found.passages)
    encoded = _encode(retriever, [s.text for s in sentences])
    keys = [(s.passage.article.id, s.start, s.end) for s in sentences]
    assert len(retriever.sentence_vectors(keys)) == len(set(keys)) > 3
    assert abs(_sentence_vectors(retriever, sentences) - encoded).max() < 2e-3  # stored as fp16
    # A span the build did not embed (a passage split at question time) is encoded instead.
    odd = [replace(sentences[0], start=sentences[0].start + 1, text=sentences[0].text[1:]), *sentences[1:]]
    mixed = _sentence_vectors(retriever, odd)
    assert abs(mixed[0] - _encode(retriever, [odd[0].text])[0]).max() < 1e-5
    assert abs(mixed[1:] - encoded[1:]).max() < 2e-3
