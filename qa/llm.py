"""Passages → Answer written by an LLM behind an OpenAI-compatible server, its [n] citations checked.

Holds settings, prompt, HTTP call and citation checks; retrieval and extraction live elsewhere.
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.request
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from qa.answer import NO_ANSWER, Answer, Citation, highlight
from qa.chunking import sentence_spans
from qa.errors import QAError
from qa.filters import Filters
from qa.lexical import terms
from qa.question import Question
from qa.search import Passage
from qa.translations import say


class LLMError(QAError):
    """The LLM server could not be reached or gave no usable answer; callers fall back to extraction."""


@dataclass(frozen=True)
class LLMSettings:
    url: str  # base URL of the OpenAI-compatible API, e.g. http://localhost:11434/v1
    model: str
    timeout: float = 60.0  # seconds per connect or read; a streamed answer may take longer in all
    api_key: str | None = None
    max_tokens: int = 400
    temperature: float = 0.0  # the same passages should give the same answer

    @classmethod
    def from_env(cls) -> LLMSettings | None:
        """QA_LLM_URL and QA_LLM_MODEL (both needed), QA_LLM_API_KEY and QA_LLM_TIMEOUT (optional)."""
        url = os.environ.get("QA_LLM_URL", "").strip()
        model = os.environ.get("QA_LLM_MODEL", "").strip()
        if not url or not model:
            return None
        timeout = os.environ.get("QA_LLM_TIMEOUT", "").strip()
        return cls(
            url=normalise_url(url, "QA_LLM_URL"),
            model=model,
            timeout=_seconds(timeout, "QA_LLM_TIMEOUT") if timeout else cls.timeout,
            api_key=os.environ.get("QA_LLM_API_KEY", "").strip() or None,
        )


def normalise_url(url: str, name: str = "url") -> str:
    """The API base URL, from a bare host (…:11434), a …/v1 base, or a full …/chat/completions path.

    A path other than /v1 is kept as given: some gateways serve the API under their own prefix.
    """
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise QAError("error_llm_url", name=name, url=repr(url))
    path = parts.path.rstrip("/").removesuffix("/chat/completions").rstrip("/")
    return f"{parts.scheme}://{parts.netloc}{path or '/v1'}"


def _seconds(value: str, name: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        seconds = 0.0
    if not seconds > 0:
        raise QAError("error_llm_seconds", name=name, value=repr(value))
    return seconds


_SYSTEM = {
    "nl": (
        "Je beantwoordt vragen over nieuwsartikelen. Gebruik ALLEEN de genummerde passages die je "
        "krijgt, niet je eigen kennis. Antwoord in het Nederlands, kort: 1 tot 4 zinnen. Zet na elke "
        "bewering het nummer van de passage waar die vandaan komt tussen vierkante haken, bijvoorbeeld "
        "[1], of [1][3] als hij uit meer passages komt. Staat het antwoord niet in de passages, "
        "antwoord dan precies: {no_answer}"
    ),
    "en": (
        "You answer questions about news articles. Use ONLY the numbered passages you are given, not "
        "your own knowledge. Answer in English, briefly: 1 to 4 sentences. After each claim, put the "
        "number of the passage it comes from in square brackets, for example [1], or [1][3] when it "
        "comes from more than one passage. If the passages do not contain the answer, reply exactly: "
        "{no_answer}"
    ),
}
_QUESTION = {"nl": "Vraag", "en": "Question"}


def build_messages(question: str, passages: list[Passage], language: str) -> list[dict]:
    """The chat: instructions in the question's language, then the numbered passages and the question."""
    numbered = []
    for passage in passages:
        date = f" ({passage.article.date})" if passage.article.date else ""
        numbered.append(f"[{passage.rank}] {passage.article.title}{date}\n{passage.text}")
    user = "\n\n".join([*numbered, f"{_QUESTION[language]}: {question}"])
    return [
        {"role": "system", "content": _SYSTEM[language].format(no_answer=NO_ANSWER[language])},
        {"role": "user", "content": user},
    ]


def generate(
    settings: LLMSettings,
    question: str,
    passages: list[Passage],
    language: str,
    on_token: Callable[[str], None] | None = None,
) -> str:
    """The model's reply; streamed piece by piece to `on_token` when one is given."""
    endpoint = f"{normalise_url(settings.url)}/chat/completions"
    body = {
        "model": settings.model,
        "messages": build_messages(question, passages, language),
        "temperature": settings.temperature,
        "max_tokens": settings.max_tokens,
        "stream": on_token is not None,
    }
    headers = {"Content-Type": "application/json"}
    if settings.api_key:
        headers["Authorization"] = f"Bearer {settings.api_key}"
    request = urllib.request.Request(endpoint, json.dumps(body).encode("utf-8"), headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=settings.timeout) as response:
            # Some servers ignore `stream` and send one JSON document; that is still an answer.
            if on_token is None or "json" in response.headers.get("Content-Type", ""):
                text = _message(response.read())
                if on_token is not None:
                    on_token(text)
                return text
            return "".join(_stream(response, on_token))
    except urllib.error.HTTPError as error:
        raise LLMError("llm_http", endpoint=endpoint, code=error.code, detail=_excerpt(error)) from error
    except urllib.error.URLError as error:
        raise _unreachable(endpoint, error.reason, settings.timeout) from error
    except (TimeoutError, ConnectionError) as error:
        raise _unreachable(endpoint, error, settings.timeout) from error


def _unreachable(endpoint: str, reason: object, timeout: float) -> LLMError:
    if isinstance(reason, TimeoutError):
        return LLMError("llm_timeout", endpoint=endpoint, seconds=f"{timeout:g}")
    if isinstance(reason, ConnectionRefusedError):
        return LLMError("llm_refused", endpoint=endpoint)
    return LLMError("llm_unreachable", endpoint=endpoint, detail=_one_line(str(reason)))


def _excerpt(error: urllib.error.HTTPError) -> str:
    try:
        body = error.read(300).decode("utf-8", "replace")
    except OSError:
        body = ""
    return _one_line(body) or error.reason or "no details"


def _one_line(text: str, limit: int = 200) -> str:
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def _message(data: bytes) -> str:
    """choices[0].message.content of a chat-completions reply."""
    payload = _json(data)
    try:
        content = payload["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        content = None
    if not isinstance(content, str):
        raise LLMError("llm_malformed", what="no choices[0].message.content", shown=_shown(data))
    return content


def _stream(lines: Iterable[bytes], on_token: Callable[[str], None]) -> Iterable[str]:
    """The content pieces of a server-sent-events reply, up to `data: [DONE]`."""
    for raw in lines:
        line = raw.decode("utf-8", "replace").strip()
        # Blank lines separate events; `:` comments and `event:` lines carry no text.
        if not line.startswith("data:"):
            continue
        data = line.removeprefix("data:").strip()
        if data == "[DONE]":
            return
        payload = _json(data.encode("utf-8"))
        try:
            choices = payload["choices"]
            # The first event carries only the role, the last only the finish reason.
            piece = choices[0]["delta"].get("content") if choices else None
        except (KeyError, IndexError, TypeError, AttributeError):
            raise LLMError("llm_malformed", what="no choices[0].delta", shown=_shown(data)) from None
        if piece:
            on_token(piece)
            yield piece
    # A stream cut off before [DONE] may end mid-sentence or before its citations.
    raise LLMError("llm_cut_off")


def _json(data: bytes) -> dict:
    try:
        payload = json.loads(data)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise LLMError("llm_malformed", what="not JSON", shown=_shown(data)) from None
    if isinstance(payload, dict) and "error" in payload:
        error = payload["error"]
        message = error.get("message", error) if isinstance(error, dict) else error
        raise LLMError("llm_reported", detail=_one_line(str(message)))
    if not isinstance(payload, dict):
        raise LLMError("llm_malformed", what="not a JSON object", shown=_shown(data))
    return payload


def _shown(data: bytes | str) -> str:
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    return repr(_one_line(text, 80))


# A group of adjacent markers: [1], [1, 2], [1][2], [1-3]; the whitespace before it goes with it.
_MARKERS = re.compile(r"(?:\s*\[\s*\d{1,3}(?:\s*(?:[,;]|[-–])\s*\d{1,3})*\s*\])+")
_NUMBER_RANGE = re.compile(r"(\d{1,3})(?:\s*[-–]\s*(\d{1,3}))?")
# Claims are usually paraphrased, and English answers share little more than names and numbers
# with Dutch passages, so two shared terms are enough; a short claim passes on half its terms.
_MIN_SHARED_TERMS = 2
_MIN_SHARED_SHARE = 0.5


def verify(text: str, passages: list[Passage], lang: str = "en") -> tuple[str, list[Citation], list[str]]:
    """Tie each [n] of an LLM answer to the sentence of passage n that best matches its claim.

    Returns the text with out-of-range markers removed and groups written as [1][2], the
    citations (verified=False where passage n lacks the claim's key terms), and notes on both,
    in `lang`.
    """
    by_number = {p.rank: p for p in passages}
    sentences: dict[int, list[tuple[int, int]]] = {}
    pieces: list[str] = []
    citations: list[Citation] = []
    notes: list[str] = []
    position = 0
    for group in _MARKERS.finditer(text):
        before = text[position : group.start()]
        claim = _claim(before)
        kept = []
        for n in _numbers(group.group()):
            passage = by_number.get(n)
            if passage is None:
                notes.append(say("llm_removed", lang, n=n))
                continue
            spans = sentences.setdefault(n, sentence_spans(passage.text) or [(0, len(passage.text))])
            citation = _cite(claim, n, passage, spans)
            if citation not in citations:
                citations.append(citation)
            if not citation.verified:
                notes.append(say("llm_unsupported", lang, n=n, claim=_one_line(claim, 100)))
            kept.append(n)
        pieces.append(before)
        if kept:
            pieces.append(" " + "".join(f"[{n}]" for n in kept))
        position = group.end()
    pieces.append(text[position:])
    if not citations:
        notes.append(say("llm_uncited", lang))
    return "".join(pieces).strip(), citations, list(dict.fromkeys(notes))


def _numbers(group: str) -> list[int]:
    numbers: list[int] = []
    for match in _NUMBER_RANGE.finditer(group):
        first = int(match.group(1))
        last = int(match.group(2) or first)
        numbers.extend(range(first, max(first, last) + 1))
    return list(dict.fromkeys(numbers))


def _claim(before: str) -> str:
    """The sentence a marker group closes: the last one before it that has key terms."""
    # What follows an earlier marker group may begin with the punctuation that closed its sentence.
    before = before.lstrip(" \n.!?;:,")
    for start, end in reversed(sentence_spans(before)):
        if terms(before[start:end]):
            return before[start:end]
    return before.strip()


def _cite(claim: str, number: int, passage: Passage, spans: list[tuple[int, int]]) -> Citation:
    key_terms = set(terms(claim))
    best = max(spans, key=lambda span: len(key_terms.intersection(terms(passage.text[span[0] : span[1]]))))
    shared = len(key_terms.intersection(terms(passage.text)))
    verified = bool(key_terms) and (
        shared >= _MIN_SHARED_TERMS or shared / len(key_terms) >= _MIN_SHARED_SHARE
    )
    start, end = best
    return Citation(
        number,
        passage.article.id,
        passage.start + start,
        passage.start + end,
        passage.text[start:end],
        verified,
    )


# Reasoning models (Qwen3, DeepSeek-R1 on Ollama) may put their thinking before the answer.
_THINKING = re.compile(r"\A\s*<think>.*?</think>", re.DOTALL)


def is_no_answer(text: str) -> bool:
    """The reply is the no-answer message (in either language), give or take quotes and spacing."""
    said = " ".join(text.strip().strip("\"'“”").split()).rstrip(".").casefold()
    return any(said == message.rstrip(".").casefold() for message in NO_ANSWER.values())


def llm_answer(
    settings: LLMSettings,
    question: Question,
    passages: list[Passage],
    filters: Filters,
    on_token: Callable[[str], None] | None = None,
    lang: str | None = None,
) -> Answer:
    """The LLM's answer from `passages`, its citations checked; raises LLMError when it has none.

    The model writes in the question's language; the notes on its citations and the no-answer
    line are in `lang` (default: the question's).
    """
    language = question.language
    lang = lang or language
    notes: tuple[str, ...] = ()
    if not passages:
        # Nothing to cite: asking the model would only invite an answer from its own memory.
        return _abstain(question, passages, filters, notes, lang)
    reply = _THINKING.sub("", generate(settings, question.text, passages, language, on_token)).strip()
    if is_no_answer(reply):
        return _abstain(question, passages, filters, notes, lang)
    text, citations, checks = verify(reply, passages, lang)
    return Answer(
        question.text,
        text,
        highlight(passages, [c for c in citations if c.verified]),
        citations,
        filters,
        False,
        language,
        source="llm",
        notes=(*notes, *checks),
        period=question.period,
    )


def _abstain(
    question: Question, passages: list[Passage], filters: Filters, notes: tuple[str, ...], lang: str
) -> Answer:
    return Answer(
        question.text,
        say("no_answer", lang),
        passages,
        [],
        filters,
        True,
        question.language,
        source="llm",
        notes=notes,
        period=question.period,
    )


def with_fallback_note(extractive: Answer, error: LLMError, lang: str | None = None) -> Answer:
    """The extractive answer, noting why the LLM's is not shown, in `lang` (default: the question's)."""
    lang = lang or extractive.language
    note = say("llm_unavailable", lang, reason=error.in_language(lang))
    return replace(extractive, notes=(*extractive.notes, note))
