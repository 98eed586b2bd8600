"""What the web app shows: answers, passages and articles turned into chat messages and HTML.

Plain functions over qa's objects, tested on their own; no Gradio here, and no I/O.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from qa.answer import Answer, pages_note, period_note
from qa.articles import SUFFIXES
from qa.build import BuildReport
from qa.errors import QAError
from qa.filters import Filters, FilterValueError
from qa.question import Period
from qa.search import Passage
from qa.store import ArticleInfo
from qa.translations import LANGUAGES, TRANSLATIONS, Message, say
from qa.uploads import UploadOutcome


def words(lang: str) -> dict[str, str]:
    """The translation table's texts in `lang`: what the server writes into HTML (the page's
    static labels are translated in the browser from the same table, see app.py)."""
    return TRANSLATIONS[lang if lang in TRANSLATIONS else "en"]


def language_of(accept_language: str | None) -> str:
    """The page's language for an Accept-Language header: the browser's first language if it is
    one of ours, else English.

    Gradio's frontend translates the static labels the same way (the first language it knows,
    falling back to English), so a German browser that also reads Dutch gets an English page
    from both, not Dutch cards under English labels.
    """
    best, best_q = "en", -1.0
    for position, item in enumerate((accept_language or "").split(",")):
        tag, _, params = item.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if not primary or primary == "*":
            continue
        q = 1.0
        match = re.search(r"q=([0-9.]+)", params)
        if match:
            try:
                q = float(match.group(1))
            except ValueError:
                q = 0.0
        # Equal weights keep the header's order, which is the browser's order of preference.
        if q - position * 1e-6 > best_q:
            best, best_q = primary, q - position * 1e-6
    return best if best in LANGUAGES else "en"


# --- escaping ------------------------------------------------------------------------------


def escape(text: str) -> str:
    """Article text as inert HTML text: no tag, attribute or entity of its own survives."""
    return html.escape(text, quote=True)


# Characters that Markdown would read as syntax. Chat messages are Markdown, so article text put
# into one must not turn into links (`[x](javascript:…)`), emphasis, code or LaTeX.
_MARKDOWN_SYNTAX = re.compile(r"[\\`*_\[\]{}()#+\-!|~$<>&\"']")


def escape_markdown(text: str) -> str:
    """Article text as inert Markdown and HTML: every syntax character becomes a numeric entity."""
    return _MARKDOWN_SYNTAX.sub(lambda m: f"&#{ord(m.group(0))};", re.sub(r"\s+", " ", text))


def safe_url(url: str | None) -> str | None:
    """The URL if it is an absolute http(s) link, else None: no javascript:, data: or relative links."""
    if not url:
        return None
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    if any(ord(c) < 0x20 or c.isspace() for c in url):
        return None
    return url


# The chat's element id: each card's "back to the answer" link points at it.
CHAT_ID = "qa-chat"


def source_id(number: int) -> str:
    """The HTML id of passage `number`'s card; the answer's [n] links point at it."""
    return f"source-{number}"


# --- highlighting --------------------------------------------------------------------------


def _merged(spans: Iterable[tuple[int, int]], length: int) -> list[tuple[int, int]]:
    """Spans clipped to the text and merged where they overlap or touch, in order."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted((max(0, s), min(length, e)) for s, e in spans):
        if start >= end:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def mark(text: str, spans: Iterable[tuple[int, int]], css_class: str = "qa-hl") -> str:
    """`text` escaped, with each span (character offsets into `text`) wrapped in <mark>."""
    parts = []
    at = 0
    for start, end in _merged(spans, len(text)):
        parts.append(escape(text[at:start]))
        parts.append(f'<mark class="{css_class}">{escape(text[start:end])}</mark>')
        at = end
    parts.append(escape(text[at:]))
    return "".join(parts)


def article_html(text: str, passage: tuple[int, int] | None = None, highlights: Sequence = ()) -> str:
    """A whole article as escaped text, the passage (article offsets) set off in place.

    `highlights` are offsets relative to the passage, as `Passage.highlights` holds them.
    """
    if passage is None:
        return f'<div class="qa-fulltext">{escape(text)}</div>'
    start, end = max(0, passage[0]), min(len(text), passage[1])
    inner = mark(text[start:end], highlights)
    return (
        f'<div class="qa-fulltext">{escape(text[:start])}'
        f'<span class="qa-inpassage">{inner}</span>{escape(text[end:])}</div>'
    )


# --- the answer as a chat message ----------------------------------------------------------

_CITATION = re.compile(r"\[(\d+)\]")


def cite_link(number: int, verified: bool = True) -> str:
    if verified:
        return f'<a class="qa-cite" href="#{source_id(number)}">&#91;{number}&#93;</a>'
    return f'<a class="qa-cite qa-unverified" href="#{source_id(number)}">&#91;{number}?&#93;</a>'


def draft_message(text: str) -> str:
    """An answer still being written (streamed from an LLM): plain escaped text, links come at the end."""
    return f'<div class="qa-answer qa-draft">{escape_markdown(text)} ▍</div>'


def answer_message(answer: Answer, lang: str, dropped: Period | None = None) -> str:
    """The assistant's chat message: how a follow-up was understood, the answer with [n] linked to
    its card, then notes and filters.

    The answer text is article text (extractive) or model output (LLM): both are escaped. An
    extractive answer links each citation; in a model's text only the [n] markers that point at
    a shown passage become links. `dropped`: the period the question names, when it was asked
    again without it.
    """
    w = words(lang)
    ranks = {p.rank for p in answer.passages}
    # A marker whose claims were all checked and none found in the passage is flagged with "?".
    unverified = {c.number for c in answer.citations if not c.verified} - {
        c.number for c in answer.citations if c.verified
    }
    if answer.source == "extractive" and answer.citations:
        # Built from the citations, not by finding "[n]" in the text: an article may itself
        # contain "[1]", which must stay text, not become a link to a card.
        # The sentence that answers most surely stands out when others keep it company.
        several = len(answer.citations) > 1
        body = " ".join(
            f"{_strong(escape_markdown(' '.join(c.text.split())), several and c.best)} {cite_link(c.number)}"
            for c in answer.citations
        )
    else:
        parts = []
        at = 0
        text = " ".join(answer.text.split())
        for match in _CITATION.finditer(text):
            number = int(match.group(1))
            if number not in ranks:
                continue
            parts.append(escape_markdown(text[at : match.start()]))
            parts.append(cite_link(number, number not in unverified))
            at = match.end()
        parts.append(escape_markdown(text[at:]))
        body = "".join(parts).strip()
    lines = []
    if answer.understood:
        understood = say("understood", lang, question=answer.understood)
        lines.append(f'<div class="qa-understood">{escape_markdown(understood)}</div>')
    if dropped is not None:
        again = say("without_period", lang, phrase=dropped.phrase)
        lines.append(f'<div class="qa-callout qa-note">{escape_markdown(again)}</div>')
    if answer.abstained:
        lines.append(f'<div class="qa-callout qa-weak">⚠ {escape(w["weak_answer"])}</div>')
    lines.append(f'<div class="qa-answer">{body}</div>')
    if unverified:
        lines.append(f'<div class="qa-callout qa-weak">⚠ {escape(w["unverified"])}</div>')
    for note in answer.notes:
        lines.append(f'<div class="qa-callout qa-note">ℹ {escape_markdown(note)}</div>')
    if answer.source == "llm":
        lines.append(f'<div class="qa-filterline">{escape(w["by_llm"])}</div>')
    if answer.filters.active:
        lines.append(
            f'<div class="qa-filterline">{escape_markdown(describe_filters(answer.filters, lang))}</div>'
        )
    return "\n".join(lines)


_LINKED_CITATION = re.compile(r'<a class="qa-cite[^"]*" href="#source-\d+">(&#91;\d+\??&#93;)</a>')


def api_answer(answer: Answer) -> dict:
    """`Answer.to_dict()` for the web API, without each article's server-side file path.

    The article id already names the file within the corpus; the path would only tell a remote
    client where the server keeps it. It also has to go for gradio_client 2.7 to work at all:
    `Client.predict` takes any returned object with a string "path" for a file to download.
    """
    data = answer.to_dict()
    for passage in data["passages"]:
        passage["article"] = {k: v for k, v in passage["article"].items() if k != "path"}
    return data


def _strong(escaped: str, strong: bool) -> str:
    return f"<strong>{escaped}</strong>" if strong else escaped


def unlink_citations(message: str) -> str:
    """An earlier answer's [n] without links: the cards on the page belong to the latest answer."""
    return _LINKED_CITATION.sub(r'<span class="qa-cite-old">\1</span>', message)


def unlink_history(history: Sequence[dict]) -> list[dict]:
    """Chat messages (Gradio's format: content a string or a list of parts) with old links removed."""
    result = []
    for message in history:
        content = message.get("content")
        if isinstance(content, str):
            content = unlink_citations(content)
        elif isinstance(content, list):
            content = [
                {**part, "text": unlink_citations(part["text"])}
                if isinstance(part, dict) and part.get("type") == "text"
                else part
                for part in content
            ]
        result.append({"role": message["role"], "content": content})
    return result


def filter_error(error: FilterValueError) -> Message:
    """A bad date in the app's filter fields, named by the field's label rather than the CLI option."""
    if error.field == "order":
        return Message("dates_reversed", since=error.since, until=error.until)
    value = error.since if error.field == "since" else error.until
    return Message("bad_date", field=Message(f"{error.field}_field"), value=value)


def describe_filters(filters: Filters, lang: str) -> str:
    """'Filtered to 2017, category buitenland' in the interface language; '' if none."""
    if not filters.active:
        return ""
    return say("filtered", lang, filters=filters.describe(lang))


def describe_period(period: Period, lang: str) -> str:
    """What was done with the period the question names, in the interface language."""
    return period_note(period, lang)


# --- sources panel -------------------------------------------------------------------------


def _meta_line(article: ArticleInfo, lang: str) -> str:
    w = words(lang)
    items = [f'<span class="qa-date">{escape(article.date or w["undated"])}</span>']
    if article.category:
        items.append(f'<span class="qa-category">{escape(article.category)}</span>')
    url = safe_url(article.url)
    if url:
        items.append(
            f'<a class="qa-original" href="{escape(url)}" target="_blank" '
            f'rel="noopener noreferrer nofollow">{escape(w["original"])} ↗</a>'
        )
    return '<span class="qa-sep">·</span>'.join(items)


def source_card(passage: Passage, article_text: str | None, lang: str, weak: bool = False) -> str:
    """One passage as a card: number, title, date, category, link, text with the support marked.

    `article_text` (the whole cleaned article) adds a "show whole article" view with the passage
    in place; None leaves it out.
    """
    w = words(lang)
    article = passage.article
    whole = ""
    if article_text is not None and article_text[passage.start : passage.end] == passage.text:
        whole = (
            f'<details class="qa-whole"><summary>{escape(w["whole_article"])}</summary>'
            f"{article_html(article_text, (passage.start, passage.end), passage.highlights)}</details>"
        )
    badge = f' <span class="qa-badge">{escape(w["weak"])}</span>' if weak else ""
    # A PDF's page is where a reader finds the passage on paper.
    pages = pages_note(passage)
    where = " · ".join(
        escape(part) for part in (article.id, pages, f"{w['chars']} {passage.start}–{passage.end}") if part
    )
    return (
        f'<article class="qa-card{" qa-card-weak" if weak else ""}" id="{source_id(passage.rank)}">'
        # Stacked on a narrow screen, the cards lie far below the answer that links to them.
        f'<a class="qa-back" href="#{CHAT_ID}">{escape(w["back_to_answer"])}</a>'
        f'<header class="qa-card-head"><span class="qa-num">{passage.rank}</span>'
        f'<div><div class="qa-title">{escape(article.title)}{badge}</div>'
        f'<div class="qa-meta">{_meta_line(article, lang)}</div></div></header>'
        f'<div class="qa-passage">{mark(passage.text, passage.highlights)}</div>'
        f"{whole}"
        f'<div class="qa-file">{where}</div>'
        f"</article>"
    )


def source_cards(answer: Answer | None, article_text: Callable[[str], str | None] | None, lang: str) -> str:
    """The sources panel for an answer: one card per passage, in rank order."""
    w = words(lang)
    head = f'<div class="qa-panel-title">{escape(w["sources"])}</div>'
    if answer is None or not answer.passages:
        return f'<div class="qa-sources">{head}<p class="qa-empty">{escape(w["no_sources"])}</p></div>'
    texts: dict[str, str | None] = {}
    for p in answer.passages:
        if p.article.id not in texts:
            texts[p.article.id] = article_text(p.article.id) if article_text else None
    cards = "".join(source_card(p, texts[p.article.id], lang, answer.abstained) for p in answer.passages)
    return f'<div class="qa-sources">{head}{cards}</div>'


@dataclass(frozen=True)
class TimelineEntry:
    date: str | None
    title: str
    article_id: str
    ranks: tuple[int, ...]  # the passages of this article among the answer's


def timeline(passages: Sequence[Passage]) -> list[TimelineEntry]:
    """The articles behind the passages, oldest first; undated ones last."""
    seen: dict[str, TimelineEntry] = {}
    for p in passages:
        entry = seen.get(p.article.id)
        ranks = (*entry.ranks, p.rank) if entry else (p.rank,)
        seen[p.article.id] = TimelineEntry(p.article.date, p.article.title, p.article.id, ranks)
    # ISO dates of any precision sort as strings; the id keeps equal dates in a stable order.
    return sorted(seen.values(), key=lambda e: (e.date is None, e.date or "", e.article_id))


def timeline_html(passages: Sequence[Passage], lang: str) -> str:
    w = words(lang)
    entries = timeline(passages)
    if not entries:
        return ""
    items = "".join(
        f'<li><span class="qa-when">{escape(e.date or w["undated"])}</span>'
        f'<span class="qa-what">{escape(e.title)}</span> '
        f"{' '.join(cite_link(r) for r in e.ranks)}</li>"
        for e in entries
    )
    return (
        f'<div class="qa-timeline"><div class="qa-panel-title">{escape(w["timeline"])}</div>'
        f"<ol>{items}</ol></div>"
    )


# --- articles tab --------------------------------------------------------------------------


def article_rows(articles: Sequence[ArticleInfo], query: str, lang: str) -> list[list[str]]:
    """Rows (title, date, category, file) of the articles whose title or file contains `query`;
    an article whose date could not be found says so in its date cell."""
    needle = query.strip().casefold()
    undated = words(lang)["undated"]
    return [
        [a.title, a.date or undated, a.category or "", a.id]
        for a in articles
        if not needle or needle in a.title.casefold() or needle in a.id.casefold()
    ]


def articles_count(articles: Sequence[ArticleInfo], shown: int, lang: str) -> str:
    """ "3 of 65 articles · 2 undated": a missing date matters, since a date filter leaves the article out."""
    w = words(lang)
    count = w["articles_count"].format(shown=shown, total=len(articles))
    undated = sum(1 for a in articles if a.date is None)
    return f"{count} · {w['undated_count'].format(n=undated)}" if undated else count


def article_headers(lang: str) -> list[str]:
    w = words(lang)
    return [w["col_title"], w["col_date"], w["col_category"], w["col_file"]]


def categories(articles: Sequence[ArticleInfo]) -> list[str]:
    return sorted({a.category for a in articles if a.category}, key=str.casefold)


def no_article(lang: str) -> str:
    """The article pane before one is chosen."""
    return f'<p class="qa-empty">{escape(say("select_hint", lang))}</p>'


def article_view(article: ArticleInfo, text: str, lang: str) -> str:
    """One indexed article, whole, as text."""
    return (
        f'<article class="qa-card qa-article-view"><header class="qa-card-head"><div>'
        f'<div class="qa-title">{escape(article.title)}</div>'
        f'<div class="qa-meta">{_meta_line(article, lang)}</div></div></header>'
        f"{article_html(text)}"
        f'<div class="qa-file">{escape(article.id)}</div></article>'
    )


def build_summary(report: BuildReport, lang: str) -> str:
    """What a rebuild did: counts, then every skipped file with its reason, every duplicate with
    the article it repeats, and every file of a type no article is read from."""
    w = words(lang)
    counted = [
        (len(report.added), "added"),
        (len(report.changed), "changed"),
        (len(report.removed), "removed"),
        (report.unchanged, "unchanged"),
        (len(report.skipped), "skipped"),
    ]
    if report.duplicates:
        counted.append((len(report.duplicates), "duplicates"))
    if report.ignored:
        counted.append((len(report.ignored), "ignored"))
    counts = ", ".join(f"{n} {w[key]}" for n, key in counted)
    lines = [f"<strong>{escape(w['built'])}</strong>: {escape(counts)} · {report.seconds:.1f} s"]
    if report.full_rebuild:
        lines.append(f"{escape(w['full_rebuild'])}: {escape(report.full_rebuild.said(lang))}")
    items = "".join(
        f"<li><code>{escape(s.id)}</code>: {escape(s.reason.said(lang))}</li>" for s in report.skipped
    )
    items += "".join(
        f"<li><code>{escape(d.id)}</code>: {escape(say('duplicate_of', lang, name=d.same_as))}</li>"
        for d in report.duplicates
    )
    types = ", ".join(SUFFIXES)
    items += "".join(
        f"<li><code>{escape(name)}</code>: {escape(say('ignored_type', lang, types=types))}</li>"
        for name in report.ignored
    )
    listing = f"<ul>{items}</ul>" if items else ""
    return f'<div class="qa-callout qa-note">{"<br>".join(lines)}{listing}</div>'


def nothing_added(lang: str) -> str:
    return f'<div class="qa-callout qa-note">{escape(say("nothing_added", lang))}</div>'


def build_error(error: QAError, lang: str) -> str:
    message = error.in_language(lang)
    return f'<div class="qa-callout qa-weak">{escape(words(lang)["build_failed"])}: {escape(message)}</div>'


def build_busy(lang: str) -> str:
    return f'<div class="qa-callout qa-weak">{escape(words(lang)["build_busy"])}</div>'


# --- uploads -------------------------------------------------------------------------------


def _size(n: int) -> str:
    return f"{n / 1_000_000:.1f} MB" if n >= 100_000 else f"{n / 1000:.1f} kB"


def upload_report(outcomes: Sequence[UploadOutcome], max_bytes: int, lang: str) -> str:
    """One line per uploaded file: where it went, or why it was refused."""
    w = words(lang)
    types = ", ".join(SUFFIXES)
    items = []
    for o in outcomes:
        if o.saved_as is not None:
            text = say("renamed", lang, name=o.saved_as, given=o.name) if o.renamed else w["saved"]
        elif o.problem == "type":
            text = w["bad_type"].format(types=types)
        elif o.problem == "size":
            text = w["too_big"].format(size=_size(o.size), limit=_size(o.limit or max_bytes))
        elif o.problem == "unreadable":
            text = say("unreadable", lang, reason=o.reason)
        elif o.problem == "duplicate":
            text = say("duplicate", lang, name=o.detail)
        elif o.problem == "repeated":
            text = say("duplicate_upload", lang, name=o.detail)
        else:
            text = w["bad_name"]
        status = "qa-ok" if o.saved_as is not None else "qa-refused"
        items.append(f'<li class="{status}"><code>{escape(o.name)}</code>: {escape(text)}</li>')
    return f'<div class="qa-uploads"><ul>{"".join(items)}</ul></div>'


# Runs once in the page (app.py hands it to Gradio as <head> script): a clicked [n] marks its
# card, and a new answer's panel starts at the top with no card marked.
SCRIPT = """
document.addEventListener("click", (event) => {
  const link = event.target.closest && event.target.closest("a.qa-cite");
  if (!link) return;
  const card = document.getElementById(link.getAttribute("href").slice(1));
  document.querySelectorAll(".qa-card.qa-picked").forEach((c) => c.classList.remove("qa-picked"));
  if (card) card.classList.add("qa-picked");
});
"""

# After each answer (app.py runs it when the sources change): the side panel scrolls back to
# its top, and the URL forgets the card the last answer's [n] pointed at.
NEW_SOURCES = """() => {
  const side = document.getElementById("qa-side");
  if (side) side.scrollTop = 0;
  if (location.hash.startsWith("#source-")) {
    history.replaceState(null, "", location.pathname + location.search);
  }
}"""

CSS = """
/* Cards, timeline and callouts; Gradio's theme variables keep them right in light and dark mode. */
/* Side by side, the sources scroll on their own beside the chat; stacked (narrow), they just follow. */
@media (min-width: 1000px) {
  /* nowrap: a wrapping flex column with a max-height would put the cards beside the timeline. */
  #qa-side { position: sticky; top: .5rem; max-height: calc(100vh - 1rem); overflow-y: auto;
    flex-wrap: nowrap; }
}
.qa-panel-title { font-weight: 600; font-size: var(--text-lg); margin: 0 0 .5rem; }
.qa-empty { color: var(--body-text-color-subdued); }
.qa-sources, .qa-timeline { display: flex; flex-direction: column; gap: .75rem; }
.qa-card {
  border: 1px solid var(--border-color-primary); border-radius: var(--radius-lg);
  background: var(--block-background-fill); padding: .8rem 1rem; scroll-margin-top: 1rem;
  box-shadow: var(--block-shadow);
}
/* Marked by SCRIPT when its [n] is clicked, not by :target: the URL's #source-1 outlives the
   answer it belonged to, and would outline card 1 of every later answer. */
.qa-card.qa-picked { outline: 2px solid var(--color-accent); outline-offset: 1px; }
.qa-back { float: right; margin: -.2rem 0 .2rem .5rem; font-size: var(--text-xs);
  color: var(--link-text-color); text-decoration: none; }
.qa-back:hover { text-decoration: underline; }
/* The articles table reads as text: the page's font, dates and categories on one line, and as
   many rows as there are, in the page's own scroll. */
#qa-articles .body-cell, #qa-articles .header-cell, #qa-articles span.text { font-family: var(--font); }
#qa-articles [data-col="1"] span.text, #qa-articles [data-col="2"] span.text { white-space: nowrap; }
#qa-articles span.text { word-break: normal; overflow-wrap: break-word; }
.qa-card-weak { border-style: dashed; }
.qa-card-head { display: flex; gap: .7rem; align-items: flex-start; margin-bottom: .5rem; }
.qa-num {
  flex: none; min-width: 1.7rem; height: 1.7rem; border-radius: 999px; display: inline-flex;
  align-items: center; justify-content: center; font-weight: 700; font-size: var(--text-sm);
  background: var(--color-accent-soft); color: var(--color-accent); border: 1px solid var(--color-accent);
}
.qa-title { font-weight: 600; line-height: 1.3; }
.qa-meta { font-size: var(--text-sm); color: var(--body-text-color-subdued); margin-top: .15rem; }
.qa-sep { margin: 0 .4rem; }
.qa-category {
  padding: 0 .45rem; border-radius: 999px; border: 1px solid var(--border-color-primary);
}
.qa-original { color: var(--link-text-color); }
.qa-badge {
  font-size: var(--text-xs); font-weight: 600; padding: .05rem .45rem; border-radius: 999px;
  background: rgba(234, 88, 12, .15); color: #c2410c; margin-left: .3rem;
}
.dark .qa-badge { color: #fdba74; }
.qa-passage, .qa-fulltext { white-space: pre-wrap; line-height: 1.55; font-size: var(--text-md); }
.qa-fulltext { max-height: 26rem; overflow: auto; padding: .6rem .8rem; margin-top: .4rem;
  border-radius: var(--radius-md); background: var(--background-fill-secondary); }
mark.qa-hl { background: rgba(250, 204, 21, .45); color: inherit; border-radius: 3px; padding: 0 1px; }
.dark mark.qa-hl { background: rgba(250, 204, 21, .3); }
.qa-inpassage { background: rgba(99, 102, 241, .12); box-shadow: inset 3px 0 0 var(--color-accent); }
.dark .qa-inpassage { background: rgba(129, 140, 248, .18); }
.qa-whole { margin-top: .5rem; }
.qa-whole summary { cursor: pointer; color: var(--link-text-color); font-size: var(--text-sm); }
.qa-file { margin-top: .5rem; font-size: var(--text-xs); color: var(--body-text-color-subdued);
  font-family: var(--font-mono); }
.qa-timeline ol { list-style: none; margin: 0; padding: 0 0 0 .9rem;
  border-left: 2px solid var(--border-color-primary); }
.qa-timeline li { position: relative; margin: 0 0 .45rem; padding-left: .3rem; line-height: 1.35; }
.qa-timeline li::before { content: ""; position: absolute; left: -1.32rem; top: .35rem; width: .6rem;
  height: .6rem; border-radius: 999px; background: var(--color-accent); }
.qa-when { font-weight: 700; font-variant-numeric: tabular-nums; margin-right: .5rem; }
.qa-what { color: var(--body-text-color); }
a.qa-cite { text-decoration: none; font-weight: 600; color: var(--color-accent); white-space: nowrap; }
a.qa-cite:hover { text-decoration: underline; }
a.qa-unverified { color: #c2410c; }
.dark a.qa-unverified { color: #fdba74; }
.qa-draft { opacity: .85; }
.qa-understood { font-size: var(--text-sm); color: var(--body-text-color-subdued); font-style: italic;
  margin-bottom: .35rem; }
.qa-cite-old { color: var(--body-text-color-subdued); }
.qa-callout { padding: .5rem .75rem; border-radius: var(--radius-md); margin: .35rem 0;
  border: 1px solid var(--border-color-primary); font-size: var(--text-sm); }
.qa-weak { background: rgba(234, 88, 12, .1); border-color: rgba(234, 88, 12, .45); }
.qa-note { background: rgba(59, 130, 246, .08); border-color: rgba(59, 130, 246, .35); }
.qa-filterline { font-size: var(--text-sm); color: var(--body-text-color-subdued); margin-top: .35rem; }
.qa-uploads ul { margin: 0; padding-left: 1.1rem; }
.qa-uploads .qa-refused { color: #b91c1c; }
.dark .qa-uploads .qa-refused { color: #fca5a5; }
"""
