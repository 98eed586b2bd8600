"""The web app: ask the news archive in a chat, read the sources, add articles and rebuild the index.

Presentation only: answers come from qa.ask, rebuilds from qa.build, HTML from qa.ui. `python app.py`.
"""

from __future__ import annotations

import argparse
import os
import queue
import socket
import sys
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import gradio as gr

from qa import ui
from qa.answer import Answer
from qa.answering import ask, retriever_for
from qa.backends import has_index
from qa.build import MAX_FILE_MB, build_index, max_file_mb
from qa.chunkstore import ArticleInfo
from qa.conversation import Turn
from qa.errors import IndexMissingError, QAError
from qa.filters import Filters, FilterValueError
from qa.location import Location, locate
from qa.logins import LoginGuard
from qa.question import read_period
from qa.translations import LANGUAGES, TRANSLATIONS, say
from qa.uploads import save_uploads

EXAMPLES = [
    "Welk aanbod wees Sheinbaum af?",
    "Hoeveel migranten staken de grens over?",
    "Wat zei John Kelly in 2017 over uitzettingen?",
    "Waartoe riep Keir Starmer op?",
]

# Questions share one pool of workers, from the chat and the API alike. Two matches this
# project's 2-core machines: more would only make the encoder's threads compete.
ASK_CONCURRENCY = 2

# The page's static labels, translated in the browser by Gradio from qa's one translation table.
PAGE_LABELS = (
    "intro", "tab_ask", "tab_articles", "chat", "chat_placeholder", "question", "question_placeholder",
    "ask", "new_chat", "examples", "filters", "since", "until", "date_placeholder", "category_field", "k",
    "remove_filter", "search_articles", "articles", "upload", "rebuild",
)  # fmt: skip
I18N = gr.I18n(**{lang: {key: TRANSLATIONS[lang][key] for key in PAGE_LABELS} for lang in LANGUAGES})


@dataclass(frozen=True)
class AppSettings:
    corpus: Path = Path("corpus")
    index: Location = Path("index")  # a folder, or a Milvus store (--store)
    host: str = "127.0.0.1"
    port: int = 7860
    max_upload_mb: float = 20.0  # per file; env QA_MAX_UPLOAD_MB
    max_file_mb: float = MAX_FILE_MB  # larger files in corpus/ are skipped by a rebuild; env QA_MAX_FILE_MB
    users: tuple[tuple[str, str], ...] = ()  # env QA_USERS=user:pass,user2:pass2; none: no login
    # The index's model unless named: a local model folder an index names loads only when the
    # user names it too (an index is data, not code to trust); env QA_MODEL.
    model: str | None = None

    @property
    def max_upload_bytes(self) -> int:
        # An upload that a rebuild would skip as too large is refused at once.
        return int(min(self.max_upload_mb, self.max_file_mb) * 1_000_000)

    @property
    def max_archive_upload_bytes(self) -> int:
        # A rebuild limits a bulk archive's rows, not the archive: only the upload limit applies.
        return int(self.max_upload_mb * 1_000_000)

    @property
    def max_file_bytes(self) -> int:
        return int(self.max_file_mb * 1_000_000)


def parse_users(value: str | None) -> tuple[tuple[str, str], ...]:
    """QA_USERS ("user:pass,user2:pass2") as Gradio's auth pairs; a password may contain ':'."""
    users = []
    for item in (value or "").split(","):
        if not item.strip():
            continue
        name, colon, password = item.strip().partition(":")
        if not colon or not name or not password:
            raise QAError("error_users", entry=repr(name or item.strip()))
        users.append((name, password))
    return tuple(users)


def max_upload_mb(value: str | None) -> float:
    if not value:
        return AppSettings.max_upload_mb
    try:
        mb = float(value)
    except ValueError:
        mb = -1.0
    if mb <= 0:
        raise QAError("error_max_upload_mb", value=repr(value))
    return mb


def _lang(request: gr.Request | None) -> str:
    headers = getattr(request, "headers", None) or {}
    return ui.language_of(headers.get("accept-language"))


def _filters(since: str | None, until: str | None, category: str | None, labelled: bool = False) -> Filters:
    """The filter fields as Filters; a bad date names its field as the page labels it when
    `labelled`, else as the API parameter's option."""
    try:
        return Filters((since or "").strip() or None, (until or "").strip() or None, category or None)
    except FilterValueError as e:
        if not labelled:
            raise
        raise QAError(ui.filter_error(e)) from None


def answer_stream(
    question: str,
    k: int,
    index: Location,
    filters: Filters,
    use_period: bool,
    model: str | None = None,
    language: str | None = None,
    history: Sequence[Answer] = (),
) -> Iterator[str | Answer]:
    """The answer's text so far while an LLM writes it (nothing without one), then the Answer.

    ask() runs in a thread of its own because it hands out tokens through a callback.
    `language`: the page's, for the notes and the no-answer line; `history`: the conversation's
    earlier answers, for a follow-up.
    """
    pieces: queue.Queue[str | None] = queue.Queue()
    outcome: dict[str, Answer | BaseException] = {}

    def run() -> None:
        try:
            outcome["answer"] = ask(
                question, k, retriever=retriever_for(index, model), filters=filters, use_period=use_period,
                on_token=pieces.put, language=language, history=history,
            )  # fmt: skip
        except BaseException as e:  # handed to the caller's thread, which raises it
            outcome["error"] = e
        finally:
            pieces.put(None)

    threading.Thread(target=run, name="qa-ask", daemon=True).start()
    text = ""
    while (piece := pieces.get()) is not None:
        text += piece
        yield text
    if "error" in outcome:
        raise outcome["error"]
    yield outcome["answer"]


def build_app(settings: AppSettings) -> gr.Blocks:
    """The whole page and the /ask API; launching it is `launch()`'s job."""
    index, corpus = settings.index, settings.corpus
    # One rebuild at a time from this app; build_index's file lock also stops a CLI build.
    rebuilding = threading.Lock()

    def indexed_articles() -> list[ArticleInfo]:
        try:
            return retriever_for(index, settings.model).articles()
        except IndexMissingError:
            return []

    def answer_with(
        question: str, k: float, filters: Filters, use_period: bool, history: list[Turn]
    ) -> Answer:
        return ask(question, int(k), retriever=retriever_for(index, settings.model), filters=filters,
                   use_period=use_period, history=history)  # fmt: skip

    def panels(answer: Answer | None, lang: str) -> dict:
        """Sources, timeline, and the question's period with a button to ask without it."""
        if answer is None:
            return {sources: ui.source_cards(None, None, lang), timeline: "",
                    filter_row: gr.update(visible=False), filter_note: ""}  # fmt: skip
        store = retriever_for(index, settings.model)

        def article_text(article_id: str) -> str | None:
            try:
                return store.article_text(article_id)
            except QAError:  # removed by a rebuild that committed after the answer was found
                return None

        banner = ui.describe_period(answer.period, lang) if answer.period else ""
        return {
            sources: ui.source_cards(answer, article_text, lang),
            timeline: ui.timeline_html(answer.passages, lang),
            filter_row: gr.update(visible=bool(banner)),
            filter_note: f'<div class="qa-callout qa-note">{ui.escape(banner)}</div>' if banner else "",
        }

    def respond(
        question: str,
        chat: list[dict],
        previous: Answer | None,
        since: str,
        until: str,
        category: str | None,
        k: float,
        lang: str,
        use_period: bool = True,
    ) -> Iterator[dict]:
        """The chat's turn: the question at once, the answer as it comes, then its sources.

        A follow-up is read against `previous`, the conversation's last answer. Asked again
        without its period, the question is the one last understood, and the answer says so.
        """
        question = (question or "").strip()
        if not question:
            yield {chatbot: gr.skip()}
            return
        chat = [*ui.unlink_history(chat or []), {"role": "user", "content": ui.escape_markdown(question)}]
        yield {chatbot: chat, question_box: ""}
        history = [previous] if previous is not None and use_period else []
        dropped = None if use_period else read_period(question)
        try:
            filters = _filters(since, until, category, labelled=True)
            for step in answer_stream(
                question, int(k), index, filters, use_period, settings.model, lang, history
            ):
                if isinstance(step, Answer):
                    reply = {"role": "assistant", "content": ui.answer_message(step, lang, dropped)}
                    yield {chatbot: [*chat, reply], **panels(step, lang), turn: step,
                           last_question: step.understood or step.question}  # fmt: skip
                else:
                    yield {chatbot: [*chat, {"role": "assistant", "content": ui.draft_message(step)}]}
        except QAError as e:
            message = f'<div class="qa-callout qa-weak">{ui.escape(e.in_language(lang))}</div>'
            yield {chatbot: [*chat, {"role": "assistant", "content": message}], **panels(None, lang)}

    def submit(
        question: str, chat: list[dict], previous: Answer | None, since: str, until: str,
        category: str | None, k: float, request: gr.Request,
    ) -> Iterator[dict]:  # fmt: skip
        yield from respond(question, chat, previous, since, until, category, k, _lang(request))

    def without_period(
        question: str, chat: list[dict], previous: Answer | None, since: str, until: str,
        category: str | None, k: float, request: gr.Request,
    ) -> Iterator[dict]:  # fmt: skip
        yield from respond(
            question, chat, previous, since, until, category, k, _lang(request), use_period=False
        )

    def opened(request: gr.Request) -> tuple[str, str]:
        """The panels the server writes, in the reader's language, as the page opens."""
        lang = _lang(request)
        return ui.source_cards(None, None, lang), ui.no_article(lang)

    def new_chat(request: gr.Request) -> dict:
        return {chatbot: [], **panels(None, _lang(request)), last_question: "", question_box: "", turn: None}

    def catalogue(query: str, request: gr.Request) -> tuple[dict, str, dict]:
        lang = _lang(request)
        articles = indexed_articles()
        rows = ui.article_rows(articles, query or "", lang)
        count = ui.articles_count(articles, len(rows), lang)
        choices = [("—", ""), *((c, c) for c in ui.categories(articles))]
        # Column headers are set here, in the request's language: gr.I18n does not reach them.
        return {"data": rows, "headers": ui.article_headers(lang)}, count, gr.update(choices=choices)

    def show_article(evt: gr.SelectData, request: gr.Request) -> str:
        row = evt.row_value or []
        wanted = row[3] if len(row) > 3 else None
        found = next((a for a in indexed_articles() if a.id == wanted), None)
        if found is None:
            return ""
        store = retriever_for(index, settings.model)
        return ui.article_view(found, store.article_text(found.id), _lang(request))

    def archived(text_hash: str) -> list[str]:
        try:
            return retriever_for(index, settings.model).articles_with_text(text_hash)
        except IndexMissingError:
            return []

    def update_index(lang: str) -> str:
        """Bring the index up to date with the corpus (the caller holds `rebuilding`)."""
        try:
            report = build_index(
                corpus, index, model=settings.model, log=lambda _line: None,
                max_file_bytes=settings.max_file_bytes, language=lang,
            )  # fmt: skip
        except QAError as e:
            return ui.build_error(e, lang)
        return ui.build_summary(report, lang)

    def add_articles(
        files: list[str] | None,
        request: gr.Request,
        progress: gr.Progress = gr.Progress(track_tqdm=True),  # noqa: B008
    ) -> tuple[str, None]:
        """Dropped files into the corpus and, if any was new, into the index: one step, one report."""
        if not files:
            return gr.skip(), None
        lang = _lang(request)
        # Gradio has already reduced each upload's name to its last component; save_uploads
        # makes it safe again on its own terms.
        outcomes = save_uploads(
            [(Path(f).name, Path(f)) for f in files],
            corpus,
            settings.max_upload_bytes,
            settings.max_archive_upload_bytes,
            archived=archived,
        )
        report = ui.upload_report(outcomes, settings.max_upload_bytes, lang)
        if not any(o.saved_as for o in outcomes):
            return report + ui.nothing_added(lang), None
        # Files saved while another rebuild runs may come too late for its scan: wait for it
        # to end, then build again (unchanged files cost nothing).
        if not rebuilding.acquire(blocking=False):
            progress(0, desc=say("waiting", lang))
            rebuilding.acquire()
        try:
            return report + update_index(lang), None
        finally:
            rebuilding.release()

    def rebuild(request: gr.Request, progress: gr.Progress = gr.Progress(track_tqdm=True)) -> str:  # noqa: B008
        """For files put into (or taken out of) the corpus folder by hand."""
        lang = _lang(request)
        if not rebuilding.acquire(blocking=False):
            return ui.build_busy(lang)
        try:
            return update_index(lang)
        finally:
            rebuilding.release()

    def ask_api(
        question: str,
        k: int = 5,
        since: str = "",
        until: str = "",
        category: str = "",
        use_period: bool = True,
        history: list[dict] | None = None,
        request: gr.Request = None,  # type: ignore[assignment]  # gradio fills it in; no API input
    ) -> dict:
        """Answer a question from the news archive.

        Returns the answer as JSON, as `qa.ui.api_answer` gives it: text with [n] markers,
        citations, passages with their articles. `history`: the answers this API gave earlier in
        the conversation, oldest first, so that a follow-up ("En in 2019?") is read against them
        (the answer's "understood" says how). Errors come in the caller's Accept-Language.
        """
        lang = _lang(request)
        try:
            turns = [Turn.from_dict(item) for item in history or []]
        except (TypeError, ValueError, KeyError) as e:
            raise gr.Error(say("error_bad_history", lang, detail=str(e))) from None
        try:
            filters = _filters(since, until, category)
            return ui.api_answer(answer_with(question, k, filters, use_period, turns))
        except QAError as e:
            raise gr.Error(e.in_language(lang)) from None

    with gr.Blocks(title="Nieuwsarchief — vragen en bronnen", analytics_enabled=False) as demo:
        gr.Markdown(I18N("intro"), elem_classes="qa-intro")
        last_question = gr.State("")  # as understood: what "Without this period" asks again
        turn = gr.State(None)  # the conversation's last Answer, which a follow-up builds on
        with gr.Tabs():
            with gr.Tab(I18N("tab_ask"), id="ask"), gr.Row(equal_height=False):
                with gr.Column(scale=3, min_width=380):
                    chatbot = gr.Chatbot(
                        label=I18N("chat"),
                        # Its label floats over the first message; the tab already says what it is.
                        show_label=False,
                        height=480,
                        placeholder=I18N("chat_placeholder"),
                        latex_delimiters=[],
                        feedback_options=None,
                        buttons=["copy"],
                        sanitize_html=True,
                        elem_id=ui.CHAT_ID,
                    )
                    with gr.Row(visible=False, equal_height=False) as filter_row:
                        filter_note = gr.HTML(elem_id="qa-filter-note")
                        remove_filter = gr.Button(I18N("remove_filter"), size="sm", scale=0, min_width=200)
                    with gr.Row(equal_height=True):
                        question_box = gr.Textbox(
                            label=I18N("question"),
                            placeholder=I18N("question_placeholder"),
                            show_label=False,
                            scale=5,
                            lines=1,
                            max_lines=4,
                            autofocus=True,
                            elem_id="qa-question",
                        )
                        ask_button = gr.Button(I18N("ask"), variant="primary", scale=1, min_width=90)
                        clear = gr.Button(I18N("new_chat"), variant="secondary", scale=1, min_width=90)
                    gr.Examples(EXAMPLES, inputs=[question_box], label=I18N("examples"))
                    with gr.Accordion(I18N("filters"), open=False), gr.Row():
                        since = gr.Textbox(
                            label=I18N("since"), placeholder=I18N("date_placeholder"), min_width=120
                        )
                        until = gr.Textbox(
                            label=I18N("until"), placeholder=I18N("date_placeholder"), min_width=120
                        )
                        category = gr.Dropdown(
                            label=I18N("category_field"), choices=[("—", "")], value="", min_width=140
                        )
                        k = gr.Slider(1, 10, value=5, step=1, label=I18N("k"), min_width=160)
                with gr.Column(scale=2, min_width=340, elem_id="qa-side"):
                    timeline = gr.HTML(elem_id="qa-timeline")
                    # Filled in the reader's language when the page loads.
                    sources = gr.HTML(elem_id="qa-sources")

            with (
                gr.Tab(I18N("tab_articles"), id="articles", elem_id="qa-tab-articles"),
                gr.Row(equal_height=False),
            ):
                with gr.Column(scale=3, min_width=380):
                    with gr.Row(equal_height=True):
                        search = gr.Textbox(
                            label=I18N("search_articles"), scale=3, elem_id="qa-articles-search"
                        )
                        count = gr.Markdown()
                    table = gr.Dataframe(
                        headers=ui.article_headers("en"),
                        # In pixels, not shares: a narrow screen scrolls the table sideways rather
                        # than break dates and categories mid-word.
                        column_widths=[280, 110, 100, 210],
                        datatype="str",
                        interactive=False,
                        wrap=True,
                        max_height="none",
                        label=I18N("articles"),
                        elem_id="qa-articles",
                    )
                    # The label above the drop zone: as the File's own it floats over the zone's icon.
                    gr.Markdown(I18N("upload"), elem_id="qa-upload-label")
                    uploads = gr.File(
                        label=I18N("upload"), show_label=False, file_count="multiple", height=150,
                        elem_id="qa-upload",
                    )  # fmt: skip
                    build_result = gr.HTML(elem_id="qa-build-result")
                    rebuild_button = gr.Button(I18N("rebuild"), variant="secondary", size="sm")
                with gr.Column(scale=2, min_width=340):
                    article = gr.HTML(elem_id="qa-article")

        asking = [question_box, chatbot, turn, since, until, category, k]
        answered = [chatbot, sources, timeline, filter_row, filter_note, last_question, question_box, turn]
        for trigger in (question_box.submit, ask_button.click):
            trigger(submit, asking, answered, concurrency_id="ask", concurrency_limit=ASK_CONCURRENCY,
                    api_visibility="private")  # fmt: skip
        remove_filter.click(
            without_period,
            [last_question, chatbot, turn, since, until, category, k],
            answered,
            concurrency_id="ask",
            concurrency_limit=ASK_CONCURRENCY,
            api_visibility="private",
        )
        clear.click(new_chat, None, answered, api_visibility="private")
        sources.change(None, None, None, js=ui.NEW_SOURCES)
        gr.api(ask_api, api_name="ask", concurrency_id="ask", concurrency_limit=ASK_CONCURRENCY)

        listing = [table, count, category]
        demo.load(opened, None, [sources, article], api_visibility="private")
        demo.load(catalogue, [search], listing, api_visibility="private")
        search.change(catalogue, [search], listing, api_visibility="private", show_progress="hidden")
        table.select(show_article, None, article, api_visibility="private")
        # Dropping files is the whole of adding them: saved, then indexed, with one report.
        uploads.upload(add_articles, [uploads], [build_result, uploads], api_name="add_articles").then(
            catalogue, [search], listing, api_visibility="private"
        )
        # Any number of clicks may run at once: all but one meet the lock and say so at once,
        # instead of queueing up to rebuild again afterwards.
        rebuild_button.click(rebuild, None, build_result, api_name="rebuild", concurrency_limit=None).then(
            catalogue, [search], listing, api_visibility="private"
        )
    return demo


THEME = gr.themes.Soft(
    primary_hue="indigo",
    neutral_hue="slate",
    # System fonts: the app runs offline, so nothing is fetched from a font service.
    font=["ui-sans-serif", "system-ui", "Segoe UI", "Roboto", "sans-serif"],
    font_mono=["ui-monospace", "SFMono-Regular", "Menlo", "monospace"],
)


def launch(demo: gr.Blocks, settings: AppSettings, *, block: bool = True) -> tuple[object, str, str]:
    """Serve `demo`: queue, auth, language and look; `block=False` returns once it listens."""
    return demo.queue(default_concurrency_limit=ASK_CONCURRENCY).launch(
        server_name=settings.host,
        server_port=settings.port,
        auth=LoginGuard(dict(settings.users)) if settings.users else None,
        i18n=I18N,
        theme=THEME,
        css=ui.CSS,
        head=f"<script>{ui.SCRIPT}</script>",
        # Our own per-file limit answers with a message naming the file; this ceiling only stops
        # a request far beyond it before it fills the disk.
        max_file_size=int(settings.max_archive_upload_bytes * 5 + 1_000_000),
        prevent_thread_lock=not block,
        show_error=True,
        footer_links=["api", "settings"],
        quiet=not block,
    )


def port_in_use(host: str, port: int) -> bool:
    """True when something already listens on host:port (checked so the user gets one clear line)."""
    for family, kind, proto, _, address in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM):
        with socket.socket(family, kind, proto) as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind(address)
            except OSError:
                return True
    return False


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="app.py", description="Web app: ask questions about the news archive and see the sources."
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=7860, help="port (default 7860)")
    parser.add_argument(
        "--corpus", type=Path, default=Path(os.environ.get("QA_CORPUS") or "corpus"),
        help="folder of articles (env QA_CORPUS; default corpus)",
    )  # fmt: skip
    parser.add_argument(
        "--index", type=Path, default=Path(os.environ.get("QA_INDEX") or "index"),
        help="index folder (env QA_INDEX; default index)",
    )  # fmt: skip
    parser.add_argument(
        "--store", default=os.environ.get("QA_STORE") or None,
        help="the index in Milvus instead of a folder: milvus://host:19530, https://… (token in env "
        "QA_MILVUS_TOKEN), or a milvus-lite file ending in .db (env QA_STORE)",
    )  # fmt: skip
    parser.add_argument(
        "--collection", default=os.environ.get("QA_COLLECTION") or None,
        help="name of the index's collections in Milvus (env QA_COLLECTION; default qa)",
    )  # fmt: skip
    parser.add_argument(
        "--model", default=os.environ.get("QA_MODEL") or None,
        help="the model to build and ask with (env QA_MODEL; default: the index's, else use-multilingual-v3)",
    )  # fmt: skip
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        settings = AppSettings(
            corpus=args.corpus,
            index=locate(
                args.store or args.index, args.collection, os.environ.get("QA_MILVUS_TOKEN") or None
            ),
            host=args.host,
            port=args.port,
            max_upload_mb=max_upload_mb(os.environ.get("QA_MAX_UPLOAD_MB")),
            max_file_mb=max_file_mb(os.environ.get("QA_MAX_FILE_MB")),
            users=parse_users(os.environ.get("QA_USERS")),
            model=args.model,
        )
        if port_in_use(settings.host, settings.port):
            print(
                f"app.py: error: port {settings.port} on {settings.host} is already in use; "
                f"stop what runs there or pass --port",
                file=sys.stderr,
            )
            return 1
        if not has_index(settings.index):
            where = f"{settings.index}/" if isinstance(settings.index, Path) else str(settings.index)
            print(f"No index in {where} yet: building it from {settings.corpus}/ …", file=sys.stderr)
            report = build_index(
                settings.corpus,
                settings.index,
                model=settings.model,
                log=lambda line: print(line, file=sys.stderr),
                max_file_bytes=settings.max_file_bytes,
            )
            print(report.summary(), file=sys.stderr)
        retriever_for(settings.index, settings.model)  # load the index and model now, not on first question
    except QAError as e:
        print(f"app.py: error: {e}", file=sys.stderr)
        return e.exit_code
    launch(build_app(settings), settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
