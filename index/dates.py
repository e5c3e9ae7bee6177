"""An article's date: from its front matter, or else from a dateline near its top.

Dates travel as ISO strings (YYYY-MM-DD) and are shown per language
(12/5/2025 in Vietnamese, 12 May 2025 in English).
"""

from __future__ import annotations

import re
from datetime import date

from .articles import Article

# Datelines sit in the first lines: "Thứ hai, 12/5/2025, 07:45 (GMT+7)", "Cập nhật ngày 03/11/2024".
HEAD_CHARS = 600
_ISO = re.compile(r"(?<!\d)(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?!\d)")
_DMY = re.compile(r"(?<!\d)(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})(?!\d)")
_WORDS = re.compile(r"\bngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})\b", re.IGNORECASE)
_MONTHS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()


def parse_date(value: str | None) -> date | None:
    """The calendar date in `value` (ISO, ISO with a time, d/m/yyyy or "ngày d tháng m năm yyyy"), or None."""
    if not value:
        return None
    for pattern, order in ((_ISO, "ymd"), (_DMY, "dmy"), (_WORDS, "dmy")):
        match = pattern.search(value)
        if match is None:
            continue
        parts = dict(zip(order, (int(g) for g in match.groups())))
        try:
            return date(parts["y"], parts["m"], parts["d"])
        except ValueError:
            continue
    return None


def article_date(article: Article) -> str | None:
    """The article's date as YYYY-MM-DD: its front matter `date`, else a dateline in its first lines."""
    found = parse_date(article.date)
    if found is None:
        body_start = article.paragraphs[0].start if article.paragraphs else 0
        found = parse_date(article.text[body_start : body_start + HEAD_CHARS])
    return found.isoformat() if found else None


_YEARLESS = re.compile(r"--(\d{2})-(\d{2})")  # ISO 8601's month and day without a year


def format_date(iso: str | None, language: str) -> str:
    """An ISO date (or a yearless --MM-DD) as readers of `language` write it; "" for none."""
    yearless = _YEARLESS.fullmatch(iso or "")
    if yearless is not None:
        month, day_of_month = int(yearless[1]), int(yearless[2])
        return f"{day_of_month} {_MONTHS[month - 1]}" if language == "en" else f"{day_of_month}/{month}"
    day = parse_date(iso)
    if day is None:
        return ""
    if language == "en":
        return f"{day.day} {_MONTHS[day.month - 1]} {day.year}"
    return f"{day.day}/{day.month}/{day.year}"
