"""Errors that reach the user as a message, never as a traceback."""

from __future__ import annotations


class StorybotError(Exception):
    """A problem the user can fix; `str(err)` says what happened and what to do."""


class ArticlesFolderError(StorybotError):
    """The articles folder is missing or unreadable."""


class IndexMissingError(StorybotError):
    """No index has been built in the index directory yet."""


class IndexMismatchError(StorybotError):
    """The index on disk was built with another model or format version."""


class IndexUnreadableError(IndexMismatchError):
    """The index on disk is damaged (truncated, overwritten, missing files)."""


class ModelLoadError(StorybotError):
    """The sentence-transformers model could not be loaded."""


class QuestionError(StorybotError):
    """The question cannot be asked (empty, for instance)."""
