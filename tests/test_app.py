"""The web app: qa.ui's helpers on their own, then the running app driven over HTTP by gradio_client."""

from __future__ import annotations

import ast
import inspect
import os
import re
import shutil
import socket
import threading
import time
from dataclasses import replace
from pathlib import Path

import httpx
import pytest
from gradio_client import Client, handle_file

import app
from qa import ui, uploads
from qa.answer import Answer, Citation
from qa.answering import ask
from qa.articles import ArticleError, Skipped, SourceFile, parse_article
from qa.build import BuildReport, Duplicate
from qa.errors import IndexMissingError, QAError, TranslatedError
from qa.filters import Filters
from qa.logins import LoginGuard
from qa.question import read_period
from qa.search import Passage
from qa.store import ArticleInfo, build_lock
from qa.translations import LANGUAGES, TRANSLATIONS, Message
from tests.conftest import ROOT, SEEDS
from tests.llm_server import FakeLLM, Reply

# Gradio's queue monitoring trips pandas deprecations that are not ours to fix.
pytestmark = [
    pytest.mark.filterwarnings("ignore:'future.no_silent_downcasting' is deprecated"),
    pytest.mark.filterwarnings("ignore:The copy keyword is deprecated"),
]

HOSTILE = (
    "Een stuk met <script>document.title='pwned'</script> erin, "
    "een plaatje <img src=x onerror=\"alert('xss')\"> en [een link](javascript:alert(1))."
)


def info(article_id: str = "a.txt", date: str | None = "2023-12", **fields: str | None) -> ArticleInfo:
    values = {"title": "Titel", "category": None, "url": None, "path": f"corpus/{article_id}", **fields}
    return ArticleInfo(article_id, values["title"], date, values["category"], values["url"], values["path"])


def passage(rank: int, text: str, article: ArticleInfo, start: int = 0, highlights=()) -> Passage:
    return Passage(rank, 0.5, text, start, start + len(text), article, highlights=tuple(highlights))


def answer(text: str, passages: list[Passage], **fields) -> Answer:
    citations = [Citation(p.rank, p.article.id, p.start, p.end, p.text) for p in passages]
    values = {"filters": Filters(), "abstained": False, "language": "nl", **fields}
    return Answer("Vraag?", text, passages, citations, values.pop("filters"), values.pop("abstained"),
                  values.pop("language"), **values)  # fmt: skip


# --- escaping ------------------------------------------------------------------------------


def test_article_text_is_shown_as_text_in_cards_and_article_view():
    article = info(title="<script>alert(1)</script>", category="<b>x</b>", url="javascript:alert(1)")
    card = ui.source_card(passage(1, HOSTILE, article), "Vooraf. " + HOSTILE, "nl")
    view = ui.article_view(article, HOSTILE, "en")
    for html in (card, view):
        assert "<script" not in html and "<img" not in html and "<b>" not in html
        assert "&lt;script&gt;document.title=&#x27;pwned&#x27;&lt;/script&gt;" in html
        assert 'onerror="' not in html and 'href="javascript' not in html
    assert card.count('id="source-1"') == 1


def test_chat_message_escapes_html_and_markdown_and_links_only_known_citations():
    p = passage(1, HOSTILE, info())
    message = ui.answer_message(answer(f"{HOSTILE} [1]", [p]), "nl")
    assert "<script" not in message and "<img" not in message
    # The Markdown link syntax is broken up, so the renderer cannot make a javascript: link.
    assert (
        "](javascript" not in message and "&#91;een link&#93;&#40;javascript:alert&#40;1&#41;&#41;" in message
    )
    assert '<a class="qa-cite" href="#source-1">&#91;1&#93;</a>' in message
    # A model's text links only the markers that point at a shown passage.
    llm = answer(f"{HOSTILE} [1] Meer. [7]", [p], source="llm")
    message = ui.answer_message(llm, "nl")
    assert '<a class="qa-cite" href="#source-1">' in message
    assert "#source-7" not in message and "&#91;7&#93;" in message


def test_a_citation_marker_inside_article_text_stays_text():
    # The article itself writes "[2]" (a footnote): in an extractive answer it is text, while
    # the citation after the sentence links to card 1.
    first, second = (
        passage(1, "Zo staat het in de wet [2].", info()),
        passage(2, "Iets anders.", info("b.txt")),
    )
    citation = Citation(1, first.article.id, 0, len(first.text), first.text)
    cited = Answer("Vraag?", f"{first.text} [1]", [first, second], [citation], Filters(), False, "nl")
    message = ui.answer_message(cited, "nl")
    assert message.count('class="qa-cite"') == 1 and 'href="#source-2"' not in message
    assert "wet &#91;2&#93;." in message and '<a class="qa-cite" href="#source-1">&#91;1&#93;</a>' in message


def test_the_best_of_several_answer_sentences_is_strong_and_one_alone_is_not():
    first = passage(1, "De minister trad af. Zij noemde het besluit onvermijdelijk.", info())
    one = Citation(1, first.article.id, 0, 20, "De minister trad af.")
    two = Citation(1, first.article.id, 21, 59, "Zij noemde het besluit *onvermijdelijk*.", best=True)
    both = Answer("Vraag?", "", [first], [one, two], Filters(), False, "nl")
    message = ui.answer_message(both, "nl")
    # The sentence keeps its place in reading order; its own marks stay escaped inside <strong>.
    assert "De minister trad af. <a" in message
    assert "<strong>Zij noemde het besluit &#42;onvermijdelijk&#42;.</strong> <a" in message
    alone = Answer("Vraag?", "", [first], [replace(two, best=True)], Filters(), False, "nl")
    assert "<strong>" not in ui.answer_message(alone, "nl")
    assert two.to_dict()["best"] is True


def test_only_http_links_to_originals():
    assert ui.safe_url("https://nos.nl/artikel/1") == "https://nos.nl/artikel/1"
    for url in ("javascript:alert(1)", "data:text/html,x", "/relative", "http://", " jav\tascript:x", None):
        assert ui.safe_url(url) is None
    card = ui.source_card(passage(1, "Tekst.", info(url="http://nos.nl/x?a=1&b=2")), None, "nl")
    assert 'href="http://nos.nl/x?a=1&amp;b=2" target="_blank" rel="noopener noreferrer nofollow"' in card


def test_api_answer_is_the_answer_json_without_server_paths():
    p = passage(1, "Tekst.", info())
    data = ui.api_answer(answer("Tekst. [1]", [p]))
    assert data["passages"][0]["article"] == {
        "id": "a.txt", "title": "Titel", "date": "2023-12", "category": None, "url": None
    }  # fmt: skip
    assert data["citations"][0]["article_id"] == "a.txt" and data["answer"]["text"] == "Tekst. [1]"


# --- highlighting --------------------------------------------------------------------------


def test_highlights_mark_the_given_offsets():
    assert ui.mark("abcdef", [(1, 3)]) == 'a<mark class="qa-hl">bc</mark>def'
    # Overlapping spans merge, out-of-range ones are clipped, empty ones vanish.
    assert ui.mark("abcdef", [(4, 99), (0, 2), (1, 3), (5, 5)]) == (
        '<mark class="qa-hl">abc</mark>d<mark class="qa-hl">ef</mark>'
    )
    assert ui.mark("a<b>c", [(1, 4)]) == 'a<mark class="qa-hl">&lt;b&gt;</mark>c'


def test_whole_article_shows_the_passage_in_place_with_its_sentences_marked():
    text = "Eerste zin. Tweede zin. Derde zin."
    p = passage(2, "Tweede zin. Derde zin.", info(), start=12, highlights=[(0, 11)])
    card = ui.source_card(p, text, "nl")
    assert (
        '<div class="qa-fulltext">Eerste zin. <span class="qa-inpassage"><mark class="qa-hl">Tweede zin.'
        "</mark> Derde zin.</span></div>"
    ) in card
    assert '<div class="qa-passage"><mark class="qa-hl">Tweede zin.</mark> Derde zin.</div>' in card
    assert "Toon het hele artikel" in card
    # An article that changed since the passage was found gets no misplaced highlight.
    assert "qa-whole" not in ui.source_card(p, "Heel andere tekst dan eerst.", "nl")


def test_older_answers_lose_their_links_to_the_cards():
    message = ui.answer_message(answer("Zin. [1]", [passage(1, "Zin.", info())]), "nl")
    history = [
        {"role": "user", "content": [{"type": "text", "text": "Vraag?"}]},
        {"role": "assistant", "content": [{"type": "text", "text": message}]},
    ]
    old = ui.unlink_history(history)[1]["content"][0]["text"]
    assert "href" not in old and '<span class="qa-cite-old">&#91;1&#93;</span>' in old


def test_unverified_llm_citations_are_flagged():
    p1, p2 = passage(1, "Een.", info("a.txt")), passage(2, "Twee.", info("b.txt"))
    llm = answer("Een [1]. Twee [2].", [p1, p2], source="llm")
    llm = replace(llm, citations=[llm.citations[0], replace(llm.citations[1], verified=False)])
    message = ui.answer_message(llm, "en")
    assert '<a class="qa-cite" href="#source-1">&#91;1&#93;</a>' in message
    assert '<a class="qa-cite qa-unverified" href="#source-2">&#91;2?&#93;</a>' in message
    assert "could not be found" in message and "language model" in message
    assert "href" not in ui.unlink_citations(message)


def test_weak_evidence_and_notes_are_spelled_out():
    p = passage(1, "Iets anders.", info())
    weak = answer("Ik heb hierover niets gevonden in de artikelen.", [p], abstained=True, notes=("Let op.",))
    message = ui.answer_message(weak, "nl")
    assert "Zwak bewijs" in message and "Let op." in message
    assert "zwak bewijs" in ui.source_cards(weak, None, "nl")


@pytest.mark.parametrize(("since", "until", "lang", "message"), [
    ("april", "", "nl", "‘Vanaf’ moet een datum zijn zoals 2019, 2019-04 of 2019-04-12, niet “april”."),
    ("", "2019/04", "en", "‘Until’ must be a date like 2019, 2019-04 or 2019-04-12, not “2019/04”."),
    ("2020", "2019", "nl", "‘Vanaf’ (2020) ligt na ‘Tot en met’ (2019)."),
])  # fmt: skip
def test_a_bad_date_in_the_filter_fields_names_the_field_as_labelled(since, until, lang, message):
    with pytest.raises(QAError) as caught:
        app._filters(since, until, None, labelled=True)
    assert caught.value.in_language(lang) == message


def test_a_follow_up_says_how_it_was_understood_and_a_re_ask_that_its_period_is_gone():
    p = passage(1, "Zin.", info())
    followed = answer("Zin. [1]", [p], understood="Hoeveel asielaanvragen telde Nederland in 2023?")
    assert (
        '<div class="qa-understood">Verstaan als: Hoeveel asielaanvragen telde Nederland in 2023?</div>'
        in (ui.answer_message(followed, "nl"))
    )
    assert "Understood as: Hoeveel" in ui.answer_message(followed, "en")
    again = ui.answer_message(answer("Zin. [1]", [p]), "en", read_period("Wat zei Kelly in 2017?"))
    assert "Asked again without the period “in 2017”" in again
    assert "Verstaan als" not in again and "Understood" not in again


def test_filters_are_described_in_the_interface_language():
    filters = Filters(since="2017", until="2017", category="buitenland")
    assert ui.describe_filters(filters, "nl") == "Gefilterd op 2017, categorie buitenland"
    assert ui.describe_filters(Filters(since="2019-01"), "en") == "Filtered to from 2019-01"
    assert ui.describe_filters(Filters(), "nl") == ""


# --- timeline ------------------------------------------------------------------------------


def test_timeline_orders_the_articles_by_date_with_undated_last():
    dates = {"e.txt": "2025-05", "b.txt": "2017-02", "x.txt": None, "c.txt": "2019-04-12", "d.txt": "2023-12"}
    passages = [passage(rank, "t", info(i, d)) for rank, (i, d) in enumerate(dates.items(), start=1)]
    passages.append(passage(6, "t", info("e.txt", "2025-05")))
    entries = ui.timeline(passages)
    assert [e.date for e in entries] == ["2017-02", "2019-04-12", "2023-12", "2025-05", None]
    assert entries[3].ranks == (1, 6)
    html = ui.timeline_html(passages, "en")
    assert html.index("2017-02") < html.index("2019-04-12") < html.index("2025-05") < html.index("undated")


# --- articles tab --------------------------------------------------------------------------


def test_the_articles_tab_says_which_articles_have_no_date():
    articles = [info("a.txt", "2023-12"), info("b.txt", None), info("c.txt", None, title="Beving")]
    assert [row[1] for row in ui.article_rows(articles, "", "nl")] == [
        "2023-12",
        "zonder datum",
        "zonder datum",
    ]
    assert ui.article_rows(articles, "beving", "en") == [["Beving", "undated", "", "c.txt"]]
    assert ui.articles_count(articles, 1, "en") == "1 of 3 articles · 2 undated"
    assert ui.articles_count(articles[:1], 1, "nl") == "1 van 1 artikelen"


# --- uploads -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("given", "safe"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\x.txt", "x.txt"),
        ("C:\\Users\\jan\\nieuws.md", "nieuws.md"),
        ("a\x00b\x1fc\n.txt", "abc.txt"),
        (".bashrc.txt", "bashrc.txt"),
        ("...txt", "txt"),
        ("evil\u202etxt.exe.html", "eviltxt.exe.html"),
        ('wat?:*"<>|.txt', "wat.txt"),
        ("x" * 300 + ".html", "x" * 115 + ".html"),
    ],
)
def test_upload_names_are_made_safe(given, safe):
    assert uploads.safe_filename(given) == safe


@pytest.mark.parametrize("given", ["..", "../", "...", " ", "\x00\x01", "a/..", ""])
def test_upload_names_with_nothing_left_are_refused(given):
    with pytest.raises(uploads.UnsafeName):
        uploads.safe_filename(given)


def test_duplicate_names_get_a_suffix():
    assert uploads.unique_filename("nieuws.txt", ["ander.txt"]) == "nieuws.txt"
    assert uploads.unique_filename("nieuws.txt", ["Nieuws.TXT"]) == "nieuws-2.txt"
    assert uploads.unique_filename("nieuws.txt", ["nieuws.txt", "nieuws-2.txt"]) == "nieuws-3.txt"


def listing(root: Path, *allowed: Path) -> set[tuple[str, int]]:
    """Every file under `root` but not below the `allowed` folders, with its size: what an
    upload may not touch."""
    return {
        (str(p.relative_to(root)), p.stat().st_size)
        for p in root.rglob("*")
        if p.is_file() and not any(folder in p.parents for folder in allowed)
    }


def test_a_corpus_folder_swapped_for_a_link_during_an_upload_receives_nothing_elsewhere(tmp_path):
    corpus, elsewhere, incoming = tmp_path / "corpus", tmp_path / "elsewhere", tmp_path / "in.txt"
    corpus.mkdir()
    elsewhere.mkdir()
    incoming.write_bytes(b"Een artikel over de nieuwe brug in de stad, met genoeg tekst erin.")

    def swap(text_hash: str) -> list[str]:
        # Runs between the folder's opening and the file's creation: the window of the race.
        corpus.rename(tmp_path / "corpus-old")
        corpus.symlink_to(elsewhere, target_is_directory=True)
        return []

    outcomes = uploads.save_uploads([("brug.txt", incoming)], corpus, max_bytes=1000, archived=swap)

    assert [o.saved_as for o in outcomes] == ["brug.txt"]
    assert list(elsewhere.iterdir()) == []
    assert (tmp_path / "corpus-old" / "brug.txt").read_bytes() == incoming.read_bytes()


def test_save_uploads_follows_a_corpus_that_is_a_link_from_the_start(tmp_path):
    real = tmp_path / "real"
    real.mkdir()
    (tmp_path / "corpus").symlink_to(real, target_is_directory=True)
    incoming = tmp_path / "in.txt"
    incoming.write_bytes(b"Een artikel over de nieuwe brug in de stad, met genoeg tekst erin.")
    outcomes = uploads.save_uploads([("brug.txt", incoming)], tmp_path / "corpus", max_bytes=1000)
    assert [o.saved_as for o in outcomes] == ["brug.txt"] and (real / "brug.txt").exists()


def test_save_uploads_takes_the_good_files_and_names_the_refused_ones(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "nieuws.txt").write_text("Bestaand artikel over iets.", encoding="utf-8")
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    files = {
        "nieuws.txt": b"Een nieuw artikel met dezelfde naam.",
        "../../ontsnapt.txt": b"Dit artikel probeert buiten de map te komen.",
        "plaatje.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR",
        "groot.txt": b"Een heel lang artikel. " * 100,
        "programma.exe": b"MZ\x90\x00",
    }
    given = []
    for n, (name, data) in enumerate(files.items()):
        (incoming / str(n)).write_bytes(data)
        given.append((name, incoming / str(n)))
    before = listing(tmp_path, corpus)

    outcomes = uploads.save_uploads(given, corpus, max_bytes=1000)

    assert [(o.saved_as, o.problem) for o in outcomes] == [
        ("nieuws-2.txt", ""),
        ("ontsnapt.txt", ""),
        (None, "unreadable"),
        (None, "size"),
        (None, "type"),
    ]
    assert sorted(p.name for p in corpus.iterdir()) == ["nieuws-2.txt", "nieuws.txt", "ontsnapt.txt"]
    assert (corpus / "nieuws.txt").read_text(encoding="utf-8") == "Bestaand artikel over iets."
    assert listing(tmp_path, corpus) == before
    report = ui.upload_report(outcomes, 1000, "nl")
    assert (
        "<code>nieuws.txt</code>: toegevoegd als nieuws-2.txt (nieuws.txt bestond al met andere inhoud)"
        in report
    )
    assert "<code>ontsnapt.txt</code>: toegevoegd</li>" in report
    # The reader's reason in the page's language too.
    assert "<code>plaatje.txt</code>: geweigerd: onleesbaar (binair bestand" in report
    assert "(binary file" in ui.upload_report(outcomes, 1000, "en")
    assert "<code>groot.txt</code>: geweigerd: 2.3 kB is groter dan de limiet van 1.0 kB" in report
    assert "<code>programma.exe</code>: geweigerd: alleen .txt" in report


def test_build_summary_lists_skipped_files_with_their_reasons():
    report = BuildReport(
        added=["a.txt"], skipped=[Skipped("<b>.txt", Message("article_empty"))],
        duplicates=[Duplicate("export.jsonl#7", "a.txt")], ignored=["notulen.docx"], seconds=1.25,
    )  # fmt: skip
    html = ui.build_summary(report, "en")
    assert "1 added, 0 changed, 0 removed, 0 unchanged, 1 skipped, 1 already in the archive, 1 ignored" in (
        html
    )
    assert "<code>notulen.docx</code>: not read: articles come from .txt, .md," in html
    assert "<code>&lt;b&gt;.txt</code>: file is empty" in html
    assert "<code>export.jsonl#7</code>: the same text as a.txt, not taken twice" in html
    dutch = ui.build_summary(report, "nl")
    assert "1 al in het archief" in dutch and "<code>&lt;b&gt;.txt</code>: het bestand is leeg" in dutch


def test_the_translation_table_says_everything_in_both_languages():
    fields = {lang: {key: set(re.findall(r"{(\w+)}", text)) for key, text in table.items()}
              for lang, table in TRANSLATIONS.items()}  # fmt: skip
    assert set(TRANSLATIONS) == set(LANGUAGES) and fields["nl"] == fields["en"]
    assert set(app.PAGE_LABELS) <= set(TRANSLATIONS["en"])


def test_every_sentence_the_code_names_is_in_the_table():
    """A key mistyped on a rare path (an error few users meet) fails here, not in front of one."""
    # The errors whose first argument is a key (FilterValueError's is the field at fault).
    errors = {k.__name__ for k in _kinds(TranslatedError) if "message" in inspect.signature(k).parameters}
    said_by = {"Message", "say", "__init__"} | errors
    named = {}
    for path in [*(ROOT / "qa").rglob("*.py"), ROOT / "app.py"]:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant)):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name in said_by and isinstance(node.args[0].value, str):
                named[node.args[0].value] = f"{path.name}:{node.lineno}"
    assert len(named) > 150
    assert {key: where for key, where in named.items() if key not in TRANSLATIONS["en"]} == {}


def _kinds(cls: type) -> list[type]:
    return [cls, *(kind for sub in cls.__subclasses__() for kind in _kinds(sub))]


@pytest.mark.parametrize(("data", "english", "dutch"), [
    (b"\x00\x01PNG", "binary file (contains NUL bytes)", "binair bestand (bevat NUL-bytes)"),
    (b"---\ntitle: [a\n---\nTekst.", "broken front matter at line 2", "kapotte front matter op regel 2"),
    (b"---\ndate: 2023-02-30\n---\nTekst van het artikel.",
     "front matter field 'date': cannot read '2023-02-30' as a date",
     "front-matterveld 'date': '2023-02-30' is niet als datum te lezen"),
])  # fmt: skip
def test_why_a_file_is_refused_is_said_in_either_language(data, english, dutch):
    with pytest.raises(ArticleError) as refused:
        parse_article(SourceFile("a.txt", Path("a.txt"), data, "hash"))
    assert str(refused.value).startswith(english) and refused.value.in_language("en") == str(refused.value)
    assert refused.value.in_language("nl").startswith(dutch)


def test_an_error_says_its_fields_in_the_readers_language_too():
    error = IndexMissingError("error_no_index", folder=Path("index"), hint="")
    assert str(error) == "no index in index/ yet; run `qa build` first"
    assert error.in_language("nl") == "nog geen index in index/; draai eerst `qa build`"
    # A field that is a sentence itself is said in the same language.
    labelled = QAError("bad_date", field=Message("since_field"), value="april")
    assert str(labelled).startswith("‘From’ must be a date") and labelled.in_language("nl").startswith(
        "‘Vanaf’ moet een datum zijn"
    )


def test_a_dutch_question_on_an_english_page_gets_english_notes(seed_index):
    question = "Hoeveel kost een appel op Mars?"
    dutch = ask(question, index=seed_index)
    english = ask(question, index=seed_index, language="en")
    assert dutch.abstained and english.abstained and english.language == "nl"
    assert dutch.text == "Ik heb hierover niets gevonden in de artikelen."
    assert english.text == "I found nothing about this in the articles."
    assert english.notes and all("passage" in note.lower() for note in english.notes)
    message = ui.answer_message(english, "en")
    assert "Weak evidence" in message and "shown with the sources" in message
    assert "listed below" not in message
    assert not any(TRANSLATIONS["nl"][key] in message for key in ("no_answer", "weak_answer"))


def test_language_follows_the_browser_preference():
    assert ui.language_of("nl-NL,nl;q=0.9,en-US;q=0.8") == "nl"
    assert ui.language_of("en-GB,en;q=0.9,nl;q=0.8") == "en"
    # The first language decides, as in Gradio's frontend: one language for the whole page.
    assert ui.language_of("de-DE,de;q=0.9,nl;q=0.5") == "en"
    assert ui.language_of("nl-BE;q=0.8,en;q=0.5") == "nl" and ui.language_of("en;q=0.2,nl;q=0.9") == "nl"
    assert ui.language_of("fr") == "en" and ui.language_of(None) == "en"


def test_settings_from_the_environment():
    assert app.parse_users("ann:geheim, bob:a:b") == (("ann", "geheim"), ("bob", "a:b"))
    assert app.parse_users("") == ()
    with pytest.raises(app.QAError, match="not user:password"):
        app.parse_users("ann")
    assert app.max_upload_mb("0.5") == 0.5 and app.max_upload_mb(None) == 20.0
    with pytest.raises(app.QAError, match="QA_MAX_UPLOAD_MB"):
        app.max_upload_mb("-3")


def test_a_busy_port_is_one_clear_line(capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert app.port_in_use("127.0.0.1", port)
        assert app.main(["--port", str(port)]) == 1
    err = capsys.readouterr().err
    assert (
        err
        == f"app.py: error: port {port} on 127.0.0.1 is already in use; stop what runs there or pass --port\n"
    )


# --- the running app, over HTTP ------------------------------------------------------------

FERRY = """ date 2026-03
Zeeland krijgt een nieuwe veerdienst tussen Vlissingen en Breskens. De elektrische pont heet
de Schelde Stroomlijn en vaart vanaf april elk half uur.

De provincie betaalt 14 miljoen euro voor de boot, die plaats biedt aan 180 fietsers.
"""


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def served(tmp_path_factory, seed_index):
    """The app over a private corpus and index, listening on a free loopback port."""
    root = tmp_path_factory.mktemp("app")
    corpus, index = root / "corpus", root / "index"
    shutil.copytree(SEEDS, corpus)
    shutil.copytree(seed_index, index)
    settings = app.AppSettings(corpus=corpus, index=index, port=free_port(), max_upload_mb=0.05)
    demo = app.build_app(settings)
    _, url, _ = app.launch(demo, settings, block=False)
    client = Client(url, verbose=False)
    yield client, settings, root
    client.close()
    demo.close()


def test_ask_a_dutch_question_over_http(served):
    client, _, _ = served
    result = client.predict("Welk aanbod wees Sheinbaum af?", api_name="/ask")
    assert not result["abstained"] and result["language"] == "nl"
    assert result["citations"] and result["citations"][0]["article_id"].startswith("002")
    assert "[1]" in result["answer"]["text"] or "[2]" in result["answer"]["text"]
    first = result["passages"][0]
    assert set(first) >= {"rank", "score", "text", "start", "end", "article", "highlights"}


def test_ask_with_filters_over_http(served):
    client, _, _ = served
    result = client.predict(
        "Wat zei Kelly over uitzettingen?", 3, "2017-01", "2017-12", "", True, api_name="/ask"
    )
    assert result["filters"]["since"] == "2017-01" and len(result["passages"]) <= 3
    assert {p["article"]["date"][:4] for p in result["passages"]} == {"2017"}
    with pytest.raises(Exception, match="--since must be a date"):
        client.predict("Wat zei Kelly?", 5, "gisteren", api_name="/ask")


def test_a_follow_up_over_http_sends_the_earlier_answer_back(served):
    client, _, _ = served
    first = client.predict("Welk aanbod wees Sheinbaum af?", api_name="/ask")
    assert first["understood"] is None
    alone = client.predict("Op welke dag sprak zij met Trump?", api_name="/ask")
    followed = client.predict("Op welke dag sprak zij met Trump?", history=[first], api_name="/ask")
    assert alone["understood"] is None
    assert followed["question"] == "Op welke dag sprak zij met Trump?"
    assert followed["understood"] == "Op welke dag sprak Sheinbaum met Trump?"
    assert "16 april" in followed["answer"]["text"] and followed["citations"][0]["article_id"].startswith(
        "002"
    )
    with pytest.raises(Exception, match="history must hold earlier answers"):
        client.predict("En in 2019?", history=[{"answer": "?"}], api_name="/ask")


def test_the_ask_api_says_its_errors_in_the_callers_language(served):
    client, _, _ = served
    dutch = Client(client.src, verbose=False, headers={"Accept-Language": "nl-NL,nl;q=0.9"})
    with pytest.raises(Exception, match="history moet eerdere antwoorden van /ask bevatten"):
        dutch.predict("En in 2019?", history=[{"answer": "?"}], api_name="/ask")
    with pytest.raises(Exception, match="--since moet een datum zijn"):
        dutch.predict("Wat zei Kelly?", 5, "gisteren", api_name="/ask")
    # The request is no input of the API: its parameters are the seven it had.
    assert [
        p["parameter_name"]
        for p in client.view_api(print_info=False, return_format="dict")["named_endpoints"]["/ask"][
            "parameters"
        ]
    ] == ["question", "k", "since", "until", "category", "use_period", "history"]


@pytest.fixture
def fake_llm(monkeypatch):
    """A chat-completions server on loopback, configured for ask() through the environment."""
    server = FakeLLM()
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    for name in ("QA_LLM_API_KEY", "QA_LLM_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("QA_LLM_URL", f"http://127.0.0.1:{server.server_port}/v1")
    monkeypatch.setenv("QA_LLM_MODEL", "test-model")
    yield server
    server.shutdown()
    server.server_close()


def test_an_llm_answer_streams_in_then_arrives_whole(served, fake_llm):
    _, settings, _ = served
    fake_llm.script(
        Reply(content=("Trump stelde voor Amerikaanse militairen ", "naar Mexico te sturen [1]."))
    )
    steps = list(
        app.answer_stream("Wat stelde Trump voor aan Sheinbaum?", 5, settings.index, Filters(), True)
    )
    assert steps[:2] == [
        "Trump stelde voor Amerikaanse militairen ",
        "Trump stelde voor Amerikaanse militairen naar Mexico te sturen [1].",
    ]
    assert "▍" in ui.draft_message(steps[0])
    final = steps[-1]
    assert isinstance(final, Answer) and final.source == "llm"
    assert '<a class="qa-cite" href="#source-1">' in ui.answer_message(final, "nl")


def test_answer_stream_raises_what_ask_raises(tmp_path):
    with pytest.raises(IndexMissingError):
        list(app.answer_stream("Wie?", 5, tmp_path / "geen-index", Filters(), True))


def test_dropping_a_file_adds_it_and_updates_the_index_in_one_step(served, tmp_path):
    client, settings, _ = served
    ferry = tmp_path / "veerdienst-zeeland.txt"
    ferry.write_text(FERRY, encoding="utf-8")

    report = client.predict([handle_file(ferry)], api_name="/add_articles")[0]
    assert "<code>veerdienst-zeeland.txt</code>: added</li>" in report
    assert "Index updated</strong>: 1 added, 0 changed, 0 removed, 5 unchanged, 0 skipped" in report
    assert (settings.corpus / "veerdienst-zeeland.txt").read_text(encoding="utf-8") == FERRY

    result = client.predict("Hoe heet de elektrische pont tussen Vlissingen en Breskens?", api_name="/ask")
    assert result["citations"][0]["article_id"] == "veerdienst-zeeland.txt"
    assert "Schelde Stroomlijn" in result["answer"]["text"]


def test_the_same_article_again_is_not_added_twice(served, tmp_path):
    client, settings, _ = served
    before = sorted(p.name for p in settings.corpus.iterdir())
    seed = next(settings.corpus.glob("002_*.txt"))
    # The same bytes under the same name and under another, and the same text with other line ends.
    again, renamed, rewrapped = tmp_path / seed.name, tmp_path / "sheinbaum.txt", tmp_path / "kopie.txt"
    shutil.copyfile(seed, again)
    shutil.copyfile(seed, renamed)
    rewrapped.write_bytes(seed.read_bytes().replace(b"\n", b"\r\n"))
    fresh = tmp_path / "nieuw.txt"
    fresh.write_text(FERRY.replace("Zeeland", "Friesland").replace("Schelde", "Waddenzee"), encoding="utf-8")
    twice = tmp_path / "nieuw-kopie.txt"
    shutil.copyfile(fresh, twice)

    files = [handle_file(f) for f in (again, renamed, rewrapped, fresh, twice)]
    report = client.predict(files, api_name="/add_articles")[0]

    for name in (seed.name, "sheinbaum.txt", "kopie.txt"):
        assert f"<code>{name}</code>: already in the archive as {seed.name}</li>" in report
    assert "<code>nieuw.txt</code>: added</li>" in report
    assert "<code>nieuw-kopie.txt</code>: the same as nieuw.txt above</li>" in report
    assert sorted(p.name for p in settings.corpus.iterdir()) == sorted([*before, "nieuw.txt"])
    assert ": 1 added, 0 changed, 0 removed" in report
    # Nothing new: nothing saved, and no rebuild.
    report = client.predict([handle_file(renamed)], api_name="/add_articles")[0]
    assert "already in the archive" in report and "the index is unchanged" in report
    assert "Index updated" not in report


def test_hostile_uploads_are_refused_and_nothing_outside_the_corpus_changes(served, tmp_path):
    client, settings, root = served
    binary = tmp_path / "foto.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    big = tmp_path / "groot.txt"
    big.write_bytes(b"Een heel lang verhaal over niets. " * 2000)  # 68 kB, over the 50 kB limit
    # An upload writes into the corpus, and the index takes it in; nothing else changes.
    before_root, before_parent = listing(root, settings.corpus, settings.index), listing(root.parent, root)
    # A browser can send any file name; gradio_client sends the local file's, so post this one directly.
    upload = httpx.post(
        f"{client.src.rstrip('/')}/gradio_api/upload",
        files=[("files", ("../../ontsnapt.txt", b"Een artikel dat naar buiten wil.", "text/plain"))],
    )
    upload.raise_for_status()
    (traversal,) = upload.json()

    report = client.predict(
        [handle_file(binary), handle_file(big), handle_file(traversal)], api_name="/add_articles"
    )[0]

    assert "<code>foto.txt</code>: refused: unreadable (binary file" in report
    assert "<code>groot.txt</code>: refused: 68.0 kB is over the 50.0 kB limit" in report
    assert "ontsnapt.txt</code>: added</li>" in report
    assert not (settings.corpus / "foto.txt").exists() and not (settings.corpus / "groot.txt").exists()
    assert (settings.corpus / "ontsnapt.txt").exists()
    assert listing(root, settings.corpus, settings.index) == before_root
    assert listing(root.parent, root) == before_parent
    (settings.corpus / "ontsnapt.txt").unlink()


def test_a_dutch_page_is_told_in_dutch_why_a_file_is_refused_or_skipped(served, tmp_path):
    client, settings, _ = served
    dutch = Client(client.src, verbose=False, headers={"Accept-Language": "nl-NL,nl;q=0.9,en;q=0.8"})
    binary = tmp_path / "foto.txt"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4)
    table = tmp_path / "tabel.csv"
    table.write_text("titel;datum\nEen titel;2024-01-02\n", encoding="utf-8")

    report = dutch.predict([handle_file(binary), handle_file(table)], api_name="/add_articles")[0]

    assert "<code>foto.txt</code>: geweigerd: onleesbaar (binair bestand (bevat NUL-bytes)" in report
    assert (
        "<code>tabel.csv</code>: geweigerd: onleesbaar (geen tekstkolom: verwacht een van text, content, "
        "body, tekst (de kop noemt titel, datum))" in report
    )
    # A file put into the folder by hand is skipped by the rebuild, with its reason in Dutch.
    (settings.corpus / "kapot.md").write_text("---\ntitle: [open\n---\nTekst.", encoding="utf-8")
    try:
        summary = dutch.predict(api_name="/rebuild")
        assert "1 overgeslagen" in summary
        assert "<code>kapot.md</code>: kapotte front matter op regel 2" in summary
        with build_lock(settings.index):
            busy = dutch.predict(api_name="/rebuild")
        assert f"Bijwerken mislukt: er loopt al een andere build van {settings.index}/; wacht" in busy
    finally:
        (settings.corpus / "kapot.md").unlink()
        client.predict(api_name="/rebuild")
    dutch.close()


def test_a_second_rebuild_while_one_runs_is_told_so(served, monkeypatch, tmp_path):
    client, settings, _ = served
    started, finish = threading.Event(), threading.Event()
    real_build = app.build_index

    def slow_build(*args, **kwargs):
        started.set()
        finish.wait(30)
        return real_build(*args, **kwargs)

    monkeypatch.setattr(app, "build_index", slow_build)
    first = client.submit(api_name="/rebuild")
    assert started.wait(30)
    assert "already running" in client.predict(api_name="/rebuild")
    # Files dropped meanwhile are saved at once and indexed by that rebuild, or by the next one,
    # which waits for it: either way they are in the index when the upload's report comes.
    late = tmp_path / "te-laat.txt"
    late.write_text(FERRY.replace("Zeeland", "Drenthe").replace("Schelde", "Hunze"), encoding="utf-8")
    added = client.submit([handle_file(late)], api_name="/add_articles")
    deadline = time.monotonic() + 30
    while not (settings.corpus / "te-laat.txt").exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    finish.set()
    rebuilt = first.result(timeout=60)
    report = added.result(timeout=60)[0]
    assert "<code>te-laat.txt</code>: added</li>" in report and "Index updated" in report
    assert "1 added" in rebuilt + report
    assert "te-laat.txt" in {
        p["article"]["id"] for p in client.predict("Hunze Drenthe pont", api_name="/ask")["passages"]
    }

    monkeypatch.setattr(app, "build_index", real_build)
    # A build from elsewhere (`qa build` in a terminal) holds the index's file lock.
    with build_lock(settings.index):
        assert "another build of" in client.predict(api_name="/rebuild")


def test_with_users_the_app_asks_for_a_login(seed_index):
    settings = app.AppSettings(
        corpus=SEEDS, index=seed_index, port=free_port(), users=(("anna", "geheim"), ("bob", "a:b"))
    )
    demo = app.build_app(settings)
    _, url, _ = app.launch(demo, settings, block=False)
    try:
        assert httpx.get(f"{url}config").status_code == 401
        with pytest.raises(Exception):  # noqa: B017 (gradio_client raises a plain ValueError or httpx error)
            Client(url, verbose=False)
        client = Client(url, auth=("bob", "a:b"), verbose=False)
        assert client.predict("Welk aanbod wees Sheinbaum af?", api_name="/ask")["citations"]
    finally:
        demo.close()


def test_wrong_passwords_are_slowed_and_lock_the_name_out():
    now = [1000.0]
    waited: list[float] = []
    guard = LoginGuard({"anna": "geheim"}, clock=lambda: now[0], sleep=waited.append)
    assert guard("anna", "geheim") and not waited
    for _ in range(4):
        assert not guard("anna", "fout")
    assert waited == [0.5] * 4 and not guard.locked("anna")
    assert not guard("anna", "fout") and guard.locked("anna")  # the fifth locks the name out
    assert not guard("anna", "geheim")  # right, but locked
    now[0] += 61
    assert guard("anna", "geheim")  # the lockout ends
    assert not guard("nobody", "geheim") and not guard("anna", "")


def test_the_app_takes_the_model_option_for_an_index_built_with_a_model_folder():
    parsed = app._parser().parse_args(["--model", "/models/mijn-model"])
    assert parsed.model == "/models/mijn-model"
    assert app._parser().parse_args([]).model in (None, os.environ.get("QA_MODEL"))
