"""Files in corpus/ → Article: format detection, cleaning, metadata; a bulk archive's rows and a PDF's
pages too.

Holds everything about reading article files; the archive and PDF formats themselves are
qa/archives.py's and qa/pdfs.py's, chunking and indexing live elsewhere.
"""

from __future__ import annotations

import codecs
import datetime as dt
import email.utils
import hashlib
import os
import re
import stat
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import BinaryIO

import ftfy
import yaml

from qa.archives import ARCHIVE_SUFFIXES, FIELDS, ArchiveError, BadRow, read_rows
from qa.dates import (
    Byline,
    bare_date,
    byline,
    byline_line,
    date_field,
    is_calendar_date,
    plausible,
    split_dateline,
)
from qa.errors import TranslatedError
from qa.markdown import markdown_to_text
from qa.pdfs import PdfError, read_pdf
from qa.translations import Message
from qa.webpages import MAX_DEPTH, Page, is_page, looks_like_html, read_fragment, read_page

# Bump when cleaning changes what text an unchanged file yields: the build re-reads everything.
CLEANING_VERSION = 6

SUFFIXES = (".txt", ".md", ".markdown", ".html", ".htm", ".pdf", *ARCHIVE_SUFFIXES)
# Larger files are skipped unread (QA_MAX_FILE_MB, qa build --max-file-mb): the app takes uploads
# up to the same size, and reading one is linear but not free (about 1 s a MB: BENCHMARKS.md). In a
# bulk archive (.jsonl, .csv, often gigabytes) the limit is a row's.
MAX_FILE_MB = 20.0
MAX_FILE_BYTES = int(MAX_FILE_MB * 1_000_000)
TITLE_MAX_CHARS = 90  # a title made from the first sentence
# A stated title or category longer than this is a file gone wrong, not a headline: it is cut at a
# word. Embedding puts the title before every chunk, so this also bounds what that adds.
FIELD_MAX_CHARS = 300
URL_MAX_CHARS = 2048


@dataclass(frozen=True)
class Article:
    # Path relative to the corpus folder, with forward slashes; a bulk archive's row adds its key:
    # archief.jsonl#a12 (see row_id). Stable across builds.
    id: str
    path: str  # the file as found on disk when the index was built
    title: str
    date: str | None  # ISO 8601 at the precision the source gives: 2023-12 or 2019-04-12
    category: str | None
    url: str | None
    text: str  # cleaned: no tags, entities decoded, paragraphs separated by one blank line
    hash: str  # sha256 of the file's bytes, or of a bulk archive row's fields
    pages: tuple[int, ...] = ()  # a PDF's: where each page starts in `text`

    @property
    def text_hash(self) -> str:
        return text_hash(self.text)


def text_hash(text: str) -> str:
    """sha256 of a cleaned text with its white space runs made single spaces: what two files that
    read as one article share (an archive exported twice, a page saved again under another name,
    the same story as .html and as .txt), though their bytes differ."""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class SourceFile:
    """A file found in the corpus, read but not yet parsed: enough to tell whether it changed."""

    id: str
    path: Path
    data: bytes
    hash: str

    @property
    def name(self) -> str:
        """How the build report names it."""
        return self.id

    @property
    def size(self) -> int:
        return len(self.data)

    def skipped(self, reason: Message) -> Skipped:
        return Skipped(self.id, reason)


@dataclass(frozen=True)
class SourceRow:
    """One row of a bulk archive (.jsonl, .csv), read but not yet parsed."""

    id: str  # archief.jsonl#a12: see row_id
    path: Path  # the archive
    file: str  # the archive's id: its path relative to the corpus
    line: int  # where the row starts in the archive
    fields: dict[str, str]  # title, text, date, category, url as the row gives them (qa/archives.py)
    hash: str  # of the fields: editing one row changes its hash alone
    size: int  # bytes of the archive it takes

    @property
    def name(self) -> str:
        return f"{self.file}:{self.line}"

    def skipped(self, reason: Message) -> Skipped:
        return Skipped(self.name, reason, article=self.id)


@dataclass(frozen=True)
class Skipped:
    # What the report names: a file, escaped by shown_name when its name is not one printable
    # line, or a bulk archive's row as archief.jsonl:7.
    id: str
    reason: Message  # said in the reader's language where it is shown; str() is the English
    # An earlier version stays in the index until the file reads again; not so for a link that
    # leads out of the corpus: what it showed never belonged there.
    keeps_indexed: bool = True
    article: str | None = None  # the article whose earlier version stays, when not `id`: a row's
    # A bulk archive whose indexed rows all stay when this scan does not find them: the archive
    # could not be read, or a line of it could not be told apart from the others.
    rows_of: str | None = None

    @property
    def kept(self) -> str:
        return self.article or self.id


class ArticleError(TranslatedError, ValueError):
    """This one file cannot become an article; the message says why."""


Source = SourceFile | SourceRow


def scan_corpus(corpus: Path, max_bytes: int = MAX_FILE_BYTES) -> Iterator[Source | Skipped]:
    """Every article below `corpus` in a stable order, read, or why it is not read.

    Hidden files and folders and files of other types are left out without a word.
    """
    for path in corpus_files(corpus):
        yield from read_sources(corpus, path, max_bytes)


def read_sources(corpus: Path, path: Path, max_bytes: int = MAX_FILE_BYTES) -> Iterator[Source | Skipped]:
    """The article `path` holds, or for a bulk archive each of its rows as it is read (memory holds
    one row, never the archive), or why not. `max_bytes` limits a file, or an archive's row."""
    if path.suffix.lower() not in ARCHIVE_SUFFIXES:
        yield read_file(corpus, path, max_bytes)
        return
    opened = _open_file(corpus, path)
    if isinstance(opened, Skipped):
        yield replace(opened, rows_of=opened.id)
        return
    name, handle = opened
    with handle:
        yield from read_archive(name, path, handle, max_bytes)


def read_archive(
    name: str, path: Path, handle: BinaryIO, max_row_bytes: int = MAX_FILE_BYTES
) -> Iterator[SourceRow | Skipped]:
    """The rows of the bulk archive `name` (its id), open as `handle`, each read or why not."""
    try:
        for row in read_rows(handle, path.suffix.lower(), max_row_bytes):
            if isinstance(row, BadRow):
                known = row.key is not None
                yield Skipped(
                    f"{name}:{row.line}",
                    row.reason,
                    article=row_id(name, row.key) if known else None,
                    rows_of=None if known else name,
                )
            else:
                yield SourceRow(row_id(name, row.key), path, name, row.line, row.fields, row.hash, row.size)
    except ArchiveError as e:
        yield Skipped(name, e.message, rows_of=name)
    except OSError as e:
        yield Skipped(name, _unreadable(e), rows_of=name)


def row_id(archive: str, key: str) -> str:
    """A bulk archive row's article id: the archive's, '#', the row's id, url or row number.

    Stable as long as the row keeps its key: a build tells an edited row (same id, other hash,
    re-embedded alone) from a removed one (its id gone) by it.
    """
    return f"{archive}#{key}"


def corpus_files(corpus: Path) -> list[Path]:
    """The paths below `corpus` with an article's suffix, in a stable order; none hidden, no folders."""
    return corpus_listing(corpus)[0]


def corpus_listing(corpus: Path) -> tuple[list[Path], list[Path]]:
    """The files below `corpus` with an article's suffix, and those of other types (a .docx, a
    photo: the build names them, so that none is left out unseen), each in a stable order; none
    hidden, no folders."""
    found: list[Path] = []
    other: list[Path] = []
    for path in sorted(corpus.rglob("*")):
        if any(p.startswith(".") for p in path.relative_to(corpus).parts):
            continue
        # rglob lists the files in a folder, and a link to a folder without following it.
        if not path.is_dir():
            (found if path.suffix.lower() in SUFFIXES else other).append(path)
    return found, other


def read_file(corpus: Path, path: Path, max_bytes: int = MAX_FILE_BYTES) -> SourceFile | Skipped:
    """The bytes of `path` below `corpus`, or why they are not read; nothing over `max_bytes`."""
    opened = _open_file(corpus, path, max_bytes)
    if isinstance(opened, Skipped):
        return opened
    name, handle = opened
    try:
        with handle:
            data = handle.read(max_bytes + 1)
    except OSError as e:
        return Skipped(name, _unreadable(e))
    if len(data) > max_bytes:  # it grew since it was measured
        return Skipped(name, _too_large(len(data), max_bytes))
    return SourceFile(name, path, data, hashlib.sha256(data).hexdigest())


def _open_file(corpus: Path, path: Path, max_bytes: int | None = None) -> tuple[str, BinaryIO] | Skipped:
    """`path` below `corpus` opened for reading, with its id; or why it is not opened.

    Nothing is opened whose real path lies outside the corpus folder, whatever link leads there;
    nothing but regular files (opening a FIFO waits for a writer for ever); nothing over
    `max_bytes` when given.
    """
    name = path.relative_to(corpus).as_posix()
    problem = _name_problem(name)
    if problem:
        return Skipped(shown_name(name), problem)
    try:
        real = path.resolve(strict=True)
    except FileNotFoundError:
        if path.is_symlink():
            return Skipped(name, Message("skip_dangling_link", target=shown_name(os.readlink(path))))
        return Skipped(name, Message("skip_removed"))
    except RuntimeError:
        return Skipped(name, Message("skip_link_loop"))
    except OSError as e:
        return Skipped(name, _unreadable(e))
    if not real.is_relative_to(corpus.resolve()):
        # Never read, and never kept from an earlier build that did read it.
        return Skipped(name, Message("skip_link_outside", target=shown_name(str(real))), keeps_indexed=False)
    try:
        status = real.stat()
        if not stat.S_ISREG(status.st_mode):
            return Skipped(name, Message("skip_not_a_file", kind=_file_kind(status.st_mode)))
        if max_bytes is not None and status.st_size > max_bytes:
            return Skipped(name, _too_large(status.st_size, max_bytes))
        handle = _open_regular_file(real)
    except OSError as e:
        return Skipped(name, _unreadable(e))
    if handle is None:
        return Skipped(name, Message("skip_replaced"))
    return name, handle


def _open_regular_file(real: Path) -> BinaryIO | None:
    """`real` opened, or None if it is no longer a regular file.

    Opened without following a link and without waiting, and checked again once open: a link or
    FIFO put in its place since it was checked is not read.
    """
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    handle = os.fdopen(os.open(real, flags), "rb")
    if not stat.S_ISREG(os.fstat(handle.fileno()).st_mode):
        handle.close()
        return None
    return handle


def shown_name(name: str) -> str:
    r"""A file name as one printable line: bytes that are not UTF-8 as \xff, control characters
    and bidirectional controls as \n or \u202e."""
    shown = []
    for char in name:
        if "\udc80" <= char <= "\udcff":  # how Python keeps a byte it could not decode
            shown.append(f"\\x{ord(char) - 0xDC00:02x}")
        elif _INVISIBLE.match(char):
            shown.append(char.encode("unicode_escape").decode("ascii"))
        else:
            shown.append(char)
    return "".join(shown)


def _name_problem(name: str) -> Message | None:
    if any("\udc80" <= char <= "\udcff" for char in name):
        return Message("skip_name_not_utf8")
    hidden = _INVISIBLE.search(name)
    if hidden:
        return Message("skip_name_control", code=f"{ord(hidden.group()):04X}")
    return None


def _unreadable(error: OSError) -> Message:
    return Message("skip_unreadable", detail=error.strerror or str(error))


def _too_large(size: int, max_bytes: int) -> Message:
    return Message("skip_too_large", size=f"{size / 1_000_000:.1f}", limit=f"{max_bytes / 1_000_000:g}")


def _file_kind(mode: int) -> Message:
    kinds = (
        (stat.S_ISDIR, "kind_folder"),
        (stat.S_ISFIFO, "kind_fifo"),
        (stat.S_ISSOCK, "kind_socket"),
        (stat.S_ISCHR, "kind_device"),
        (stat.S_ISBLK, "kind_device"),
    )
    return Message(next((kind for test, kind in kinds if test(mode)), "kind_special"))


def parse_article(source: Source) -> Article:
    """Turn one file, or one row of a bulk archive, into an Article, or raise ArticleError naming
    what is wrong with it."""
    if isinstance(source, SourceRow):
        return _row_article(source)
    if source.path.suffix.lower() == ".pdf":
        return _pdf_article(source)
    raw = _decode(source.data)
    meta, body = _split_front_matter(raw)
    return _article(source, meta, body, source.path.suffix.lower(), Message("front_matter_date"))


def _row_article(row: SourceRow) -> Article:
    """A row's fields are its front matter, its text field the body: cleaned and checked as a file's
    (HTML or plain text, dates that must exist, titles on one line)."""
    body = row.fields.get("text", "")
    if not body.strip():
        raise ArticleError("article_text_field_empty")
    _check_controls(body, "article_binary_data")
    meta = {name: value for name, value in row.fields.items() if name != "text"}
    # No suffix tells a row's format: one that opens with a tag is HTML even with a single <p>,
    # where a file needs two tags to be taken for HTML.
    suffix = ".html" if body.lstrip().startswith("<") else ""
    return _article(row, meta, body, suffix, Message("row_date"))


def _pdf_article(source: SourceFile) -> Article:
    """A PDF's text layer: each page's lines joined into paragraphs, pages apart by a paragraph
    break, and where each page starts kept, so that a passage can say on which page it stands."""
    try:
        pdf = read_pdf(source.data)
    except PdfError as e:
        raise ArticleError(e.message) from None
    blocks: list[str] = []
    starts: list[int] = []
    at = 0
    for page in pdf.pages:
        starts.append(at)
        text = ftfy.fix_text(page, uncurl_quotes=False, normalization="NFC")
        lines = [" ".join(line.split()) for line in text.splitlines()]
        # A text layer has a line break at every printed line and seldom a blank line between
        # paragraphs: the lines are reflowed as hard-wrapped text is.
        for block in _reflow([line for line in lines if line]) if any(lines) else []:
            blocks.append(block)
            at += len(block) + 2
    text = "\n\n".join(blocks)
    if not text:
        raise ArticleError("article_no_text_layer")
    _check_prose(text)
    title = pdf.title if pdf.title and not _FILE_NAME_TITLE.search(pdf.title.strip()) else None
    return Article(
        id=source.id,
        path=str(source.path),
        title=_one_line(title or _first_sentence(text)),
        date=plausible(pdf.created),
        category=None,
        url=None,
        text=text,
        hash=source.hash,
        pages=tuple(min(start, len(text)) for start in starts),
    )


# Word and other tools give a PDF the name of the file it was made from as its title: no headline.
_FILE_NAME_TITLE = re.compile(r"^Microsoft Word - |\.(?:docx?|odt|rtf|pdf|indd|pages)$", re.IGNORECASE)


def _article(source: Source, meta: dict, body: str, suffix: str, date_field: Message) -> Article:
    # A date the file states as metadata comes first: one read from the story's text never
    # overrides it.
    date = plausible(_parse_date(meta["date"], date_field)) if meta.get("date") is not None else None
    header = _DATE_HEADER.match(body)
    if header:
        if not is_calendar_date(header.group(1)):
            raise ArticleError("article_bad_date_line", value=header.group(1))
        date = date or plausible(header.group(1))
        body = body[header.end() :]

    content = _read_body(body, suffix)
    blocks, bylines = _take_bylines(content.blocks, content.headline)
    blocks = [b for b in blocks if not _RELATED.match(b)]
    if content.plain and _is_hard_wrapped(blocks):
        blocks = _reflow(blocks)
    headline = content.headline
    if headline is None and len(blocks) > 1 and _is_title_line(blocks[0]) and split_dateline(blocks[1]):
        # Plain text may open with its title on a line of its own, the dateline after it.
        headline = blocks[0]
    blocks, dateline_date, lead = _split_dateline(blocks, headline)
    text = "\n\n".join(blocks)
    if not text:
        raise ArticleError("article_no_text")
    _check_prose(text)

    title = (
        _string_field(meta, "title")
        or (content.page.title if content.page else None)
        or headline
        or _first_sentence(blocks[lead] if lead < len(blocks) else text)
    )
    return Article(
        id=source.id,
        path=str(source.path),
        title=_one_line(title),
        # A byline names the publication date outright; a dateline gives the day of the events
        # (almost always the same); a revision date is better than none.
        date=date
        or (content.page.date if content.page else None)
        or bylines.published
        or dateline_date
        or bylines.updated,
        category=_string_field(meta, "category") or _first_of_list(meta.get("categories")),
        url=_url(meta),
        text=text,
        hash=source.hash,
    )


@dataclass(frozen=True)
class _Body:
    blocks: list[str]  # paragraphs and headings, cleaned
    headline: str | None
    page: Page | None  # a whole web page also gives a title and a date
    plain: bool  # plain text, the only format with hard wraps: Markdown and HTML mark paragraphs


def _read_body(body: str, suffix: str) -> _Body:
    is_html = suffix in (".html", ".htm") or looks_like_html(body)
    page = headline = None
    if is_html and is_page(body):
        page = read_page(body)
        if not page.paragraphs and page.depth > MAX_DEPTH:
            raise ArticleError("article_too_deep", depth=page.depth, limit=MAX_DEPTH)
        body, headline = "\n\n".join(page.paragraphs), page.headline
    elif is_html:
        body, headline = read_fragment(body)
    elif suffix in (".md", ".markdown"):
        body, headline = markdown_to_text(body)
    plain = not is_html and suffix not in (".md", ".markdown")
    blocks = _blocks(body, plain)
    headline = (_clean_line(headline) or None) if headline else None
    if page is not None and headline and headline not in blocks[:3]:
        # A page's headline opens its text as in the other formats: trafilatura keeps or drops it
        # depending on where the page puts it.
        blocks.insert(0, headline)
    return _Body(blocks, headline, page, plain)


# --- decoding and front matter -------------------------------------------------------------

_DATE_HEADER = re.compile(r"\A\s*date[:\s]\s*(\d{4}-\d{2}(?:-\d{2})?)\b\s*", re.IGNORECASE)
_FRONT_MATTER = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(?:\r?\n|\Z)", re.DOTALL)
_TOML_FRONT_MATTER = re.compile(r"\A\+\+\+[ \t]*\r?\n(.*?)\r?\n\+\+\+[ \t]*(?:\r?\n|\Z)", re.DOTALL)


# Byte order marks, longest first: UTF-32's little-endian mark begins with UTF-16's.
_BYTE_ORDER_MARKS = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)
# Control characters other than tabs, line and page breaks. Text has none, or a stray one; binary
# data without NUL bytes is full of them (random bytes: one in ten).
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f]")
_MAX_CONTROL_SHARE = 0.01


def _decode(data: bytes) -> str:
    for mark, codec in _BYTE_ORDER_MARKS:
        if data.startswith(mark):
            try:
                text = data.decode(codec.lower())  # the codec reads the mark and drops it
            except UnicodeDecodeError as e:
                raise ArticleError("article_bad_wide_text", codec=codec, offset=e.start) from None
            break
    else:
        text = _decode_bytes(data)
    if not text.strip():
        raise ArticleError("article_empty")
    _check_controls(text)
    return text


def _check_controls(text: str, refusal: str = "article_binary_file") -> None:
    controls = len(_CONTROL.findall(text))
    if controls > max(3, _MAX_CONTROL_SHARE * len(text)):
        raise ArticleError(refusal, controls=controls)


def _decode_bytes(data: bytes) -> str:
    if b"\x00" in data[:8192]:
        raise ArticleError("article_nul_bytes")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as utf8_error:
        # Older archives are often Windows-1252; strict decoding still rejects real garbage.
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError:
            raise ArticleError("article_bad_bytes", offset=utf8_error.start) from None


# Title, date, category and url take a few hundred bytes; more is a body pasted into the front
# matter by mistake, or an attack on the YAML parser.
FRONT_MATTER_MAX_CHARS = 64_000
FRONT_MATTER_MAX_DEPTH = 20


class _FrontMatterLoader(yaml.SafeLoader):
    """Safe YAML without aliases and deep nesting, the two ways a few bytes of YAML take all memory
    or the stack: an anchor repeated in nested lists made a 306-byte file a 35 MB title ("billion
    laughs"), and 5,000 '[' exhaust Python's recursion. Front matter needs neither."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self.depth = 0

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node:
        event = self.peek_event()
        # Refused with our own words, and the line in the file (the front matter's first is its second).
        if isinstance(event, yaml.AliasEvent):
            raise ArticleError(
                "front_matter_broken_at",
                line=event.start_mark.line + 2,
                problem=Message("front_matter_alias", anchor=event.anchor),
            )
        if self.depth >= FRONT_MATTER_MAX_DEPTH:
            raise ArticleError(
                "front_matter_broken_at",
                line=event.start_mark.line + 2,
                problem=Message("front_matter_deep", depth=FRONT_MATTER_MAX_DEPTH),
            )
        self.depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self.depth -= 1


# Dates stay text: `_parse_date` reads them and names the field when one does not exist
# (2023-02-30), where YAML's own conversion raised a bare ValueError.
_FrontMatterLoader.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_yaml_str)


def _split_front_matter(raw: str) -> tuple[dict, str]:
    """Front matter as Jekyll writes it (YAML between '---' lines) or Hugo (TOML between '+++'
    lines), with our names for its fields, and the body after it."""
    toml = _TOML_FRONT_MATTER.match(raw)
    match = toml or _FRONT_MATTER.match(raw)
    if not match:
        for fence in ("---", "+++"):
            if raw.startswith(f"{fence}\n") or raw.startswith(f"{fence}\r\n"):
                raise ArticleError("front_matter_unclosed", fence=fence)
        return {}, raw
    if match.end(1) > FRONT_MATTER_MAX_CHARS:
        raise ArticleError("front_matter_too_long", kb=FRONT_MATTER_MAX_CHARS // 1000)
    meta = _toml(match.group(1)) if toml else _yaml(match.group(1))
    if meta is None:
        meta = {}
    if not isinstance(meta, dict):
        raise ArticleError("front_matter_not_keys")
    return _with_our_names({str(k).lower(): v for k, v in meta.items()}), raw[match.end() :]


def _toml(text: str) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        raise ArticleError("front_matter_broken", problem=str(e)) from None
    except RecursionError:
        raise ArticleError("front_matter_deep", depth=FRONT_MATTER_MAX_DEPTH) from None


def _yaml(text: str) -> object:
    try:
        return yaml.load(text, Loader=_FrontMatterLoader)  # a SafeLoader, restricted further
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        if mark:
            raise ArticleError("front_matter_broken_at", line=mark.line + 2, problem=problem) from None
        raise ArticleError("front_matter_broken", problem=problem) from None
    except ArticleError:
        raise
    except ValueError as e:  # a number Python will not convert: "Exceeds the limit (4300 digits) …"
        raise ArticleError("front_matter_broken", problem=str(e).split(":")[0]) from None


def _with_our_names(meta: dict) -> dict:
    """Front matter may name its fields as exports do ("titel", "datum", "published"): each of
    ours takes the first of its names the front matter fills, as an archive's row does. Not with
    a yes or no: Jekyll's `published: true` marks a post as shown, it dates nothing."""
    for ours in ("title", "date", "category", "url"):
        if meta.get(ours) is None:
            filled = (
                meta[n] for n in FIELDS[ours] if meta.get(n) is not None and not isinstance(meta[n], bool)
            )
            meta[ours] = next(filled, None)
    return meta


def _string_field(meta: dict, key: str) -> str | None:
    value = meta.get(key)
    if value is None:
        return None
    return _one_line(str(value)) or None


def _first_of_list(value: object) -> str | None:
    if isinstance(value, list) and value:
        return _one_line(str(value[0])) or None
    if isinstance(value, str):
        return _one_line(value) or None
    return None


def _url(meta: dict) -> str | None:
    for key in ("url", "externe_link", "external_link", "link", "canonical_url", "source"):
        value = meta.get(key)
        value = _INVISIBLE.sub("", _clean_line(str(value))) if value is not None else ""
        # A URL cut short would point elsewhere: one too long to show is dropped.
        if re.match(r"https?://", value, re.IGNORECASE) and len(value) <= URL_MAX_CHARS:
            return value
    return None


# ISO's extended form (2022-01-12, 2022-01, 2022) and its basic one (20220112), which exports use too.
_ISO_DATE = re.compile(r"(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?|(\d{4})(\d{2})(\d{2})")


def _parse_date(value: object, field: Message) -> str:
    """ISO date at the source's precision; stated dates that cannot be read are an error naming `field`."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    text = str(value).strip()
    iso = _ISO_DATE.fullmatch(re.split(r"[Tt\s]", text, maxsplit=1)[0])
    if iso:
        year, month, day = iso.groups()[:3] if iso.group(1) else iso.groups()[3:]
        try:
            if day:
                return dt.date(int(year), int(month), int(day)).isoformat()
            if month:
                return dt.date(int(year), int(month), 1).isoformat()[:7]
            return year
        except ValueError:  # "2023-02-30" is no day, however else it might be read
            raise ArticleError("article_bad_date", field=field, value=repr(text)) from None
    try:
        return email.utils.parsedate_to_datetime(text).date().isoformat()
    except (TypeError, ValueError, IndexError):
        pass
    # Exports write dates as people do: "13 januari 2022", "14-01-2022", "March 16, 2017".
    written = date_field(text)
    if written is None:
        raise ArticleError("article_bad_date", field=field, value=repr(text))
    return written


# --- dates in the text -----------------------------------------------------------------------

# Bylines ("Datum: 15 juni 2020", "*Gepubliceerd op 3 april 2018*") stand in the first blocks.
BYLINE_BLOCKS = 4


def _take_bylines(blocks: list[str], headline: str | None) -> tuple[list[str], Byline]:
    """The first blocks without their bylines, and the dates those bylines gave."""
    published = updated = None
    kept: list[str] = []
    for i, block in enumerate(blocks):
        head = i < BYLINE_BLOCKS and block != headline
        found = byline(block) if head else None
        if head and found is None and bare_date(block):
            continue  # the page's date beside its headline; the date itself comes from elsewhere
        if found is None:
            kept.append(block)
        else:
            published, updated = published or found.published, updated or found.updated
    return kept, Byline(published, updated)


def _split_dateline(blocks: list[str], headline: str | None) -> tuple[list[str], str | None, int]:
    """The blocks with a dateline split off the story's first one, its date, and where the story
    itself starts (after the headline and the dateline)."""
    lead = 1 if blocks and blocks[0] == headline else 0
    dateline = split_dateline(blocks[lead]) if lead < len(blocks) else None
    if dateline is None:
        return blocks, None, lead
    if not dateline.rest:
        return blocks, dateline.date, lead + 1
    # The dateline becomes a paragraph of its own: the place stays readable ("Den Haag"), and the
    # first sentence, which answers are cut from whole, starts where the story starts.
    return [*blocks[:lead], dateline.line, dateline.rest, *blocks[lead + 1 :]], dateline.date, lead + 1


def _is_title_line(block: str) -> bool:
    """A short line without a statement's closing punctuation: a title, not the story. A quoted
    title ends with its quote, not a full stop: "Premier: ‘We gaan door’"."""
    return not block.rstrip("\"”’'»").endswith(_TERMINAL) and len(block.split()) <= _TITLE_WORDS


_TITLE_WORDS = 20


# --- cleaning ------------------------------------------------------------------------------

_TERMINAL = tuple(".!?:\"”’'»)")


def _blocks(body: str, plain: bool = False) -> list[str]:
    """Repair mojibake, keep real paragraphs (blank-line separated), normalise spaces. `plain`:
    plain text, whose first lines may be a title and its date without a blank line between."""
    text = ftfy.fix_text(body, uncurl_quotes=False, normalization="NFC")
    blocks = re.split(r"\n[ \t]*\n", text.replace("\r\n", "\n"))
    if blocks and "\n" in blocks[0].strip():
        blocks[:1] = _head_lines(blocks[0].strip().split("\n"), plain)
    # A line break inside a block is only a wrap: join its lines.
    return [" ".join(b.split()) for b in blocks if b.strip()]


def _head_lines(lines: list[str], plain: bool) -> list[str]:
    """The first block's lines as blocks, where they are no wrapped paragraph: a title and its
    date or byline without a blank line between them, a labelled title ("Titel: …" above
    "Datum: …"), and in plain text a title line straight above the story (Markdown and HTML mark
    their titles; their line breaks inside a paragraph are the author's)."""
    if not lines:
        return []
    at = next((i for i, line in enumerate(lines[:_HEAD_LINES]) if _is_head_line(line)), None)
    if at is not None:
        return [*_head_lines(lines[:at], plain), lines[at], *_head_lines(lines[at + 1 :], plain)]
    labelled = _TITLE_LABEL.match(lines[0])
    if labelled:
        return [lines[0][labelled.end() :], *_head_lines(lines[1:], plain)]
    if not plain:
        return ["\n".join(lines)]
    rest = max((len(line.strip()) for line in lines[1:]), default=0)
    if _is_title_line(lines[0].strip()) and len(lines[0].strip()) < _HEADING_WIDTH * rest:
        # Wrapped lines are as wide as the wrap but for the last; a line this much shorter than
        # those after it, without a full stop, is the title, and so may the next be (a rubric
        # above the title: "CORONA", then "Scholen dicht tot 6 april").
        return [lines[0], *_head_lines(lines[1:], plain)]
    return ["\n".join(lines)]


def _is_head_line(line: str) -> bool:
    return bool(date_field(line.strip(" *_")) or byline_line(line))


# A pointer to other stories inside the article ("Lees ook: Kabinet zoekt noodopvang", "Lees meer
# over: asiel", or the label alone), which web pages put between paragraphs and exports keep: no
# text of the story. A sentence ("Zie ook hoofdstuk 3.") or a heading ("Kijk ook verder") stays.
_RELATED = re.compile(
    r"(?:(?:lees|bekijk|zie|kijk|luister)\s+(?:ook|meer|verder)|read\s+(?:also|more)|also\s+read|"
    r"see\s+also|related|gerelateerd)(?:\s+(?:over|about))?\s*(?::[^.!?]{0,200})?$"
    # An advertisement's label, left where the advertisement was.
    r"|(?:advertentie|advertisement|gesponsord|sponsored|reclame|lees verder na de advertentie)$",
    re.IGNORECASE,
)
# "Titel: …" above "Datum: …", as some exports write plain text.
_TITLE_LABEL = re.compile(r"\s*(?:titel|title|kop|headline)\s*:\s*(?=\S)", re.I)


# The first block's lines where a date line may stand in it: after a title, a kicker, a byline.
_HEAD_LINES = 3


# News text is 94-96 % letters with 5-6 characters between spaces (the seeds and the dev archive);
# random bytes read as Windows-1252 are 53-62 % letters with 22-100. Text in a script without
# spaces (Chinese, Thai) has long runs too, but is nearly all letters.
_MIN_LETTER_SHARE = 0.5
_MAX_WORD_CHARS = 15
_MIN_LETTER_SHARE_OF_LONG_WORDS = 0.8
_NOT_LETTERS = re.compile(r"[\W\d_]+")


def _check_prose(text: str) -> None:
    """Refuse what cleaning left of binary data or tables of symbols: text must be mostly words."""
    # Cleaning left single spaces between words and blank lines between blocks.
    visible = len(text) - text.count(" ") - text.count("\n")
    words = text.count(" ") + text.count("\n\n") + 1
    letters = len(_NOT_LETTERS.sub("", text)) / visible
    if letters < _MIN_LETTER_SHARE:
        raise ArticleError("article_few_letters", share=f"{letters:.0%}")
    if visible / words > _MAX_WORD_CHARS and letters < _MIN_LETTER_SHARE_OF_LONG_WORDS:
        raise ArticleError("article_long_words", chars=f"{visible / words:.0f}", share=f"{letters:.0%}")


def _is_hard_wrapped(blocks: list[str]) -> bool:
    """Some exports put a blank line after every wrapped line: most long 'paragraphs' end mid-sentence.

    Short blocks are left out of the count: a heading ends without a full stop in any text.
    """
    if len(blocks) < 4:
        return False
    width = _wrap_width(blocks)
    long_blocks = [b for b in blocks if len(b) >= _HEADING_WIDTH * width]
    open_ended = sum(1 for b in long_blocks if not b.endswith(_TERMINAL))
    return open_ended >= 0.3 * len(long_blocks)


# Below this share of the wrap width, a line that follows a finished paragraph and has no full stop
# is a heading: a wrapped line is only short by the length of the word that did not fit.
_HEADING_WIDTH = 0.6


def _wrap_width(lines: list[str]) -> int:
    widths = sorted(len(line) for line in lines)
    return widths[int(0.9 * (len(widths) - 1))]


def _reflow(lines: list[str]) -> list[str]:
    width = _wrap_width(lines)
    paragraphs: list[str] = []
    current: list[str] = []
    for line in lines:
        if not current and not line.endswith(_TERMINAL) and len(line) < _HEADING_WIDTH * width:
            paragraphs.append(line)
            continue
        current.append(line)
        # A short line that closes a sentence is where the author ended a paragraph.
        if line.endswith(_TERMINAL) and len(line) < 0.85 * width:
            paragraphs.append(" ".join(current))
            current = []
    if current:
        paragraphs.append(" ".join(current))
    return paragraphs


def _clean_line(text: str) -> str:
    return " ".join(ftfy.fix_text(text, uncurl_quotes=False).split())


# Control characters, and the bidirectional controls that reorder how a line is shown (U+202E
# makes "txt.exe" read "exe.txt"): a title, category or URL is one line shown as it is written.
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _one_line(text: str) -> str:
    """A title or category as shown: cleaned, without invisible controls, at most FIELD_MAX_CHARS."""
    text = " ".join(_INVISIBLE.sub("", _clean_line(text)).split())
    if len(text) <= FIELD_MAX_CHARS:
        return text
    return text[: FIELD_MAX_CHARS - 1].rsplit(" ", 1)[0].rstrip(",;:") + "…"


def _first_sentence(text: str) -> str:
    first = re.split(r"(?<=[.!?])\s", text.split("\n\n")[0], maxsplit=1)[0]
    if len(first) <= TITLE_MAX_CHARS:
        return first
    cut = first[:TITLE_MAX_CHARS].rsplit(" ", 1)[0]
    return cut.rstrip(",;:") + "…"
