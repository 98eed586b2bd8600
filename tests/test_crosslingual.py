"""A question's words matched to the words of the sentences found: an English question's to Dutch
ones, so that the sentence score can count them, and any question's, to measure how much of what
it asks a sentence speaks of."""

from __future__ import annotations

import pytest

from qa.crosslingual import bridged, meaning_held
from qa.lexical import terms
from qa.question import read_question

SENTENCES = [
    "Het kabinet van premier Rutte kreeg bij de verkiezingen de meeste zetels.",
    "De opkomst lag met 78 procent hoog.",
]


@pytest.fixture(scope="module")
def encode(encoder):
    return lambda texts: encoder.encode(texts, normalize_embeddings=True, convert_to_numpy=True)


def test_an_english_question_gains_the_dutch_words_closest_to_its_own(encode):
    question = read_question("How many seats did the cabinet win in the election?")
    assert question.language == "en"
    found = bridged(question, SENTENCES, encode, "test-model")
    added = set(found.terms) - set(question.terms)
    # "seats" is "zetels", "election" "verkiezingen", "cabinet" "kabinet": each now counts in the
    # sentence score.
    assert set(terms("zetels verkiezingen kabinet")) <= added
    # ... and in BM25's text, so that the question can search by words as a Dutch one does.
    assert {"zetels", "verkiezingen", "kabinet"} <= set(found.lexical.split())
    # Words far from every word of the sentences gain no Dutch word: no stray match for "why" or
    # "did". "win" has none close enough: it stays a term of its own, one the sentences lack.
    assert added - set(terms(" ".join(SENTENCES))) == set(terms("win"))
    assert "win" not in found.lexical.split()


def test_what_an_english_question_counts_is_found_next_to_a_dutch_number(encode):
    question = read_question("How many seats did the cabinet win in the election?")
    found = bridged(question, SENTENCES, encode, "test-model")
    # "seats" is the focus: "zetels" joins it, so that "37 zetels" stands next to it.
    assert set(terms("zetels")) <= set(found.focus) and set(question.focus) <= set(found.focus)
    sentence = "De partij kreeg 37 zetels."
    assert found.focused(sentence, found.answers_in(sentence)) > question.focused(
        sentence, question.answers_in(sentence)
    )


def test_a_dutch_question_is_left_as_it_is(encode):
    question = read_question("Hoeveel zetels kreeg het kabinet bij de verkiezingen?")
    assert bridged(question, SENTENCES, encode, "test-model") is question


def test_nothing_to_match_leaves_the_question_as_it_is(encode):
    question = read_question("How many seats did the cabinet win?")
    assert bridged(question, [], encode, "test-model") is question


def test_function_words_gain_nothing(encode):
    # "from" / "vanaf" are 0.87 close under the encoder, "how" / "hoe" too: no topic in them.
    question = read_question("How do I get from here to there?")
    found = bridged(question, ["Hoe kom je vanaf hier daar?"], encode, "test-model")
    assert set(found.terms) == set(question.terms)


def test_auxiliaries_gain_nothing(encode):
    # "did" is 0.82 close to "maakte", yet says nothing of the topic; scikit-learn's list lacks it.
    question = read_question("Why did the cabinet resign?")
    found = bridged(question, ["Het kabinet maakte bekend dat het aftreedt."], encode, "test-model")
    assert set(found.terms) - set(question.terms) == set(terms("kabinet resign"))


def test_a_word_the_evidence_has_nothing_close_to_counts_as_one_it_lacks(encode):
    # A Dutch question's word that a sentence lacks lowers the share of the question it holds; an
    # English word with no Dutch word close to it must do the same, not vanish from the question.
    question = read_question("How many spectators saw the election debate?")
    found = bridged(question, SENTENCES, encode, "test-model")
    assert set(terms("spectators")) <= set(found.terms)
    assert "spectators" not in found.lexical.split()  # it searches for nothing
    assert set(terms("verkiezingen")) <= set(found.terms)


def test_a_sentence_that_speaks_of_what_is_asked_holds_more_of_its_meaning(encode):
    # The answer, in other forms of the question's words (and across languages), against a
    # sentence of the same story about something else: the near miss's situation.
    texts = [
        "Nederland zou worden vertegenwoordigd door Jeangu Macrooy.",
        "Rotterdam werd in augustus gekozen, na een strijd met Maastricht.",
        "",
    ]
    for asked in (
        "Wie zou Nederland op het Songfestival vertegenwoordigen?",
        "Who would represent the Netherlands?",
    ):
        held, together = meaning_held(read_question(asked), texts, encode, "test-model", [[0, 1], [1, 2]])
        assert held[0] > held[1] and held[2] == 0.0
        # A sentence with its neighbours holds each asked word as closely as the best of them.
        assert together[0] >= held[0] and together[1] == held[1]
    # A question of names and function words alone asks nothing the measure can weigh.
    nothing = meaning_held(read_question("Wie is Jeangu Macrooy?"), texts, encode, "test-model", [[0, 1]])
    assert nothing == ([0.0] * 3, [0.0])
