"""Party names as entities: a clean noun phrase naming a person, body, country, court or group.

The attribution extractor reads a speaker as the words before a reporting
verb, which on real news is sometimes a clause fragment ("... đưa ra ngay sau
khi triệu phú X", "nghệ sĩ X đệ đơn khởi", "Thủ tướng X hôm nay"), a pronoun
("Nó", "ông này"), a count ("Hai người") or a title alone ("Cựu người mẫu").
`party_name` keeps the noun phrase that names the party, by general rules of
Vietnamese noun phrases rather than by any story's wording:

- a name is built from capitalised syllables (proper names), title words
  ("ông", "Thủ tướng", "HLV") and heads of bodies ("Bộ", "Công ty", "Tòa án"),
  joined by "của", "tại", "ở", "và";
- a clause before it ends at a conjunction or a verb of saying ("sau khi",
  "rằng", "đưa ra"): the name is what follows;
- lowercase words after its last proper name are the verb phrase that
  follows the subject ("hôm nay", "đệ đơn khởi", "xót xa"), and an
  appositive after a comma, dash or bracket describes a name already given;
- a span without a proper name is a reference (a pronoun, a count, a title
  alone): `is_reference` says so, and the caller resolves it to the nearest
  compatible named party or leaves it out. Heads of bodies that are named by
  their role in the story (a court, a prosecutor, "ban tổ chức") stay parties.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from index.attribution import Statement


def _entries(text: str) -> frozenset[str]:
    return frozenset(" ".join(e.split()) for e in text.split(",") if e.strip())


# Titles, ranks and roles that head a person's name (lower case; entries of one or several syllables).
TITLES = _entries(
    """ông, bà, cô, anh, chị, em, cụ, ngài, hlv, ntk, tt, mr, ms, mrs, dr, tổng thống, thủ tướng, chủ tịch,
    phó chủ tịch, bộ trưởng, thứ trưởng, ngoại trưởng, đại sứ, đại biểu, thượng nghị sĩ, nghị sĩ, dân biểu,
    giám đốc, tổng giám đốc, phó giám đốc, phó tổng giám đốc, trưởng ban, phó ban, trưởng phòng, chánh án,
    thẩm phán, kiểm sát viên, cán bộ, luật sư, bị cáo, bị hại, nguyên đơn, bị đơn, đương sự, ca sĩ, nghệ sĩ, diễn viên,
    người mẫu, hoa hậu, á hậu, nhà thiết kế, đạo diễn, nhà sản xuất, cầu thủ, vận động viên, bác sĩ, giáo sư,
    tiến sĩ, nhà báo, phóng viên, triệu phú, tỷ phú, tỉ phú, doanh nhân, cựu, đệ nhất phu nhân, người phát ngôn,
    phát ngôn viên, đại diện, đại diện phát ngôn, lãnh đạo, quan chức, chính trị gia, nhà ngoại giao, ứng viên,
    tổng thanh tra, thanh tra,
    trưởng nhóm, trưởng đoàn, trưởng khoa, trưởng thôn,
    tổng kiểm toán, thư ký, tổng thư ký, bí thư, phó bí thư, thống đốc, thị trưởng,
    tướng, đại tướng, thiếu tướng, trung tướng, đô đốc, hoàng tử, công chúa, vua, nữ hoàng, giáo hoàng,
    chủ nhiệm, viện trưởng, hiệu trưởng, tổng biên tập, ủy viên, tiền nhiệm, người tiền nhiệm, danh thủ,
    tiền vệ, tiền đạo, thủ môn, huấn luyện viên, mẹ, bố, cha, vợ, chồng, người,
    nhạc sĩ, họa sĩ, nhà văn, nhà thơ, nhà nghiên cứu, nhà khoa học, chuyên gia, kỹ sư, kiến trúc sư, giảng viên,
    giáo viên, thầy, thầy giáo, cô giáo, mc, nsưt, nsnd, võ sĩ, kỳ thủ, vđv, tài xế, nhân viên, chủ công,
    đại tá, thượng tá, trung tá, thiếu tá, đại úy, thượng úy, trung úy, thiếu úy, youtuber, nhà đầu tư,
    cục trưởng, phó cục trưởng, vụ trưởng, phó vụ trưởng, chánh văn phòng, chánh thanh tra, trưởng công an,
    trọng tài, tổng trọng tài, trọng tài chính, trợ lý trọng tài, đội trưởng, tổng lãnh sự, lãnh sự, tham tán,
    phó tổng thống, phó thủ tướng, phó viện trưởng, phó hiệu trưởng, phó tổng biên tập, công tố viên, chủ tọa,
    hội thẩm, bị can, điều dưỡng, điều dưỡng trưởng, y tá, dược sĩ, thạc sĩ, kế toán, kiểm toán viên, phụ xe,
    danh hài, đô vật, thí sinh, nam diễn viên, nữ diễn viên, nam ca sĩ, nữ ca sĩ, đương kim, chủ quán,
    chủ nhà hàng"""
)
# Heads of bodies: a name that starts with one of these is an organisation, court or group.
BODIES = _entries(
    """bộ, công ty, tập đoàn, tổng công ty, ngân hàng, bệnh viện, bv, viện, tòa, toà, tòa án, toà án, tand, vks,
    hđxx, viện kiểm sát, đại sứ quán, lãnh sự quán, sở, ubnd, hđnd, ủy ban, uỷ ban, hội đồng, cục, tổng cục, vụ,
    đài, báo, tạp chí, hãng, thông tấn xã, văn phòng, cơ quan, đảng, phe, chính phủ, chính quyền, quốc hội,
    thượng viện, hạ viện, nhà trắng, ban, trường, đại học, hiệp hội, liên đoàn, câu lạc bộ, clb, quân đội,
    lực lượng, công an, cảnh sát, liên minh, tổ chức, quỹ, nhóm, đội tuyển, phòng, trung tâm, kênh, hội, báo chí,
    phái đoàn, phái bộ, cơ quan đại diện, cao ủy, gia đình, chi cục, học viện, chi hội, công đoàn, hợp tác xã,
    nhà mạng, nha khoa, đại lý, chi nhánh, bảo hiểm xã hội, kiểm toán nhà nước, tổng lãnh sự quán, siêu thị"""
)
# Heads named by their role in the story, with no proper name needed: courts, prosecutors, organisers.
_ROLE_BODIES = _entries(
    """hđxx, tòa, toà, tòa án, toà án, vks, viện kiểm sát, ban tổ chức, btc, cơ quan điều tra, cơ quan công tố,
    văn phòng công tố, chính phủ, quốc hội, nhà trắng, bị đơn, nguyên đơn, hội đồng xét xử, văn phòng thủ tướng,
    văn phòng chính phủ, văn phòng tổng thống, văn phòng chủ tịch nước, phủ tổng thống, ban trọng tài,
    ban giám khảo, ban giám hiệu, ban giám đốc, ban quản lý, ban điều hành, ban kỷ luật"""
)
# Words that join the parts of one name ("Đại sứ quán Trung Quốc tại Mỹ").
CONNECTORS = frozenset("của tại ở và thuộc cùng".split())
# Pronouns and demonstratives: a span made of these (and titles) refers back to a party.
PRONOUNS = frozenset(
    """nó họ hắn cậu cậu ấy ông ấy bà ấy anh ấy chị ấy cô ấy em ấy này đó ấy kia đây mình tôi chúng tôi chúng ta
    người này người đó bên này phía này cơ quan này đơn vị này công ty này""".split()
)
_DEMONSTRATIVE = frozenset("này đó ấy kia nọ".split())
# Counts and quantifiers: "hai người", "một trong", "nhiều cơ quan" name no one in particular.
_QUANTIFIERS = frozenset("hai ba bốn năm cả nhiều một số vài mọi các những mỗi tất trong".split())
# Conjunctions and verbs that end a clause: the name of the speaker comes after the last of them.
_CLAUSE_END = re.compile(
    r"^.*\b(?:sau khi|trước khi|trong khi|khi|rằng|là|nhưng|thì|mà|nên|vì|do|để|đưa ra|cho biết|cho hay|"
    r"nói|khẳng định|tuyên bố|theo|sau đó|đồng thời|còn|trong đó)\s+",
    re.IGNORECASE,
)
# An appositive: ", Phó tổng giám đốc Vinasun", " – mẹ của ...", " (SN 1988)".
_APPOSITIVE = re.compile(r"\s*(?:,|\s[-–—]\s)")
_WORD = re.compile(r"[\w&.'’-]+")


def _is_proper(word: str) -> bool:
    """True for a capitalised syllable or an acronym that is no one-syllable title, body head or function word."""
    if not word[:1].isupper():
        return False
    low = word.lower()
    return low not in TITLES and low not in BODIES and low not in CONNECTORS and low not in _QUANTIFIERS


def _multi(words: list[str], k: int, vocabulary: frozenset[str]) -> int:
    """How many words from `k` on form one entry of `vocabulary` (the longest, up to four syllables), 0 if none."""
    for n in (4, 3, 2, 1):
        if k + n <= len(words) and " ".join(w.lower() for w in words[k : k + n]) in vocabulary:
            return n
    return 0


def _proper_positions(words: list[str], sentence_start: bool = True) -> list[int]:
    """Positions of the proper words; a capitalised first word counts only when its name goes on
    (the next syllable is capitalised too) or it stands alone: a sentence's first word is capitalised anyway.
    `sentence_start` False: the words are read from inside a sentence (a target), where a capital is a name."""
    out: list[int] = []
    covered: set[int] = set()  # syllables of a title or body head ("Thủ tướng", "Bộ trưởng", "Đại sứ quán")
    k = 0
    while k < len(words):
        n = 0 if (out and out[-1] == k - 1) else max(_multi(words, k, TITLES), _multi(words, k, BODIES))
        if n > 1:
            covered.update(range(k, k + n))
        k += max(n, 1)
    for k, w in enumerate(words):
        # A capitalised syllable right after a proper one goes on its name ("Việt Nam", "Hoa Kỳ").
        after_name = bool(out) and out[-1] == k - 1 and w[:1].isupper() and w.lower() not in CONNECTORS
        if not after_name and (k in covered or not _is_proper(w)):
            continue
        # A sentence's first word is capitalised anyway: followed by a lowercase syllable it starts a
        # common noun ("Hợp đồng ...", "Tuyên bố trên"); a one-syllable name stands alone ("Vinasun").
        opens = sentence_start and k == 0 and len(words) > 1
        if opens and not words[1][:1].isupper() and not w.isupper() and words[1] not in CONNECTORS:
            continue
        out.append(k)
    return out


_ROLE_SET = _ROLE_BODIES
_HONORIFICS = frozenset("ông bà anh chị cô".split())


# A span that opens with a document (an abbreviation or its noun) names the paper, not its author.
_DOCUMENT_HEAD = re.compile(
    r"^(?:QĐ|NĐ|CV|TB|BB|QĐ-\w+|quyết định|công văn|nghị định|thông tư|biên bản|văn bản|bộ luật|luật(?! sư)|"
    r"hiến pháp|nghị quyết)(?:\s|$|[-/])",
    re.IGNORECASE,
)
# Common words a sentence may open with, capitalised there, that are no one-word name ("Có ý kiến cho rằng").
_COMMON_OPENERS = frozenset("có bài khách nhiều tin sau trước đây đó điều việc".split())


def party_name(span: str, *, sentence_start: bool = True) -> str | None:
    """The clean noun phrase naming the party in a speaker span, or None when it names no one.

    "ông Tuấn xót xa" -> "ông Tuấn"; "Ông Lê Văn Phúc, Phó tổng giám đốc công ty" -> "Ông Lê Văn
    Phúc"; "ngay sau khi triệu phú Trump" -> "triệu phú Trump"; "Nó", "Hai người", "Cựu người mẫu" -> None.
    A body named by its role ("HĐXX", "Tòa", "ban tổ chức") is kept as it is. `sentence_start` False reads
    a span from inside a sentence (an act's target), where its capitalised first word is a name ("Seoul cấp").
    """
    text = " ".join(span.split()).strip(" ,.:;")
    if not text:
        return None
    low = text.lower()
    if all(w in PRONOUNS for w in low.split()):
        return None  # "Nó", "Họ", "Chúng tôi": capitalised only because a sentence starts with them
    if low in _PLACE_WORDS:
        return None  # "TP" cut from "TP Cần Thơ": a place word alone names no one
    if _DOCUMENT_HEAD.match(text):
        return None  # "QĐ chấm dứt hợp đồng ...", "Quyết định số 132": a document, not who issued it
    if low in _ROLE_SET or (low.split()[0] in {"các", "những"} and " ".join(low.split()[1:]) in _ROLE_SET):
        return text
    if sentence_start and low.split()[0] in _COMMON_OPENERS and not any(w[:1].isupper() for w in text.split()[1:]):
        return None  # "Có ý kiến", "Bài đăng": a capitalised common word opens the sentence
    text = re.sub(r"^\([^()]*\)\s*[-–—]\s*", "", text) or text  # a dateline: "(Tin Mới) - Gia đình chị X"
    # A closing bracket with no opening one ends a caption before the name ("Báo X) Ủy ban Y"): the name after it.
    if ")" in text and "(" not in text.split(")")[0]:
        text = text.split(")", 1)[1].strip(" -–—") or text
    # A bracket that ends the span describes the name before it ("anh X (SN 1988)"); one inside it is
    # part of the name ("Hội đồng Liên bang (Thương viện Nga) Konstantin Kosachev").
    text = re.sub(r"\s*\([^()]*\)?\s*$", "", text) or text
    # An appositive describes a name already given: keep the name (when the part before names someone).
    parts = _APPOSITIVE.split(text, maxsplit=1)
    head = parts[0].strip()
    after = _WORD.findall(parts[1]) if len(parts) > 1 else []
    # ", EU, Anh và Canada" goes on listing names; ", Phó tổng giám đốc ..." describes the one before.
    describes = bool(after) and (
        not _is_proper(after[0])
        or bool(_multi(after, 0, TITLES) or _multi(after, 0, BODIES))
        # a capitalised word then lowercase ones: a role ("Phó chi cục trưởng"), not a name ("Hà Nội")
        or (len(after) > 1 and after[1][:1].islower() and after[1] not in CONNECTORS)
    )
    person_after = bool(after) and after[0].lower() in _HONORIFICS and len(after) > 1 and _is_proper(after[1])
    head_words = _WORD.findall(head)
    names_body = any(_multi(head_words, k, BODIES) for k in range(1, len(head_words)))
    if head != text and person_after and (_proper_positions(head_words) or names_body):
        # "Đại sứ X tại Y, ông Erik Holm": a role naming other bodies before the comma, the person after it
        # (a role without names stays with the person: "Đại diện nhà xe, bà Lục Thị Xuân")
        text = parts[1].strip(" ,")
    elif (
        head != text
        and describes
        and _proper_positions(_WORD.findall(head))
        # "Sở Văn hóa, Thể thao và Du lịch", "Bộ Lao động - Thương binh và Xã hội": one body's name
        and not (head.split()[0] in {"Bộ", "Sở"} and len(head.split()) <= 4 and after and _is_proper(after[0]))
    ):
        text = head
    # A clause before the name: what follows its last conjunction or verb of saying.
    m = _CLAUSE_END.match(text)
    if m and _proper_positions(_WORD.findall(text[m.end() :])):
        text = text[m.end() :]
    words = _WORD.findall(text)
    proper = _proper_positions(words, sentence_start)
    if not proper:
        return _role_body(words)
    start = _name_start(words, sentence_start)
    if start is None or start > proper[0] or any(w.lower() in _DEMONSTRATIVE for w in words[start : proper[-1]]):
        return None
    end = proper[-1]
    # A body's name capitalises only its first syllable ("Bộ Tài chính", "Cục Hàng không", "phe Dân chủ"):
    # the lowercase syllable after its last capitalised one is part of it; after a person's name it is
    # the verb phrase that follows ("ông Tuấn xót xa", "Thủ tướng X hôm nay").
    # An acronym ends the name: "Bộ KH-ĐT kiểm điểm" is "Bộ KH-ĐT" and what it is asked to do.
    run = end  # the first syllable of the last capitalised run
    while run - 1 in proper and words[run - 1][:1].isupper():
        run -= 1
    body_before = any(_multi(words, j, BODIES) == run - j for j in range(max(start, run - 4), run))
    acronym = words[end].isupper() and len(words[end]) > 1  # "Bộ KH-ĐT"; not the "Y" of "Sở Y tế"
    of_body = _multi(words, start, BODIES) and " ".join(words[start : start + 2]).lower() != "gia đình"  # a person's
    if (of_body or (body_before and run == end)) and end - 1 not in proper and not acronym:
        while (
            end + 1 < len(words)
            and end - proper[-1] < 3
            and words[end + 1].islower()
            and words[end + 1] not in CONNECTORS
        ):
            end += 1
    # A coordinated count ends the span: "... tại EU và 5 quốc gia" names the group with it.
    rest = [w.lower() for w in words[end + 1 :]]
    if 3 <= len(rest) <= 4 and rest[0] in {"và", "cùng"} and (rest[1].isdigit() or rest[1] in _QUANTIFIERS):
        end = len(words) - 1
    # Rebuild from the original text to keep its punctuation ("Đài PT-TH", "Bộ KH&ĐT").
    begin = _find_word(text, words, start)
    stop = _find_word(text, words, end) + len(words[end])
    return text[begin:stop].strip(" ,.:;-–") or None


def _name_start(words: list[str], sentence_start: bool = True) -> int | None:
    """Where the name starts: its first title, body head or proper word, after determiners only
    ("các", "những", "một loạt"); None when other words come first (a clause: "Hợp đồng làm thép X")."""
    proper = set(_proper_positions(words, sentence_start))
    k = 0
    while k < len(words):
        if k in proper or _multi(words, k, TITLES) or _multi(words, k, BODIES):
            return k
        if words[k].lower() not in _LEADING:
            return None
        k += 1
    return None


# Words that may come before a name: determiners and "phía"/"theo" ("một loạt quan chức Mỹ").
_LEADING = frozenset("các những một loạt phía bên theo cả chính thức từ".split())


def _find_word(text: str, words: list[str], k: int) -> int:
    """Offset of the k-th word of `_WORD.findall(text)` in text."""
    for i, m in enumerate(_WORD.finditer(text)):
        if i == k:
            return m.start()
    return len(text)


def _role_body(words: list[str]) -> str | None:
    """A span without a proper name: kept only for a body named by its role ("cơ quan điều tra",
    "Tổng thanh tra Chính phủ"), from its first title or body word."""
    low = [w.lower() for w in words]
    first = _name_start(words)
    for k in range(len(low)):
        for n in (3, 2, 1):
            chunk = " ".join(low[k : k + n])
            if len(low[k : k + n]) == n and chunk in _ROLE_SET:
                if any(w in _DEMONSTRATIVE for w in low):
                    return None
                return " ".join(words[first if first is not None and first <= k else k : k + n])
    return None


def is_reference(span: str) -> bool:
    """True when a speaker span refers to a party without naming it (a pronoun, a count, a title alone)."""
    return party_name(span) is None


def reference_head(span: str) -> str | None:
    """The title or body word a reference keeps ("ông này" -> "ông", "công ty này" -> "công ty"), for
    finding a compatible antecedent; None for a bare pronoun or count ("Nó", "Hai người")."""
    words = [w.lower() for w in _WORD.findall(span)]
    for k in range(len(words)):
        n = _multi(words, k, TITLES) or _multi(words, k, BODIES)
        if n:
            return " ".join(words[k : k + n])
    return None


def name_words(name: str) -> frozenset[str]:
    """The proper words of a name, lower case: what identifies its entity ("ông Liu" -> {"liu"})."""
    words = _WORD.findall(name)
    return frozenset(words[k].lower() for k in _proper_positions(words))


def name_runs(name: str) -> frozenset[str]:
    """The proper names in a name, each a run of proper words ("Bộ Tài chính Mỹ Steven Mnuchin" ->
    {"tài", "mỹ steven mnuchin"}): what two names of one entity, or two articles on one story, share."""
    words = _WORD.findall(name)
    runs: list[list[str]] = []
    last = -2
    for k in _proper_positions(words):
        if k == last + 1:
            runs[-1].append(words[k].lower())
        else:
            runs.append([words[k].lower()])
        last = k
    return frozenset(" ".join(r) for r in runs)


def shares_entity(a: str, b: str) -> bool:
    """True when two party names hold the same proper name (two articles on one story name it): a run
    of proper words in common, or a full name of several words inside a longer run ("Trần Văn Lâm"
    in "Bộ KH-ĐT Trần Văn Lâm"), acronyms read without their inner marks ("KH&ĐT" is "KH-ĐT")."""
    ra, rb = ({_ACRONYM_MARKS.sub("", r) for r in name_runs(x)} for x in (a, b))
    if ra & rb:
        return True
    return any(
        " " in short and f" {short} " in f" {long} " for x, y in ((ra, rb), (rb, ra)) for short in x for long in y
    )


_ACRONYM_MARKS = re.compile(r"(?<=\w)[&.'’-](?=\w)")


def display_name(names: list[str]) -> str:
    """The name a party is shown under: its first mention in story order (news names a party in full
    the first time: "Liu Pengyu", then "ông Liu"), unless that one holds at most one proper word and
    another holds more ("ông Liu" before "người phát ngôn ... Liu Pengyu", "Cựu người mẫu" before her name).
    A group first named by a summary ("... tại EU và 5 quốc gia") keeps it over its later list of members."""
    first = names[0]
    if len(name_words(first)) > 1:
        return first
    return max(names, key=lambda n: (len(name_words(n)), -names.index(n)))


def group_by_entity(
    statements: list[Statement], same: Callable[[str, str], bool] | None = None
) -> list[list[Statement]]:
    """The statements of one article grouped by party, their speakers renamed to clean names.

    A statement whose speaker names no one ("ông này", "Hai người", "Cựu người mẫu") goes to the
    nearest party before it whose name holds the same title or body word ("ông", "công ty"); a bare
    pronoun or count with no such word, or with no such party, is left out: a wrong party is worse
    than none. `same` says when two names are one party (default: the same words).
    """
    same = same or (lambda a, b: a.lower() == b.lower())
    groups: list[list[Statement]] = []
    for s in sorted(statements, key=lambda s: (s.speaker.start, s.sentence.start)):
        name = party_name(s.speaker.text)
        if name is None and "của" in s.speaker.text.split():
            # "người đại diện theo ủy quyền của anh Hoài": a representative speaks for the party it names.
            name = party_name(s.speaker.text.split(" của ")[-1])
        if name is None:
            group = _antecedent(s.speaker.text, groups)
            if group is not None:
                group.append(replace(s, speaker=replace(s.speaker, text=group[0].speaker.text)))
            continue
        renamed = replace(s, speaker=replace(s.speaker, text=name))
        for group in groups:
            if same(group[0].speaker.text, name):
                group.append(renamed)
                break
        else:
            groups.append([renamed])
    return [sorted(g, key=lambda s: s.sentence.start) for g in groups]


def _antecedent(reference: str, groups: list[list[Statement]]) -> list[Statement] | None:
    """The nearest party before a reference that it can refer to: one whose name holds its title or body word."""
    head = reference_head(reference)
    if head is None or head in _GENERIC_HEADS:
        return None
    for group in reversed(groups):
        if any(re.search(rf"(?<!\w){re.escape(head)}(?!\w)", s.speaker.text.lower()) for s in group):
            return group
    return None


# Heads that fit any party ("người", "phía"): a reference by them alone cannot be resolved.
_GENERIC_HEADS = frozenset("người phía bên đại diện lãnh đạo".split())


def core_name(name: str) -> str:
    """A name without its titles and body heads, lower case ("tạp chí Forbes" -> "forbes", "bị cáo Dung"
    -> "dung"): two names of one party with the same core name one entity."""
    words = _WORD.findall(name)
    out, k = [], 0
    while k < len(words):
        n = max(_multi(words, k, TITLES), _multi(words, k, BODIES))
        if n:
            k += n
            continue
        out.append(words[k].lower())
        k += 1
    return " ".join(out)


def same_entity(a: str, b: str) -> bool:
    """True when two clean names name one entity: the same core name, or a person's short reference
    ("ông Liu" for "Liu Pengyu", "ông Tân" for "HLV Võ Đình Tân": a titled name whose core is a word of the other's)."""
    ca, cb = core_name(a), core_name(b)
    if not ca or not cb:
        return a.lower() == b.lower()
    if ca == cb:
        return True
    short, long = (a, ca), (b, cb)
    if len(ca.split()) > len(cb.split()):
        short, long = long, short
    titled = _multi(_WORD.findall(short[0]), 0, TITLES) > 0
    if titled and len(short[1].split()) == 1 and short[1] in long[1].split():
        return True
    full = full_name(a)
    return full is not None and full == full_name(b)


# Words before a run of capitals that make it a place ("TP Hồ Chí Minh", "tỉnh Bà Rịa Vũng Tàu"), not a person.
_PLACE_WORDS = frozenset("tp tỉnh thành phố quận huyện xã phường thị trấn bang đường".split())


def full_name(name: str) -> str | None:
    """A person's full name ending `name`: its last three proper syllables, lower case ("Tổng TTCP Lê Văn Khoa"
    -> "lê văn khoa"), when they end it in one run of capitalised words (no acronym) after a title or an
    organisation, not after a place word; None otherwise. Two names ending in one full name are one person
    ("Tổng Thanh tra Chính phủ Lê Văn Khoa", "Tổng TTCP Lê Văn Khoa")."""
    words = _WORD.findall(name)
    if len(words) < 4 or _multi(words, 0, BODIES):
        return None  # a body's name ("Sở Y tế Thành Phố Hà Nội"), or a bare name with nothing to tell apart
    last = words[-3:]
    if not all(w[:1].isupper() and not w.isupper() and w.lower() not in CONNECTORS for w in last):
        return None
    if words[-4].lower() in _PLACE_WORDS:
        return None
    return " ".join(w.lower() for w in last)


# What a party said or did, named as a noun ("cáo buộc của Mỹ", "tuyên bố từ Bắc Kinh"): the act's target is
# then that party's claim, not a party. Keys name the claim's frame in texts ("claim_accusation").
CLAIM_NOUNS = {
    **dict.fromkeys(("cáo buộc", "lời cáo buộc", "tố cáo", "lời tố cáo", "buộc tội"), "accusation"),
    **dict.fromkeys(("tuyên bố", "phát ngôn", "phát biểu", "thông báo", "thông cáo", "bình luận", "nhận định",
                     "lời", "ý kiến", "quan điểm", "lập luận"), "statement"),
    **dict.fromkeys(("thông tin", "tin", "tin đồn", "báo cáo"), "report"),
    **dict.fromkeys(("yêu cầu", "đề nghị", "đòi hỏi", "đề xuất", "kiến nghị", "lời kêu gọi"), "demand"),
    **dict.fromkeys(("chỉ trích", "lời chỉ trích", "phê phán", "lời phê phán"), "criticism"),
    **dict.fromkeys(("đơn kiện", "vụ kiện", "đơn khởi kiện", "đơn", "khiếu nại", "đơn khiếu nại"), "lawsuit"),
    **dict.fromkeys(("quyết định", "phán quyết", "lệnh", "bản án", "kết luận"), "decision"),
    **dict.fromkeys(("cảnh báo", "lời cảnh báo", "đe dọa", "lời đe dọa"), "warning"),
}
_CLAIM = re.compile(
    r"^(?:(?:các|những|mọi|toàn bộ|mấy)\s+)?(?P<noun>"
    + "|".join(sorted(map(re.escape, CLAIM_NOUNS), key=len, reverse=True))
    # a few words may say what the claim is about ("cáo buộc tấn công mạng của Mỹ")
    + r")(?:\s+[^\s,;:]+){0,6}?\s+(?:của|từ|do)\s+(?P<party>.+)$",
    re.IGNORECASE,
)
_CLAIM_START = re.compile(
    r"^(?:(?:các|những|mọi|toàn bộ|mấy)\s+)?(?:" + "|".join(sorted(map(re.escape, CLAIM_NOUNS), key=len, reverse=True))
    + r")(?!\w)",
    re.IGNORECASE,
)
# A counted group named by its nationality or body ("4 người Trung Quốc", "hai công dân Mỹ").
_COUNTED = re.compile(
    r"^(?P<count>\d+|hai|ba|bốn|năm|sáu|bảy|tám|chín|mười|vài|nhiều)\s+(?P<head>người|công dân|quan chức|"
    r"nhân viên|đối tượng|tin tặc|hacker|binh sĩ|nhà ngoại giao|doanh nghiệp|công ty)\s+(?P<rest>.+)$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class Target:
    """Whom an act is aimed at: a party's clean name, and what of theirs it answers (None: the party itself)."""

    name: str
    claim: str | None = None  # a key of CLAIM_NOUNS' values: "accusation", "statement", ...


def statement_target(s: Statement) -> Target | None:
    """The party a statement's act is aimed at (`target_party` of its target span), or None."""
    if s.target is None:
        return None
    # A target that opens its sentence (a passive's subject: "Y bị X cáo buộc") is capitalised anyway.
    opening = not s.sentence.text[: max(0, s.target.start - s.sentence.start)].strip(" \"“”'‘’:-–(")
    return target_party(s.target.text, sentence_start=opening)


def target_party(span: str, *, sentence_start: bool = False) -> Target | None:
    """The party an act's target span names, or None when it names none.

    "Trung Quốc tấn công mạng" -> Trung Quốc; "cáo buộc tấn công mạng của Mỹ" -> Mỹ's accusation;
    "4 người Trung Quốc thành lập công ty" -> "4 người Trung Quốc". A claim without its author
    ("Tuyên bố trên", "những cáo buộc cho"), a clause or a reference is no party: None.
    `sentence_start`: the span opens its sentence, so its first capital is no sign of a name.
    """
    text = " ".join(span.split()).strip(" ,.:;\"“”'‘’")
    if not text:
        return None
    claim = _CLAIM.match(text)
    if claim is not None:
        name = party_name(claim["party"], sentence_start=False)  # after "của", a capital is a name
        if name is None or not claim["party"].startswith(name):
            return None  # "cáo buộc của họ", or a clause after "của"
        return Target(name, CLAIM_NOUNS[" ".join(claim["noun"].lower().split())])
    if _CLAIM_START.match(text):
        return None  # a claim named without its author: "Tuyên bố trên", "những cáo buộc cho"
    counted = _COUNTED.match(text)
    if counted is not None:
        rest = counted["rest"]
        words = _WORD.findall(rest)
        proper = _proper_positions(words, sentence_start=False)
        if not proper or proper[0] != 0:
            return None
        run = 0
        while run + 1 < len(words) and run + 1 in proper:
            run += 1
        stop = _find_word(rest, words, run) + len(words[run])
        return Target(f"{counted['count']} {counted['head']} {rest[:stop]}")
    if text.split()[0].lower() in _PERSONAL:
        return None  # "Tôi không có gì phải giấu": a quotation, not whom it answers
    name = party_name(text, sentence_start=sentence_start)
    if name is None or not _starts_name(text, name):
        return None
    return Target(_first_clause(name))


# Pronouns that open a quotation rather than name a target ("Tôi không có gì phải giấu").
_PERSONAL = frozenset("tôi tao tớ mình chúng ta nó họ hắn đây đó ấy kia".split())
# Lowercase words that go inside a name between its proper words ("Đài PT-TH tỉnh Đắk Nông").
_INSIDE_NAME = frozenset("tỉnh thành phố tp huyện quận xã phường thị bang vùng miền đảo".split())


def _first_clause(name: str) -> str:
    """A target name up to a verb between its proper words: "Nga quen ông Mỹ" -> "Nga", "Kharan bắt
    giữ Lars Berg" -> "Kharan". A body's name keeps its lowercase syllables ("Bộ Tài chính Mỹ")."""
    words = _WORD.findall(name)
    if _name_start(words, False) is not None and _multi(words, _name_start(words, False) or 0, BODIES):
        return name
    proper = set(_proper_positions(words, False))
    k = min(proper, default=len(words))
    while k < len(words):
        titled = max(_multi(words, k, TITLES), _multi(words, k, BODIES))
        if titled:
            k += titled  # "Tổng thống", "Bộ trưởng": a title inside the name
            continue
        if k not in proper and words[k].lower() not in CONNECTORS | _INSIDE_NAME and words[k].islower():
            return name[: _find_word(name, words, k)].strip(" ,.:;-–") or name
        k += 1
    return name


def _starts_name(text: str, name: str) -> bool:
    """True when the name is the span's head: nothing but determiners before it (a target is the noun
    phrase right after the verb; a name found further on belongs to a clause: "chuyện Vinasun thua lỗ")."""
    before = text[: text.find(name)] if name in text else text
    return all(w.lower() in _LEADING for w in _WORD.findall(before))
