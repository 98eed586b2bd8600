"""PDF bytes → the text layer of each page, and the title and creation date the file states (pypdf).

Holds reading the PDF only; cleaning the text and choosing a title and date is qa/articles.py's.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from qa.errors import TranslatedError

if TYPE_CHECKING:
    from pypdf import PdfReader

# pypdf logs every repair it makes to a careless PDF ("incorrect startxref pointer"): noise on a
# build's terminal, where a file that cannot be read is reported with its reason instead.
logging.getLogger("pypdf").setLevel(logging.ERROR)


@dataclass(frozen=True)
class PdfText:
    pages: tuple[str, ...]  # each page's text layer as pypdf gives it: lines, no paragraphs
    title: str | None  # the document information's title, as written
    created: str | None  # its creation date, ISO


class PdfError(TranslatedError, ValueError):
    """This PDF cannot be read; the message says why."""


def read_pdf(data: bytes) -> PdfText:
    # Imported here: pypdf doubles the import time of qa.articles, which `qa ask` and the app load.
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            _decrypt(reader)
        pages = tuple(page.extract_text() or "" for page in reader.pages)
    except PdfError:
        raise
    except Exception as e:
        # pypdf meets a broken file with whatever error its broken part causes; none is a bug of qa's.
        raise PdfError("pdf_unreadable", kind=type(e).__name__, detail=_first_line(e)) from None
    return PdfText(pages, _title(reader), _created(reader))


def _decrypt(reader: PdfReader) -> None:
    from pypdf.errors import DependencyError

    # Many PDFs are encrypted with an empty password only to restrict printing or copying: those open.
    try:
        opened = reader.decrypt("")
    except DependencyError:
        raise PdfError("pdf_aes") from None
    if not opened:
        raise PdfError("pdf_password")


def _title(reader: PdfReader) -> str | None:
    try:
        title = reader.metadata.title if reader.metadata else None
    except Exception:  # a broken document information dictionary: no title, the text gives one
        return None
    return str(title) if title else None


def _created(reader: PdfReader) -> str | None:
    try:
        created = reader.metadata.creation_date if reader.metadata else None
    except Exception:  # a date pypdf cannot parse: no date
        return None
    return created.date().isoformat() if isinstance(created, dt.datetime) else None


def _first_line(error: Exception) -> str:
    return str(error).splitlines()[0] if str(error) else ""
