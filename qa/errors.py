"""Errors a user can cause and fix: each carries a one-line message naming the file or field.

Programming errors are not wrapped here; they stay loud tracebacks.
"""

from __future__ import annotations

from qa.translations import Message


class TranslatedError(Exception):
    """An error whose message is a sentence of the translation table: `message` holds its key and
    fields, str() is the English (what the CLI prints), `in_language` says it in the reader's."""

    def __init__(self, message: str | Message, /, **fields: object):
        """`message`: a key of the table, with its `fields`; or a Message already made."""
        self.message = message if isinstance(message, Message) else Message(message, **fields)
        super().__init__(str(self.message))

    def in_language(self, lang: str) -> str:
        return self.message.said(lang)


class QAError(TranslatedError):
    """A problem with the user's input or setup; the CLI prints its message, not a traceback."""

    exit_code = 1


class IndexMissingError(QAError):
    """There is no index yet, or it was built in a way this command cannot use."""

    exit_code = 3


class IndexCorruptError(QAError):
    """The index folder exists but is not a readable qa index."""

    exit_code = 3

    def __init__(self, message: str | Message, /, problem: Message | None = None, **fields: object):
        super().__init__(message, **fields)
        # What is wrong without the advice: a build that rebuilds the index by itself says this.
        self.problem = problem or self.message


class IndexFormatError(IndexCorruptError):
    """The index was written by a qa version with another on-disk format (`found`, among its fields)."""

    def __init__(self, message: str | Message, /, **fields: object):
        super().__init__(message, **fields)
        self.found = int(self.message.fields["found"])


class UntrustedModelError(QAError):
    """The index names a local model folder the user has not named: an index must not choose code."""

    exit_code = 3


class ModelMismatchError(QAError):
    """The index was built with another encoder than the one asked for."""

    exit_code = 3
