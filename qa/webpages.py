"""HTML → article paragraphs, headline, title and date: whole pages through trafilatura and htmldate,
bare fragments (a Jekyll post's body) through a small extractor that keeps every block.

Holds nothing about other formats or about which date wins over front matter (qa/articles.py).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from html import unescape
from html.parser import HTMLParser

from qa.dates import byline, plausible

# A byline sits just below (or just above) the headline; further away, dates belong to other stories.
BYLINE_WINDOW = (2, 6)  # blocks before, after the headline
BYLINE_WINDOW_NO_HEADLINE = 25  # first blocks of a page without an <h1>

_PAGE = re.compile(r"<(?:!doctype|html|head|body)\b", re.IGNORECASE)
_HTML_HINT = re.compile(r"<(p|br|div|h[1-6]|article|section|span|a|ul|li|img|html|body)\b", re.I)
_OPENING_BLOCK = re.compile(r"<(p|div|h[1-6]|article|section|ul|html|body)\b[^>]*>", re.I)
# "Headline | Site", "Headline - Site", "Headline — Site": the separators sites put before their name.
_SITE_SEPARATOR = re.compile(r"\s+(?:\||-|–|—|·|•|»|::)\s+")
_SITE_SUFFIX_MAX_WORDS = 4


@dataclass(frozen=True)
class Page:
    paragraphs: tuple[str, ...]  # the article's blocks, boilerplate removed, headings on their own
    headline: str | None  # the page's <h1> for the story
    title: str | None  # og:title or <title> without the site's name
    date: str | None
    depth: int = 0  # how deep its elements nest: past MAX_DEPTH trafilatura reads nothing


# libxml2's limit, under which trafilatura parses: a page nested deeper yields no text at all.
MAX_DEPTH = 255


def looks_like_html(body: str) -> bool:
    """Markup rather than Markdown or text: two tags, or one block that opens it (a one-paragraph
    post "<p>…</p>"); a lone <br> in Markdown is not."""
    return len(_HTML_HINT.findall(body)) >= 2 or bool(_OPENING_BLOCK.match(body.lstrip()))


def is_page(markup: str) -> bool:
    """A whole page (doctype, <html>, <head> or <body>) rather than an article's bare markup."""
    return bool(_PAGE.search(markup[:4096]))


def read_page(markup: str) -> Page:
    """The article in a saved web page: navigation, banners, related links and footers dropped."""
    # Imported here: trafilatura takes ~0.1 s to import, which `qa ask` and the app must not pay.
    import trafilatura

    structure = _parse(markup)
    # Precision over recall: a cookie notice indexed as news is worse than a lost caption.
    # htmldate's fast search reads meta tags, JSON-LD, <time> and date-marked elements; its
    # extensive search would also take any date from the story's own sentences.
    document = trafilatura.bare_extraction(
        markup,
        favor_precision=True,
        include_comments=False,
        include_tables=True,
        deduplicate=False,
        with_metadata=True,
        date_extraction_params={
            "extensive_search": False,
            "original_date": True,
            "min_date": "1900-01-01",
            "max_date": dt.date.today().isoformat(),
        },
    )
    text = document.text if document is not None and document.text else ""
    paragraphs = tuple(line.strip() for line in text.splitlines() if line.strip())
    sites = {structure.metas.get("og:site_name"), structure.metas.get("application-name")}
    if document is not None:
        sites.add(document.sitename)
    title = _title(structure, {_site_key(s) for s in sites if s})
    headline = _headline(structure.h1s, title)
    blocks = structure.paragraphs()
    if headline in blocks:
        at = blocks.index(headline)
        near = blocks[max(0, at - BYLINE_WINDOW[0]) : at + 1 + BYLINE_WINDOW[1]]
    else:
        near = blocks[:BYLINE_WINDOW_NO_HEADLINE]
    bylines = [found for found in map(byline, near) if found]
    published = next((b.published for b in bylines if b.published), None)
    updated = next((b.updated for b in bylines if b.updated), None)
    # A byline that says "Gepubliceerd" names the date outright; htmldate may have read an update.
    metadata = plausible(document.date) if document is not None else None
    return Page(paragraphs, headline, title, published or metadata or updated, structure.max_depth)


def read_fragment(markup: str) -> tuple[str, str | None]:
    """Text of bare article markup, every block a paragraph, and its first h1/h2.

    trafilatura is not used here: on a fragment it takes the first heading for the page title and
    drops it from the text (measured on the seed's Jekyll post), and a fragment has no chrome to drop.
    """
    structure = _parse(markup)
    return "\n\n".join(structure.paragraphs()), structure.page_title or structure.heading


def _parse(markup: str) -> _TextExtractor:
    parser = _TextExtractor()
    parser.feed(markup)
    parser.close()
    return parser


# Elements that never hold others, and those a sibling of their kind closes.
_VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())
_SELF_CLOSING = frozenset("p li dt dd tr td th option".split())


class _TextExtractor(HTMLParser):
    """Collects visible text; block elements become paragraph breaks, scripts and styles vanish."""

    BLOCKS = frozenset(
        "p div br h1 h2 h3 h4 h5 h6 li ul ol blockquote article section header footer "
        "table tr td th pre figure figcaption hr main aside nav dd dt".split()
    )
    HIDDEN = frozenset("script style noscript template svg iframe head object".split())
    CAPTURED = frozenset(("title", "h1", "h2"))

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.hidden_depth = 0
        self.headings: list[tuple[str, str]] = []  # (tag, text) of every h1 and h2, in order
        self.page_title: str | None = None
        self.metas: dict[str, str] = {}  # <meta> property or name (lowercase) → content
        self._capture: list[str] | None = None
        self._capture_tag: str | None = None
        self._open: list[str] = []  # the elements open at this point, outermost first
        self.max_depth = 0

    def close(self) -> None:
        # Python before 3.13.4 re-reads all the rest of the input for every '<' left unclosed at
        # its end (80 KB of "<a " took 90 s). No tag, comment or declaration can close after the
        # last '>', so what follows it is text, as the parser would have found piece by piece.
        rest = self.rawdata
        last = rest.rfind(">") + 1
        if "<" not in rest[last:]:
            super().close()
            return
        self.rawdata = rest[:last]
        super().close()
        if not self.cdata_elem:  # inside <script> or <style> the parser drops an unclosed rest
            self.handle_data(unescape(rest[last:]))

    def parse_marked_section(self, i: int, report: int = 1) -> int:
        try:
            return super().parse_marked_section(i, report)
        except AssertionError:
            # Python before 3.13 raises on an unknown keyword ("<![foo["); HTML5 reads a bogus
            # comment up to the next '>'.
            end = self.rawdata.find(">", i + 3)
            return -1 if end < 0 else end + 1

    @property
    def heading(self) -> str | None:
        return self.headings[0][1] if self.headings else None

    @property
    def h1s(self) -> list[str]:
        return [text for tag, text in self.headings if tag == "h1"]

    def paragraphs(self) -> list[str]:
        # Inside HTML a single newline is layout, not a paragraph: blocks made the real breaks.
        paragraphs = (" ".join(p.split()) for p in "".join(self.parts).split("\n\n"))
        return [p for p in paragraphs if p]

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag not in _VOID:
            if tag in _SELF_CLOSING and self._open and self._open[-1] == tag:
                self._open.pop()  # "<p>a<p>b": a paragraph or item ends where the next begins
            self._open.append(tag)
            self.max_depth = max(self.max_depth, len(self._open))
        if tag == "meta":
            self._meta(attrs)
        if tag in self.HIDDEN:
            self.hidden_depth += 1
        elif tag in self.CAPTURED and self._capture is None:
            self._capture, self._capture_tag = [], tag
        if tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_startendtag(self, tag: str, attrs: list) -> None:
        if tag == "meta":
            self._meta(attrs)
        if tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._open:
            del self._open[len(self._open) - 1 - self._open[::-1].index(tag) :]
        if tag in self.HIDDEN:
            self.hidden_depth = max(0, self.hidden_depth - 1)
        elif tag == self._capture_tag and self._capture is not None:
            text = " ".join("".join(self._capture).split())
            if tag == "title":
                self.page_title = self.page_title or text or None
            elif text:
                self.headings.append((tag, text))
            self._capture = self._capture_tag = None
        if tag in self.BLOCKS:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if self._capture is not None:
            self._capture.append(data)
        if self.hidden_depth == 0 and self._capture_tag != "title":
            self.parts.append(data)

    def _meta(self, attrs: list) -> None:
        values = dict(attrs)
        key, content = values.get("property") or values.get("name"), values.get("content")
        if key and content and content.strip():
            self.metas.setdefault(key.lower(), " ".join(content.split()))


def _title(structure: _TextExtractor, sites: set[str]) -> str | None:
    og = structure.metas.get("og:title") or structure.metas.get("twitter:title")
    if og:
        return _strip_site(og, sites, guess=False)
    page_title = structure.page_title
    if page_title:
        # The page's own headline shows where the story's title ends and the site's name begins.
        for h1 in structure.h1s:
            if page_title.startswith(h1) and _SITE_SEPARATOR.match(page_title[len(h1) :]):
                return h1
        return _strip_site(page_title, sites, guess=True)
    return structure.h1s[0] if structure.h1s else None


def _strip_site(title: str, sites: set[str], guess: bool) -> str:
    """ "Headline | Site" → "Headline" when Site is the site's known name, or, for a <title> (`guess`),
    when the last part is short enough to be a name rather than part of the headline."""
    separators = list(_SITE_SEPARATOR.finditer(title))
    if not separators:
        return title
    last = separators[-1]
    head, tail = title[: last.start()], title[last.end() :]
    if _site_key(tail) in sites:
        return head
    if guess and len(tail.split()) <= _SITE_SUFFIX_MAX_WORDS and len(tail) < len(head):
        return head
    return title


def _site_key(name: str) -> str:
    key = name.casefold().strip()
    key = re.sub(r"^https?://", "", key).removeprefix("www.")
    return re.sub(r"\.(?:nl|be|com|org|net|eu|nu|info)$", "", key)


def _headline(h1s: list[str], title: str | None) -> str | None:
    """The <h1> that is the story's headline: the one matching the title, else the first."""
    for h1 in h1s:
        if title and h1.casefold() == title.casefold():
            return h1
    return h1s[0] if h1s else None
