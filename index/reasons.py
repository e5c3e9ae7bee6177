"""Why a file was skipped or an index built anew, as a typed value: a code and the values that fill it in.

The words live in the catalogues (texts/, SUMMARY["reason_<code>"]), so each surface says the reason in
its reader's language: the command line in English, the bot in the admin's.
"""

from __future__ import annotations

from dataclasses import dataclass

from texts import catalogue


@dataclass(frozen=True)
class Reason:
    """A reason by its catalogue `code`, with the `values` its text is filled in with (name, value pairs)."""

    code: str
    values: tuple[tuple[str, object], ...] = ()

    @classmethod
    def of(cls, code: str, **values: object) -> Reason:
        """The reason `code` filled in with `values`."""
        return cls(code, tuple(values.items()))

    def describe(self, language: str = "en") -> str:
        """The reason as words in `language` ("vi" or "en")."""
        return catalogue(language).SUMMARY[f"reason_{self.code}"].format(**dict(self.values))

    def __str__(self) -> str:
        return self.describe("en")
