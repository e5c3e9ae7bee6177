"""Question-sentence pairs for training and measuring the reader.

Sentences are cut exactly as the index cuts them (index.articles.parse_article, debris paragraphs
left out, index.chunking.split_sentences per paragraph), so the reader learns on the units the
answer side will score. Each sentence keeps the one before it in its paragraph as context.

Sources:
- XQuAD-vi dev (CC BY-SA 4.0): the sentence holding a gold answer is positive, the other
  sentences of the article negative; each question also in English and without diacritics.
  Split by article: articles with an even index (00, 02, ...) train, odd ones stay held out.
- the synthetic news corpus (training/synthetic_news/SPEC.md): the sentences holding a question's
  gold phrase are positive, the rest negative; `none` questions give negatives only; labelled
  statements give "what did X say / whom did X accuse" questions whose positives are the
  speaker's sentences.
"""

from __future__ import annotations

import hashlib
import json
import random
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from index.articles import Article, parse_article
from index.chunking import split_sentences
from index.text import STOPWORDS, fold, syllables

XQUAD_DIR = Path("/work/shared/eval/xquad_vi_dev")
# Negatives kept per question: the most word-sharing ones first (hard), then a few at random.
HARD_NEGATIVES = 5
RANDOM_NEGATIVES = 1
# Ablated copies: the sentences whose context changed, then the hardest negatives again.
ABLATED_NEGATIVES = 3


@dataclass(frozen=True)
class Sentence:
    """A sentence of an article, with its paragraph number and the sentence before it in that paragraph."""

    text: str
    previous: str
    paragraph: int


@dataclass(frozen=True)
class Pair:
    """One training example: does `sentence` (with `previous` as context) answer `question`?"""

    question: str
    sentence: str
    previous: str
    label: float
    source: str  # e.g. "xquad/vi", "synthetic/en", "statement"


def sentences_of(article: Article) -> list[Sentence]:
    """Every quotable sentence of the article, in order, cut as the index cuts them."""
    out = []
    for para in article.paragraphs:
        if para.debris:
            continue
        previous = ""
        for start, end in split_sentences(article.text[para.start : para.end], para.start):
            text = article.text[start:end]
            out.append(Sentence(text, previous, para.number))
            previous = text
    return out


def read_article(path: Path) -> Article:
    """An article file parsed as the index parses it (NFC)."""
    return parse_article(path.name, unicodedata.normalize("NFC", path.read_text(encoding="utf-8")))


def _content_words(text: str) -> set[str]:
    return {w for w in syllables(text) if w not in STOPWORDS}


def overlap(question: str, sentence: str) -> int:
    """Content syllables (accent-folded) the question and the sentence share: how hard a negative is."""
    return len(_content_words(question) & _content_words(sentence))


def pick_negatives(question: str, negatives: list[Sentence], rng: random.Random) -> list[Sentence]:
    """The hardest negatives by shared words, then a few others at random."""
    ranked = sorted(negatives, key=lambda s: -overlap(question, s.text))
    hard, rest = ranked[:HARD_NEGATIVES], ranked[HARD_NEGATIVES:]
    return hard + rng.sample(rest, min(RANDOM_NEGATIVES, len(rest)))


def question_pairs(
    variants: list[tuple[str, str]],
    sentences: list[Sentence],
    is_positive: list[bool],
    excluded: list[bool],
    source: str,
    rng: random.Random,
    ablate: bool,
) -> list[Pair]:
    """Pairs for one question asked in several variants (language tag, text).

    `excluded` sentences are neither positive nor negative (e.g. the answer string outside the
    gold paragraph). The sentence right after a positive is a negative whose context holds the
    answer: the reader must judge the sentence, not its neighbour. With `ablate`, the positive
    sentences are deleted as well (the article no longer answers), so the sentence after them
    gets a new previous sentence and every remaining pair is a negative.
    """
    pairs: list[Pair] = []
    negatives = [s for s, pos, ex in zip(sentences, is_positive, excluded) if not pos and not ex]
    positives = [s for s, pos in zip(sentences, is_positive) if pos]
    ablated: list[Sentence] = []
    if ablate and positives:
        kept_prev = ""
        for s, pos, ex in zip(sentences, is_positive, excluded):
            if pos:
                continue  # deleted; the next sentence keeps the one before it as context
            if s.previous and s.previous != kept_prev and not ex:
                ablated.append(Sentence(s.text, kept_prev, s.paragraph))
            kept_prev = s.text
    for lang, question in variants:
        tag = f"{source}/{lang}"
        for s in positives:
            pairs.append(Pair(question, s.text, s.previous, 1.0, tag))
        for s in pick_negatives(question, negatives, rng):
            pairs.append(Pair(question, s.text, s.previous, 0.0, tag))
        if ablate:
            hard = sorted(negatives, key=lambda s: -overlap(question, s.text))
            for s in (ablated + hard)[:ABLATED_NEGATIVES]:
                pairs.append(Pair(question, s.text, s.previous, 0.0, tag + "/ablated"))
    return pairs


def xquad_articles(root: Path = XQUAD_DIR) -> list[Path]:
    """XQuAD-vi article files in index order (00_..., 01_..., ...)."""
    return sorted((root / "articles").glob("*.txt"))


def xquad_split(root: Path = XQUAD_DIR) -> tuple[set[str], set[str]]:
    """(train, held-out) article file names: even index trains, odd index is held out."""
    names = [p.name for p in xquad_articles(root)]
    return set(names[0::2]), set(names[1::2])


def xquad_questions(root: Path = XQUAD_DIR) -> list[dict]:
    """XQuAD-vi questions as stored (one JSON object per line)."""
    with (root / "questions.jsonl").open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh if line.strip()]


def xquad_pairs(root: Path, articles: set[str], rng: random.Random) -> list[Pair]:
    """Training pairs from the XQuAD questions about `articles` (vi, without diacritics, en; ablated too)."""
    parsed = {name: sentences_of(read_article(root / "articles" / name)) for name in articles}
    pairs: list[Pair] = []
    for q in xquad_questions(root):
        if q["article"] not in articles:
            continue
        sents = parsed[q["article"]]
        answers = [unicodedata.normalize("NFC", a) for a in q["answers"]]
        holds = [any(a in s.text for a in answers) for s in sents]
        positive = [h and s.paragraph == q["paragraph"] for h, s in zip(holds, sents)]
        if not any(positive):
            continue  # the answer runs across a sentence boundary
        excluded = [h and not p for h, p in zip(holds, positive)]
        question = unicodedata.normalize("NFC", q["question"])
        variants = [("vi", question), ("vi-noaccent", fold(question)), ("en", q["question_en"])]
        pairs += question_pairs(variants, sents, positive, excluded, "xquad", rng, ablate=True)
    return pairs


def synthetic_articles(part: Path) -> list[tuple[Path, Path]]:
    """(article, labels) files of a synthetic part whose every gold phrase and sentence is in the article.

    A part being written may hold an article whose labels are missing or not yet fixed; such an
    article is skipped (check.py reports it) rather than trained on half-labelled.
    """
    out = []
    for article in sorted((part / "articles").glob("*.txt")):
        labels = part / "labels" / (article.stem + ".jsonl")
        if not labels.exists():
            continue
        text = unicodedata.normalize("NFC", article.read_text(encoding="utf-8"))
        try:
            rows = [json.loads(line) for line in labels.read_text(encoding="utf-8").splitlines() if line.strip()]
        except json.JSONDecodeError:
            continue
        phrases = [p for r in rows for p in _gold_phrases(r)]
        phrases += [r.get("sentence") or "" for r in rows if r.get("type") == "statement"]
        if all(unicodedata.normalize("NFC", p) in text for p in phrases):
            out.append((article, labels))
    return out


def _gold_phrases(row: dict) -> list[str]:
    if row.get("type") != "question":
        return []
    alts = [p for group in row.get("gold_alt") or [] for p in (group if isinstance(group, list) else [group])]
    return list(row.get("gold") or []) + alts


def is_calibration_article(path: Path) -> bool:
    """A fixed tenth of the synthetic articles (by name hash) is kept out of training for calibration."""
    return int(hashlib.sha256(path.stem.encode()).hexdigest(), 16) % 10 == 0


_STATEMENT_QUESTIONS = {
    "accuse": ["{s} cáo buộc ai điều gì?", "Who did {s} accuse?"],
    "charge": ["{s} cáo buộc ai điều gì?", "What did {s} charge?"],
    "deny": ["{s} phủ nhận điều gì?", "What did {s} deny?"],
    "demand": ["{s} yêu cầu gì?", "What did {s} demand?"],
    "threaten": ["{s} đe dọa làm gì?", "What did {s} threaten?"],
    "sue": ["{s} kiện ai?", "Who is {s} suing?"],
    "reject": ["{s} bác bỏ điều gì?", "What did {s} reject?"],
    "criticize": ["{s} chỉ trích ai?", "Whom did {s} criticize?"],
    "respond": ["{s} phản hồi thế nào?", "How did {s} respond?"],
}
_DEFAULT_STATEMENT = ["{s} nói gì?", "What did {s} say?"]


def synthetic_pairs(items: list[tuple[Path, Path]], rng: random.Random) -> list[Pair]:
    """Pairs from synthetic articles: their questions (all variants) and questions about their statements."""
    pairs: list[Pair] = []
    for article_path, labels_path in items:
        sents = sentences_of(read_article(article_path))
        rows = [json.loads(line) for line in labels_path.read_text(encoding="utf-8").splitlines() if line.strip()]
        for row in rows:
            if row.get("type") == "question":
                phrases = [unicodedata.normalize("NFC", p) for p in _gold_phrases(row)]
                positive = [any(p in s.text for p in phrases) for s in sents]
                if phrases and not any(positive):
                    continue  # a gold phrase cut by the sentence splitter
                question = unicodedata.normalize("NFC", row["q"])
                source = "synthetic/none" if not phrases else "synthetic"
                excluded = [False] * len(sents)
                pairs += question_pairs(
                    [(row.get("lang", "vi"), question)], sents, positive, excluded, source, rng, ablate=bool(phrases)
                )
        pairs += _statement_pairs([r for r in rows if r.get("type") == "statement"], sents, rng)
    return pairs


def _statement_pairs(statements: list[dict], sents: list[Sentence], rng: random.Random) -> list[Pair]:
    """'What did X say / whom did X accuse' questions: the speaker's statement sentences answer them."""
    pairs: list[Pair] = []
    by_speaker: dict[str, list[dict]] = {}
    for st in statements:
        if st.get("speaker") and st.get("sentence"):
            by_speaker.setdefault(st["speaker"], []).append(st)
    for speaker, own in by_speaker.items():
        act = own[0].get("act", "say")
        templates = _STATEMENT_QUESTIONS.get(act, _DEFAULT_STATEMENT)
        template = templates[rng.randrange(len(templates))]
        question = template.format(s=speaker)
        if not question[0].isupper():
            question = question[0].upper() + question[1:]
        said = [unicodedata.normalize("NFC", st["sentence"]) for st in own if st.get("act", "say") == act]
        positive = [any(x in s.text or s.text in x for x in said) for s in sents]
        if not any(positive):
            continue
        # The speaker's other statements may answer a looser reading of the question: neither side.
        others = [unicodedata.normalize("NFC", st["sentence"]) for st in own]
        excluded = [not p and any(x in s.text or s.text in x for x in others) for s, p in zip(sents, positive)]
        pairs += question_pairs([("vi", question)], sents, positive, excluded, "statement", rng, ablate=False)
    return pairs


def write_eval_set(items: list[tuple[Path, Path]], folder: Path) -> Path:
    """Synthetic articles as a `storybot eval` dataset: `folder/articles/*.txt` and `folder/questions.jsonl`.

    Each labelled question keeps its language (vi, vi-noaccent, en); `cover` questions are asked in
    "cover" mode and `none` questions must be refused. Returns `folder`.
    """
    (folder / "articles").mkdir(parents=True, exist_ok=True)
    rows = []
    for article_path, labels_path in items:
        (folder / "articles" / article_path.name).write_text(
            unicodedata.normalize("NFC", article_path.read_text(encoding="utf-8")), encoding="utf-8"
        )
        for line in labels_path.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            row = json.loads(line)
            if row.get("type") != "question":
                continue
            answers = [unicodedata.normalize("NFC", p) for p in _gold_phrases(row)]
            out = {
                "question": unicodedata.normalize("NFC", row["q"]),
                "lang": row.get("lang", "vi"),
                "article": article_path.name,
                "answers": answers,
                "mode": "cover" if row.get("kind") == "cover" else "any" if answers else "none",
            }
            if not answers:
                out["expect"] = "no_answer"
            rows.append(out)
    (folder / "questions.jsonl").write_text(
        "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8"
    )
    return folder
