"""An answer in words: the plain text `storybot ask` and the terminal print, and the JSON `--json` prints.

The Telegram front end renders the same data as HTML (bot/render.py); both take their wording from texts.
"""

from __future__ import annotations

from index.dates import format_date
from texts import ACT_WORDS, FRAMES, PARTY_FRAMES

from .types import Answer, Party, Quote


def quote_source(quote: Quote, language: str) -> str:
    """The plain-text source line: "— title, đoạn N, date (url)"."""
    line = f"— {quote.title}, {FRAMES[language]['paragraph']} {quote.paragraph}"
    if quote.date:
        line += f", {format_date(quote.date, language)}"
    return line + (f" ({quote.url})" if quote.url else "")


def answer_text(answer: Answer) -> str:
    """The answer as plain text: quotes with their sources, the parties of a who-question, or "not found"."""
    frame = FRAMES[answer.language]
    if not answer.answered:
        return frame["not_found"]
    if answer.parties:
        return parties_text(answer.parties, answer.language)
    parts = [frame["header"]]
    for quote in answer.quotes:
        parts.append(f"“{quote.text}”\n{quote_source(quote, answer.language)}")
    return "\n\n".join(parts)


def act_words(act: str, target: str | None, target_claim: str | None, language: str) -> str:
    """What a party did, and to whom, in the reader's language: "cáo buộc Bắc Kinh", "denies the accusation
    by Mỹ" (the target's name as the article writes it; every other word from the catalogue)."""
    verb = ACT_WORDS[language].get(act, "")
    if not target or not verb:
        return verb
    if target_claim:
        frame = PARTY_FRAMES[language].get(f"claim_{target_claim}")
        if frame is None:
            return verb  # a claim the catalogue cannot name: the act alone, never words of another language
        target = frame.format(party=target)
    return f"{verb} {target}"


def act_phrase(party: Party, language: str) -> str:
    """What the party did, and to whom (act_words of its act and target)."""
    return act_words(party.act, party.target, party.target_claim, language)


def parties_text(parties: tuple[Party, ...], language: str) -> str:
    """The parties as plain text for the terminal: party, act, quote, source."""
    frame = PARTY_FRAMES[language]
    if not parties:
        return frame["none"]
    lines = [frame["header"]]
    for number, party in enumerate(parties, 1):
        act = act_phrase(party, language)
        lines.append(f"\n{number}. {party.speaker}" + (f" — {act}" if act else ""))
        for q in party.quotes:
            lines.append(f"   “{q.text}”\n   {quote_source(q, language)}")
    return "\n".join(lines)


def party_json(party: Party) -> dict[str, object]:
    """The party as `ask --json` and `who --json` print it."""
    return {
        "speaker": party.speaker,
        "act": party.act,
        "target": party.target,
        "target_claim": party.target_claim,
        "quotes": [
            {"text": q.text, "article": q.article_id, "paragraph": q.paragraph, "start": q.start, "end": q.end}
            for q in party.quotes
        ],
    }


def answer_json(answer: Answer) -> dict[str, object]:
    """The answer as a JSON-ready dict (what `storybot ask --json` prints)."""
    return {
        "question": answer.question,
        "answered": answer.answered,
        "answer": answer_text(answer),
        "language": answer.language,
        "confidence": round(answer.confidence, 4),
        "notices": list(answer.notices),
        "quotes": [
            {
                "text": q.text,
                "article": q.article_id,
                "title": q.title,
                "url": q.url,
                "paragraph": q.paragraph,
                "start": q.start,
                "end": q.end,
                "date": q.date,
            }
            for q in answer.quotes
        ],
        "parties": [party_json(p) for p in answer.parties],
        "passages": [
            {
                "article": h.chunk.article_id,
                "title": h.title,
                "url": h.url,
                "paragraph": h.chunk.paragraph,
                "text": h.chunk.text,
                "score": round(h.score, 4),
            }
            for h in answer.passages
        ],
        "timings_ms": {k: round(v, 2) for k, v in answer.timings_ms.items()},
    }
