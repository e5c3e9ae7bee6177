"""A link, file or feed that cannot be used, as a problem worded from the catalogues (texts/, INGEST).

The command line prints the words as they are; the bot escapes them for HTML (the
templates hold no markup).
"""

from __future__ import annotations

from index.reasons import Reason
from texts import catalogue, message

__all__ = ["IngestProblem", "message"]


class IngestProblem(Exception):
    """A link or feed that cannot be used; `key` names the message, `values` fill it in."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values

    def describe(self, language: str = "en") -> str:
        """The problem as a sentence in `language`."""
        # A Reason (a file that is not an article) is worded by the catalogue, in `language`.
        values = {k: v.describe(language).rstrip(".") if isinstance(v, Reason) else v for k, v in self.values.items()}
        if "reason" in values and f"reason_{self.values['reason']}" in catalogue("en").INGEST:
            values["reason"] = message(language, f"reason_{self.values['reason']}", **values)
        return message(language, self.key, **values)

    def __str__(self) -> str:
        return self.describe("en")
