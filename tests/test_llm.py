"""LLM answers against a real local HTTP server that speaks chat completions, JSON and streamed.

Covers settings, the request, both reply modes, citation checking and every failure a user can hit.
"""

from __future__ import annotations

import json
import socket
import threading

import pytest

from qa.answer import NO_ANSWER, Answer
from qa.articles import Article, parse_article, scan_corpus
from qa.chunking import sentence_spans
from qa.errors import QAError
from qa.filters import Filters
from qa.llm import (
    LLMError,
    LLMSettings,
    build_messages,
    generate,
    is_no_answer,
    llm_answer,
    normalise_url,
    verify,
    with_fallback_note,
)
from qa.question import read_question
from qa.search import Passage
from qa.store import ArticleInfo
from tests.conftest import SEEDS
from tests.llm_server import FakeLLM, Reply


@pytest.fixture
def llm():
    server = FakeLLM()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


# --- passages cut from the seed articles ----------------------------------------------------


@pytest.fixture(scope="module")
def articles() -> dict[str, Article]:
    return {a.id: a for a in (parse_article(s) for s in scan_corpus(SEEDS))}


def passage(article: Article, rank: int, sentences: slice) -> Passage:
    """The given sentences of an article as a retrieved passage: text == article.text[start:end]."""
    spans = sentence_spans(article.text)[sentences]
    start, end = spans[0][0], spans[-1][1]
    info = ArticleInfo(article.id, article.title, article.date, article.category, article.url, article.path)
    return Passage(rank, 1.0 / rank, article.text[start:end], start, end, info)


@pytest.fixture(scope="module")
def passages(articles) -> list[Passage]:
    sheinbaum = articles["002_27063aa182962f19.txt"]  # Sheinbaum turns down Trump's troops
    starmer = articles["003_644458f05d8138fc.txt"]  # Starmer's summit on illegal migration
    return [passage(sheinbaum, 1, slice(0, 6)), passage(starmer, 2, slice(0, 3))]


QUESTION = "Wanneer sprak Sheinbaum met Trump over militairen?"
DATE_SENTENCE = "Volgens Sheinbaum vond het gesprek op 16 april plaats."


# --- settings -------------------------------------------------------------------------------


@pytest.fixture
def env(monkeypatch):
    for name in ("QA_LLM_URL", "QA_LLM_MODEL", "QA_LLM_API_KEY", "QA_LLM_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.mark.parametrize("given", [{}, {"QA_LLM_URL": "http://localhost:11434"}, {"QA_LLM_MODEL": "qwen3"}])
def test_no_settings_unless_url_and_model_are_both_set(env, given):
    for name, value in given.items():
        env.setenv(name, value)
    assert LLMSettings.from_env() is None


def test_settings_from_env(env):
    env.setenv("QA_LLM_URL", "http://localhost:11434")
    env.setenv("QA_LLM_MODEL", "qwen2.5:7b")
    env.setenv("QA_LLM_API_KEY", "secret")
    env.setenv("QA_LLM_TIMEOUT", "12.5")
    assert LLMSettings.from_env() == LLMSettings(
        url="http://localhost:11434/v1", model="qwen2.5:7b", timeout=12.5, api_key="secret"
    )


@pytest.mark.parametrize(
    ("given", "base"),
    [
        ("http://localhost:11434", "http://localhost:11434/v1"),
        ("http://localhost:11434/", "http://localhost:11434/v1"),
        ("http://localhost:8080/v1", "http://localhost:8080/v1"),
        ("http://localhost:8080/v1/", "http://localhost:8080/v1"),
        ("http://localhost:8080/v1/chat/completions", "http://localhost:8080/v1"),
        ("https://gateway.example/openai/v1", "https://gateway.example/openai/v1"),
    ],
)
def test_url_is_normalised_to_the_api_base(given, base):
    assert normalise_url(given) == base


@pytest.mark.parametrize("url", ["localhost:11434", "ftp://localhost/v1", "http://", "11434"])
def test_a_malformed_url_names_the_variable(env, url):
    env.setenv("QA_LLM_URL", url)
    env.setenv("QA_LLM_MODEL", "qwen3")
    with pytest.raises(QAError, match="QA_LLM_URL must be an http"):
        LLMSettings.from_env()


def test_a_malformed_timeout_names_the_variable(env):
    env.setenv("QA_LLM_URL", "http://localhost:11434")
    env.setenv("QA_LLM_MODEL", "qwen3")
    env.setenv("QA_LLM_TIMEOUT", "soon")
    with pytest.raises(QAError, match="QA_LLM_TIMEOUT"):
        LLMSettings.from_env()


# --- the prompt and the request -------------------------------------------------------------


@pytest.mark.parametrize("language", ["nl", "en"])
def test_messages_instruct_in_the_questions_language_and_number_the_passages(passages, language):
    system, user = build_messages(QUESTION, passages, language)
    assert system["role"] == "system"
    assert system["content"].endswith(NO_ANSWER[language])
    assert ("ALLEEN" in system["content"]) == (language == "nl")
    first = passages[0]
    assert user["content"].startswith(f"[1] {first.article.title} ({first.article.date})\n{first.text}")
    assert f"\n\n[2] {passages[1].article.title}" in user["content"]
    assert user["content"].endswith(QUESTION)


def test_the_request_carries_model_passages_and_question(llm, passages):
    llm.script(Reply("Op 16 april [1]."))
    text = generate(llm.settings(api_key="secret", max_tokens=99), QUESTION, passages, "nl")

    assert text == "Op 16 april [1]."
    (request,) = llm.received
    assert request.path == "/v1/chat/completions"
    assert request.headers["Authorization"] == "Bearer secret"
    assert request.body["model"] == "test-model"
    assert request.body["temperature"] == 0.0 and request.body["max_tokens"] == 99
    assert request.body["stream"] is False
    user = request.body["messages"][-1]["content"]
    assert passages[0].text in user and passages[1].text in user
    assert user.endswith(f"Vraag: {QUESTION}")


def test_a_streamed_reply_arrives_token_by_token_in_order(llm, passages):
    pieces = ("Het gesprek ", "was op ", "16 april", " [1].")
    llm.script(Reply(pieces))
    heard: list[str] = []

    text = generate(llm.settings(), QUESTION, passages, "nl", on_token=heard.append)

    assert heard == list(pieces)
    assert text == "Het gesprek was op 16 april [1]."
    assert llm.received[0].body["stream"] is True


def test_a_server_that_ignores_stream_still_answers(llm, passages):
    heard: list[str] = []
    llm.script(Reply(body=json.dumps({"choices": [{"message": {"content": "Op 16 april [1]."}}]}).encode()))
    assert generate(llm.settings(), QUESTION, passages, "nl", on_token=heard.append) == "Op 16 april [1]."
    assert heard == ["Op 16 april [1]."]


# --- citation checking ----------------------------------------------------------------------


def test_a_correct_citation_is_verified_and_points_at_the_sentence_verbatim(articles, passages):
    text, citations, notes = verify("Het gesprek was op 16 april, aldus Sheinbaum [1].", passages)

    assert text == "Het gesprek was op 16 april, aldus Sheinbaum [1]."
    (citation,) = citations
    assert (citation.number, citation.article_id, citation.verified) == (1, passages[0].article.id, True)
    assert citation.text == DATE_SENTENCE
    assert articles[citation.article_id].text[citation.start : citation.end] == citation.text
    assert notes == []


def test_an_english_claim_over_dutch_passages_is_verified_on_names_and_numbers(passages):
    _, (citation,), notes = verify("Sheinbaum says she spoke with Trump on 16 April [1].", passages)
    assert citation.verified and citation.text == DATE_SENTENCE
    assert notes == []


def test_a_citation_of_a_passage_without_the_claims_terms_is_flagged(articles, passages):
    claim = "Starmer sprak met meer dan 40 landen en organisaties"
    text, citations, notes = verify(f"{claim} [1].", passages)

    assert text == f"{claim} [1]."  # flagged, not hidden
    (citation,) = citations
    assert citation.number == 1 and not citation.verified
    assert articles[citation.article_id].text[citation.start : citation.end] == citation.text
    assert notes == [f'[1] does not support: "{claim}"']


@pytest.mark.parametrize("markers", ["[1, 2]", "[1][2]", "[1] [2]", "[1-2]"])
def test_one_claim_citing_two_passages_is_checked_against_each(passages, markers):
    text, citations, notes = verify(f"Starmer sprak met meer dan 40 landen {markers}.", passages)

    assert text == "Starmer sprak met meer dan 40 landen [1][2]."
    assert [(c.number, c.verified) for c in citations] == [(1, False), (2, True)]
    assert citations[1].text.startswith("Starmer sprak tijdens een bijeenkomst met meer dan 40 landen")
    assert len(notes) == 1 and notes[0].startswith("[1] does not support")


def test_an_out_of_range_marker_is_dropped_with_a_note(passages):
    reply = "Het gesprek was op 16 april [1][9]. Starmer sprak met 40 landen [9]."
    text, citations, notes = verify(reply, passages)

    assert text == "Het gesprek was op 16 april [1]. Starmer sprak met 40 landen."
    assert [c.number for c in citations] == [1]
    assert notes == ["[9] removed: there is no passage 9"]


def test_each_claim_is_the_sentence_before_its_markers(passages):
    reply = "Sheinbaum sprak Trump op 16 april [1]. Starmer sprak met 40 landen [1, 2]."
    _, citations, notes = verify(reply, passages)
    assert [(c.number, c.verified) for c in citations] == [(1, True), (1, False), (2, True)]
    assert notes == ['[1] does not support: "Starmer sprak met 40 landen"']


def test_an_answer_without_markers_is_noted(passages):
    assert verify("Sheinbaum sprak Trump op 16 april.", passages) == (
        "Sheinbaum sprak Trump op 16 april.",
        [],
        ["the answer cites no passage"],
    )


# --- the answer -----------------------------------------------------------------------------


def test_llm_answer_highlights_the_verified_sentences(llm, passages):
    llm.script(Reply(("<think>16 april staat in [1]</think>", "Het gesprek was op 16 april [1].")))
    heard: list[str] = []

    answer = llm_answer(llm.settings(), read_question(QUESTION), passages, Filters(), on_token=heard.append)

    assert isinstance(answer, Answer)
    assert (answer.source, answer.abstained, answer.language) == ("llm", False, "nl")
    assert answer.text == "Het gesprek was op 16 april [1]."
    assert [c.text for c in answer.citations] == [DATE_SENTENCE]
    first = answer.passages[0]
    assert [first.text[s:e] for s, e in first.highlights] == [DATE_SENTENCE]
    assert answer.passages[1].highlights == ()
    assert "".join(heard).endswith("[1].")


@pytest.mark.parametrize("reply", [NO_ANSWER["nl"], f"  “{NO_ANSWER['nl'].rstrip('.')}”\n"])
def test_the_no_answer_reply_abstains(llm, passages, reply):
    llm.script(Reply(reply))
    answer = llm_answer(llm.settings(), read_question("Wie won de Tour de France?"), passages, Filters())
    assert answer.abstained and answer.text == NO_ANSWER["nl"] and answer.citations == []
    assert all(p.highlights == () for p in answer.passages)


def test_no_passages_abstain_without_asking_the_server(llm):
    answer = llm_answer(llm.settings(), read_question("What is the weather?"), [], Filters())
    assert answer.abstained and answer.text == NO_ANSWER["en"] and llm.received == []


def test_is_no_answer_accepts_either_language():
    assert is_no_answer(NO_ANSWER["en"]) and is_no_answer(NO_ANSWER["nl"].upper())
    assert not is_no_answer(f"{NO_ANSWER['nl']} Wel over Mexico [1].")


# --- failures -------------------------------------------------------------------------------


def test_connection_refused(passages):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = LLMSettings(url=f"http://127.0.0.1:{port}/v1", model="m")
    with pytest.raises(LLMError, match="connection refused"):
        generate(settings, QUESTION, passages, "nl")


def test_timeout(llm, passages):
    llm.script(Reply("te laat", delay=0.5))
    with pytest.raises(LLMError, match=r"did not answer within 0\.1 s"):
        generate(llm.settings(timeout=0.1), QUESTION, passages, "nl")


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (Reply(status=500, body=b'{"error": "model \'qwen9\' not found"}'), r"HTTP 500: .*qwen9.* not found"),
        (Reply(status=404, body=b"404 page not found\n"), "HTTP 404: 404 page not found"),
        (Reply(body=b"<html>not json</html>"), "not JSON: '<html>not json</html>'"),
        (Reply(body=b'{"choices": []}'), r"no choices\[0\]\.message\.content"),
        (Reply(body=b'{"error": {"message": "out of\\nmemory"}}'), "reported an error: out of memory"),
    ],
)
def test_an_unusable_reply_raises_one_line(llm, passages, reply, message):
    llm.script(reply)
    with pytest.raises(LLMError, match=message) as raised:
        generate(llm.settings(), QUESTION, passages, "nl")
    assert "\n" not in str(raised.value)


def test_a_stream_cut_off_before_done_raises(llm, passages):
    llm.script(Reply(("Het gesprek ",), done=False))
    with pytest.raises(LLMError, match=r"ended before data: \[DONE\]"):
        generate(llm.settings(), QUESTION, passages, "nl", on_token=lambda _: None)


@pytest.mark.parametrize(
    ("events", "message"),
    [
        (b"data: {not json\n\n", "not JSON: '{not json'"),
        (b'data: {"choices": [{"text": "x"}]}\n\n', r"no choices\[0\]\.delta"),
    ],
)
def test_a_malformed_stream_event_raises_one_line(llm, passages, events, message):
    llm.script(Reply(body=events, content_type="text/event-stream"))
    with pytest.raises(LLMError, match=message) as raised:
        generate(llm.settings(), QUESTION, passages, "nl", on_token=lambda _: None)
    assert "\n" not in str(raised.value)


def test_fallback_keeps_the_extractive_answer_and_says_why(passages):
    extractive = Answer(QUESTION, f"{DATE_SENTENCE} [1]", passages, [], Filters(), False, "nl")
    error = LLMError("llm_refused", endpoint="http://127.0.0.1:9/v1/chat/completions")
    answer = with_fallback_note(extractive, error, "en")
    assert answer.text == extractive.text and answer.source == "extractive"
    assert answer.notes == (
        "LLM unavailable (cannot connect to the LLM server at http://127.0.0.1:9/v1/chat/completions "
        "(connection refused); is it running?); showing the extractive answer",
    )
    # Without a language the note is in the question's, like every other note.
    assert with_fallback_note(extractive, error).notes == (
        "Taalmodel niet beschikbaar (geen verbinding met de taalmodelserver op "
        "http://127.0.0.1:9/v1/chat/completions (geweigerd); draait hij?); dit is het extractieve antwoord",
    )


# --- through qa.ask, as the CLI and the app call it -----------------------------------------


def test_ask_uses_the_configured_llm_and_checks_its_citations(llm, env, seed_index):
    from qa.answering import ask

    llm.script(Reply(content=("Trump stelde voor Amerikaanse militairen ", "naar Mexico te sturen [1].")))
    env.setenv("QA_LLM_URL", f"http://127.0.0.1:{llm.server_port}")
    env.setenv("QA_LLM_MODEL", "test-model")
    tokens: list[str] = []
    answer = ask("Wat stelde Trump voor aan Sheinbaum?", index=seed_index, on_token=tokens.append)
    assert answer.source == "llm" and "".join(tokens).startswith("Trump stelde voor")
    assert answer.citations and all(c.verified for c in answer.citations)
    assert answer.passages[answer.citations[0].number - 1].article.id.startswith("002")
    assert llm.received[0].body["model"] == "test-model"


def test_an_llm_answer_the_passages_do_not_support_carries_the_reason(llm, env, seed_index):
    from qa.answering import ask

    llm.script(Reply(content="Canada beperkte het aantal tijdelijke migranten met quota [1]."))
    env.setenv("QA_LLM_URL", f"http://127.0.0.1:{llm.server_port}")
    env.setenv("QA_LLM_MODEL", "test-model")
    question = "Welke maatregelen nam Canada om het aantal tijdelijke migranten te beperken?"
    answer = ask(question, index=seed_index)
    assert answer.source == "llm" and not answer.abstained
    assert "De gevonden passages noemen Canada niet." in answer.notes


def test_an_llm_answers_compared_periods_from_the_passages_of_each(llm, env, devarchive_index):
    from qa.answering import ask

    llm.script(Reply(content="In 2017 haalde de PVV 20 zetels [1], in 2023 37 zetels [2]."))
    env.setenv("QA_LLM_URL", f"http://127.0.0.1:{llm.server_port}")
    env.setenv("QA_LLM_MODEL", "test-model")
    answer = ask("Hoeveel zetels haalde de PVV bij de verkiezingen van 2017 en 2023?", index=devarchive_index)
    assert answer.source == "llm" and answer.period is None
    dates = [p.article.date[:4] for p in answer.passages[:2]]
    assert dates == ["2017", "2023"]  # the model was given the passages of both searches
    prompt = json.dumps(llm.received[0].body, ensure_ascii=False)
    assert "20 zetels" in prompt and "37 zetels" in prompt


def test_ask_falls_back_to_the_extractive_answer_when_the_llm_is_down(env, seed_index):
    from qa.answering import ask

    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env.setenv("QA_LLM_URL", f"http://127.0.0.1:{port}/v1")
    env.setenv("QA_LLM_MODEL", "test-model")
    answer = ask("Wat stelde Trump voor aan Sheinbaum?", index=seed_index)
    assert answer.source == "extractive" and answer.citations
    assert any(note.startswith("Taalmodel niet beschikbaar (geen verbinding") for note in answer.notes)
    # A reader with an English page reads the note in English.
    answer = ask("Wat stelde Trump voor aan Sheinbaum?", index=seed_index, language="en")
    assert any(note.startswith("LLM unavailable (cannot connect") for note in answer.notes)
