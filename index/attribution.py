"""Attribution statements: who says or does what to whom, with verbatim spans.

Vietnamese news attributes with a small closed class of reporting and
accusation verbs ("cho biết", "cáo buộc", "bác bỏ", ...) in a fixed clause
order: subject, optional adverbs, verb, then target or content. The extractor
finds the verbs, takes the subject noun phrase to their left (up to a clause
boundary: a comma that is not inside a list or an apposition, a closing quote,
a subordinator), the target noun phrase to their right, and the content
(the quotation, or the clause after the verb). It also reads
"Theo X, ..." (source attribution), passives ("Y bị X cáo buộc", agentless
"bị cáo buộc"), nominal acts ("cáo buộc của X"), coordinated verbs sharing
one subject ("cho biết ..., đồng thời yêu cầu ...") and pronoun subjects
("ông", "cơ quan này", "họ") resolved to the nearest earlier speaker.

Byline, photo-caption and share-label paragraphs are never analysed. The
extractor is pure Python over regular expressions: about a millisecond per
paragraph (BENCHMARKS.md), so it runs on every article at index time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from itertools import pairwise

from .act_head import relabel_acts
from .articles import Article
from .chunking import split_sentences
from .text import CAPITAL

# Bump when extraction changes: cached statements of older versions are recomputed.
EXTRACTOR_VERSION = 10

ACTS = ("accuse", "charge", "sue", "criticize", "deny", "reject", "demand", "say", "respond", "threaten", "other")

# Reporting and accusation verbs by act. Longest match wins; a cue directly
# followed by a more specific one ("lên tiếng chỉ trích") yields the latter.
_CUES: dict[str, str] = {}
for _act, _words in {
    "say": "nói|nói rằng|cho biết|cho hay|cho rằng|khẳng định|nhấn mạnh|tuyên bố|chia sẻ|tiết lộ|thông báo|"
    "xác nhận|khai|khai nhận|công bố|nêu rõ|lý giải|giải trình|bày tỏ|nhận định|nhìn nhận|viết|trình bày|"
    "trả lời phỏng vấn|"
    "phát biểu|nhận xét|"
    "trích dẫn|cảm thấy|hi vọng|hy vọng|khuyến khích|ra tuyên bố|đưa tin|thông tin|kể|nói thêm|chia sẻ thêm|tin rằng|"
    "thống kê",
    "accuse": "cáo buộc|tố|tố cáo|tố lại|quy trách nhiệm|quy kết|quy chụp|quy|đổ lỗi|đổ tội|tố giác|phản ánh|"
    "làm đơn tố cáo|gửi đơn tố cáo",
    "charge": "buộc tội|truy tố|khởi tố|kết tội",
    "sue": "kiện|khởi kiện|đệ đơn kiện|nộp đơn kiện|đâm đơn kiện|kiện tới cùng|kiện đến cùng|gửi đơn kiện|làm đơn kiện|"
    "gửi đơn khởi kiện|nộp đơn khởi kiện",
    "criticize": "chỉ trích|chê|chê bai|lên án|phản pháo|chất vấn|xúc phạm|giễu cợt|công kích|phê phán|"
    "trách cứ|đả kích|phê bình|chế giễu|gọi|chê trách|mỉa mai|châm biếm",
    "deny": "bác bỏ|phủ nhận|bác tin|bác thông tin|bác cáo buộc|bác|phản bác|cải chính|đính chính",
    "reject": "từ chối|phản đối|không chấp nhận|không đồng ý|kháng cáo|bác đơn|bác yêu cầu|khước từ|cự tuyệt",
    "demand": "yêu cầu|kêu gọi|đề nghị|đòi|đòi hỏi|thúc giục|hối thúc|kiến nghị",
    "respond": "phản hồi|đáp trả|đáp lại|đáp|trả lời|phản ứng|lên tiếng|giải thích|tranh luận|bình luận",
    "threaten": "cảnh báo|đe dọa|đe doạ|dọa|doạ|cảnh cáo|răn đe",
    "other": "thừa nhận|xin lỗi|quyết định|tuyên án|phê chuẩn|chấp nhận|ủng hộ|ban hành|tuyên|hủy|buộc|tuyên buộc|"
    "thống nhất|cam kết|đề xuất",
}.items():
    for _w in _words.split("|"):
        _CUES[_w] = _act
_MAX_CUE = max(len(w.split()) for w in _CUES)

# Generic cues give way to a specific one that follows within a few words.
_GENERIC = {"say", "respond"}
# Acts that take a side against someone: asserting one did not do them denies.
_STANCES = {"accuse", "criticize", "sue", "demand", "threaten"}
# Legal authorities whose accusations are formal charges.
_AUTHORITY = re.compile(
    r"công tố|viện kiểm sát|\bVKS|bộ tư pháp|cảnh sát|\bFBI\b|chính quyền|cơ quan điều tra|tòa án|\btòa\b|"
    r"\bHĐXX\b",
    re.IGNORECASE,
)

# A speaker that is a court itself (not "đại diện VKS tại tòa"): what it does is rule.
_BENCH = re.compile(r"^(?:các |)(?:tòa|toà|tòa án|toà án|TAND|TANDTC|HĐXX|hội đồng xét xử)\b", re.IGNORECASE)
# Courts, whose "buộc" (orders someone to) is a ruling.
_COURT = re.compile(r"\btòa\b|tòa án|\bTAND\b|\bHĐXX\b|hội đồng xét xử|trọng tài", re.IGNORECASE)

_TOKEN = re.compile(r"\w+(?:[./\-–]\w+)*|[^\w\s]", re.UNICODE)
_OPEN_QUOTES = "“\"'‘«"
_CLOSE_QUOTES = "”\"'’»"
_BOUNDARY_PUNCT = set(",;:()[]—?!…") | set(_OPEN_QUOTES) | set(_CLOSE_QUOTES)
# Words that end a subject on their left: the subject starts after them.
_SUBORDINATORS = {
    ("sau", "khi"),
    ("trước", "khi"),
    ("khi",),
    ("rằng",),
    ("là",),
    ("nhưng",),
    ("song",),
    ("vì",),
    ("do",),
    ("nên",),
    ("thì",),
    ("mà",),
    ("để",),
    ("nếu",),
    ("tuy", "nhiên"),
    ("trong", "khi", "đó"),
    ("trong", "khi"),
    ("đồng", "thời"),
    ("còn",),
    ("sau", "đó"),
    ("trước", "đó"),
    ("nhưng", "rồi"),
    # A nominal clause: "không có ý kiến về việc X tuyên bố ...", "xét xử vụ việc X kiện Y": X acts, not the speaker.
    ("về", "việc"),
    ("vụ", "việc"),
    # A causative: "Sự việc khiến X bức xúc và yêu cầu ...": X is the subject of what follows.
    ("khiến",),
    ("làm", "cho"),
}
_MAX_SUB = 3
# Adverbs, auxiliaries and time phrases between a subject and its verb.
_ADVERBS = frozenset(
    "đã cũng vừa mới sẽ đều vẫn còn chính thức đồng loạt ngay lập tức cùng thường xuyên công khai "
    "liên tục từng lại ra có văn bản không chưa hề luôn lần nữa hôm ngày sáng chiều tối trưa đêm qua "
    "thêm tiếp trực gay gắt mạnh mẽ kịch liệt dữ dội lên tiếng đưa nhiều rất sớm đột nhiên bất ngờ "
    "đang thẳng thừng một cách lo ngại".split()
)
_DATE = re.compile(r"^\d+(?:[/\-.]\d+)*$")
# Subjects that are only a pronoun or an anaphoric noun phrase.
_PRONOUNS = re.compile(
    r"^(ông|bà|cô|anh|chị|họ|ông ta|bà ta|cô ta|anh ta|ông ấy|bà ấy|cô ấy|anh ấy|ông này|bà này|chúng tôi|tôi|"
    r"(?:cơ quan|đơn vị|người|vị|đại diện|bên|phía|hãng|công ty|tổ chức|nhân vật|quan chức|"
    r"chính trị gia|nữ ca sĩ|nam ca sĩ|ca sĩ|cầu thủ|tiền đạo|tuyển thủ|nhà ngoại giao|thượng nghị sĩ|"
    r"cơ quan ngoại giao|bộ|tòa|bệnh viện|ngân hàng|tập đoàn)(?: [^\s]+)? (?:này|đó|ấy|trên|nói trên)|"
    r"(?:nữ|nam) (?:ca sĩ|diễn viên|người mẫu|nhạc sĩ|nghệ sĩ|cầu thủ|vận động viên|doanh nhân|danh ca|MC))$",
    re.IGNORECASE,
)
# Titles that name a person, whom "ông"/"bà" can refer back to.
_PERSON_TITLE = re.compile(
    r"^(?:cựu |nguyên |phó |tân )?(?:hlv|huấn luyện viên|tổng thống|tt|thủ tướng|thượng nghị sĩ|nghị sĩ|bộ trưởng|"
    r"thiếu tá|trung tá|thượng tá|đại tá|thiếu úy|trung úy|thượng úy|đại úy|thiếu tướng|trung tướng|đại tướng|"
    r"ngoại trưởng|thứ trưởng|giám đốc|tổng giám đốc|chủ tịch|đại biểu|luật sư|bác sĩ|ntk|nhà thiết kế|đại sứ|"
    r"người phát ngôn|phát ngôn viên|tổng kiểm toán|tổng thanh tra|thống đốc|thị trưởng|trưởng|ca sĩ|nhạc sĩ|"
    r"cầu thủ|tiền đạo|diễn viên|người mẫu|hoa hậu|á hậu|mc|nhà báo|phóng viên|đại diện)\b",
    re.IGNORECASE,
)
_HONORIFIC = re.compile(r"^(ông|bà|cô|anh|chị)\b", re.IGNORECASE)
# Nouns that can head a speaker written in lower case ("đại diện Grab", "phía bị đơn").
_HEADS = re.compile(
    r"^(?:các |những |một số |nhiều |hai |cả )?(đại diện|người|phía|bên|lãnh đạo|luật sư|bác sĩ|giới|"
    r"chính quyền|cơ quan|phái đoàn|đại sứ|bộ|ủy ban|uỷ ban|công ty|tòa|toà|tập đoàn|hãng|hội đồng|"
    r"văn phòng|nhà|ê-kíp|ekip|chuyên gia|cán bộ|báo|tạp chí|quan chức|chính phủ|phe|nghị sĩ|thượng nghị sĩ|"
    r"tổng thống|thủ tướng|ngoại trưởng|bộ trưởng|giám đốc|chủ tịch|ông|bà|cô|anh|chị|hlv|ntk|đại biểu|tổng|"
    r"người phát ngôn|phát ngôn viên|giáo sư|tiến sĩ|gs|pgs|ts|"
    r"thứ trưởng|trưởng|phó|cục|sở|viện|ngân hàng|bệnh viện|trường|đài|các|những|một|mẹ|bố|gia đình|"
    r"tổ chức|liên minh|nhóm|cư dân|người dân|doanh nghiệp|hiệp hội|chị|nguyên đơn|bị đơn|phòng|ban|tổ|"
    r"khách hàng|cộng đồng|dư luận|truyền thông|chính trị gia|nhà ngoại giao|cảnh sát|quân đội)\b",
    re.IGNORECASE,
)
# "Theo tuyên bố của X": the source is X.
_SOURCE_NOUNS = re.compile(
    r"^(?:tuyên bố|thông báo|thông cáo|báo cáo|thông tin|chia sẻ|quan điểm|ý kiến|lời|phát biểu|"
    r"đánh giá|nhận định|kết luận|văn bản|thống kê|cáo trạng|đơn)(?: [^\s]+){0,3}? (?:của|từ) ",
    re.IGNORECASE,
)
# A document or report named as a source ("đơn khởi kiện nộp lên TAND ...", "báo cáo tài chính công bố ...").
_DOCUMENT = re.compile(
    r"^(?:tuyên bố|thông báo|thông cáo|báo cáo|văn bản|thống kê|cáo trạng|đơn|bản án|kết luận|quyết định)\b",
    re.IGNORECASE,
)
# Words that end a target noun phrase on the right.
_TARGET_STOP = frozenset(
    "là vì về rằng đã đang sẽ để do khi sau trong nhằm với nhưng song mà thì không chưa phải được bị "
    "có đứng hỗ trốn thiên lật tại từ vào ở đến tới cung dừng làm xem bồi nhận hủy lạm đòi yêu kêu".split()
)
_WRONGDOING = re.compile(
    r"lạm dụng|đứng sau|vi phạm|gian lận|thao túng|phá giá|thiên vị|trốn thuế|rửa (?:\S+ ){0,4}?tiền|"
    r"không công bằng|lũng đoạn|lừa đảo|che giấu|sai phạm|sai trái|bất hợp pháp|phi pháp|tham nhũng|hối lộ|"
    r"bao che|qua mắt|tiếp tay|trục lợi|chiếm đoạt|cố tình|cố ý|bất công",
    re.IGNORECASE,
)
# Negative evaluation: a statement that carries it criticises.
_DISPARAGING = re.compile(
    r"thương hại|khiêu khích|tệ hại|tồi tệ|rác rưởi|\bđiên\b|\bngu\b|kém hiệu quả|thiếu quyết liệt|"
    r"vô trách nhiệm|vô căn cứ|thiếu thiện chí|đáng xấu hổ|sai lầm|thất vọng|chậm đổi mới|không tốt|"
    r"giả dối|tin tức giả|bài Nga|bị sốt|thảm họa|nực cười|lố bịch|đáng tiếc|tệ nhất|nguy hại|hổ thẹn|lăng mạ|"
    r"khiếm nhã|vô lý|không hợp lý|bất hợp lý|nói xấu|yếu kém|thiếu trách nhiệm|tắc trách|đáng trách|"
    r"không thể chấp nhận|thiển cận|"
    r"dối trá|kém cỏi|không xứng đáng|chưa làm tròn|không làm tròn|buông lỏng|né tránh|lẽ ra|đáng lẽ|"
    r"không đáp ứng|chưa được (?:quan tâm|giải quyết)|chưa (?:nói|đề cập) (?:đến|tới)|trách nhiệm của mình|"
    # outrage at what was done ("Tôi vô cùng sửng sốt khi ...")
    r"sửng sốt|bức xúc|phẫn nộ|bất bình|bàng hoàng|không thể hiểu nổi",
    re.IGNORECASE,
)
_DENIAL = re.compile(
    r"không có chuyện|sai sự thật|không đúng sự thật|không phải là|không hề|không bao giờ|bịa đặt|vu khống|"
    r"không có cơ sở|thất thiệt|hoàn toàn không|không liên quan|không chính xác|không có thật|xuyên tạc|"
    r"(?:làm|thực hiện|hoạt động|kinh doanh) đúng (?:luật|pháp luật|quy định|quy trình)"
)
# A warning: a condition and its consequence ("Nếu ... thì sẽ ..."), or a sanction announced.
_WARNING = re.compile(r"^(?:nếu|trường hợp|một khi)\b.{0,200}?\b(?:thì|sẽ)\b", re.IGNORECASE)
# Measures announced against someone: the formulas of a warning ("sẽ có biện pháp", "nhờ đến pháp luật").
_MEASURES = re.compile(
    r"\bsẽ (?:có|áp dụng|dùng|sử dụng|tính đến) (?:nhiều |mọi |các |những )?biện pháp|"
    r"\b(?:liên hệ|làm việc) với luật sư|\bnhờ (?:đến )?(?:pháp luật|luật sư|cơ quan chức năng)|"
    r"\bkhông (?:để yên|bỏ qua|để chuyện này)|\bsẽ (?:xử lý|xử phạt) nghiêm|\bsẵn sàng (?:đáp trả|trả đũa)",
    re.IGNORECASE,
)
# A lawsuit announced or pursued ("sẽ theo đuổi vụ kiện ... đến cùng").
_SUING = re.compile(r"\b(?:quyết|theo đuổi)\s+(?:vụ\s+|đơn\s+)?(?:khởi\s+)?kiện\b|\bkiện\b.{0,30}\b(?:tới|đến) cùng\b")
# Declining to comment answers all the same ("không bình luận", "từ chối trả lời").
_NO_COMMENT = re.compile(
    r"(?:không|từ chối|chưa) (?:bình luận|có ý kiến|trả lời|phản hồi|lên tiếng)|"
    # not having received the suit or the letter yet: the first answer to one
    r"chưa nhận được (?:bất kỳ |một )?(?:đơn|văn bản|công văn|thông báo|quyết định|giấy)"
)
_ALLEGATION = re.compile(r"cáo buộc|lời tố|tố cáo|thông tin|tin đồn", re.IGNORECASE)
_ALLEGATION_END = re.compile(r"\s(?:cáo buộc|tố cáo)$", re.IGNORECASE)  # a verb group ending in the allegation
_NEGATION = re.compile(
    r"^(?:đây là |đó là |đó |việc này |tôi |chúng tôi |họ |chúng ta )?"
    r"(?:không có (?:chuyện|việc|cơ sở|căn cứ)|không phải|không đúng|sai sự thật|hoàn toàn không|"
    r"không hề|không bao giờ|chưa bao giờ)"
    # "Tôi không có ...": the speaker denies having done or had it; a bare "không có cầu thủ nào ..." only reports
    r"|^(?:tôi|chúng tôi|em|con tôi|họ) không có\b",
    re.IGNORECASE,
)
# Sources that only relay (news agencies) and are not labelled when another speaker is named.
_RELAY = re.compile(r"^[A-Z][A-Za-z]*$")
_MAX_SPEAKER_TOKENS = 24
# A group named by its count ("hơn 20 bang", "3 doanh nghiệp").
_QUANTIFIED = re.compile(r"^(?:hơn|gần|khoảng|trên|ít nhất)?\s*\d+\s+\w+", re.IGNORECASE)


@dataclass(frozen=True)
class Span:
    """A verbatim piece of an article: `text == article.text[start:end]`."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Statement:
    """One attribution: `speaker` does `act` (to `target`), claiming `content`.

    `speaker.start/end` point at the naming span, which lies in an earlier
    sentence when the sentence itself has only a pronoun
    (`speaker_in_sentence` is then False).
    """

    article_id: str
    paragraph: int  # 0 for the title
    sentence: Span
    speaker: Span
    act: str
    content: Span
    target: Span | None = None
    speaker_in_sentence: bool = True
    passive: bool = False
    nominal: bool = False  # the act is a noun with its author ("cáo buộc của Mỹ"), not a verb


@dataclass(frozen=True)
class _Tok:
    text: str
    low: str
    start: int
    end: int


def extract_statements(article: Article, *, act_head: bool = True) -> list[Statement]:
    """Every attribution statement of `article`, in text order.

    With `act_head`, the act head (index/act_head.py) reads the act where the rules' verb says little,
    when it is switched on there (act_head.ENABLED; bump EXTRACTOR_VERSION with it).
    """
    out: list[Statement] = []
    for paragraph, start, end in _units(article):
        previous: list[Statement] = []
        answering: Statement | None = None  # an interview answer ("+ ...") runs on until the next question
        for s_start, s_end in _turns(article.text, split_sentences(_paired_quotes(article.text[start:end]), start)):
            opening = article.text[s_start:s_end].lstrip()[:2]
            answers = _ANSWER_MARK.search(article.text[s_start:s_end].lstrip()) is not None
            if opening in {"- ", "– "} or answers:
                answering = None
            found = _sentence_statements(article, paragraph, s_start, s_end, out)
            if answering is not None and len(article.text[s_start:s_end].split()) >= MIN_ANSWER_WORDS:
                found = [_answer_goes_on(article, paragraph, s_start, s_end, answering)]
            elif not found and previous:
                found = _continued_quotation(article, paragraph, s_start, s_end, previous)
            if answers and found:
                answering = found[0]
            out.extend(found)
            previous = found
    return relabel_acts(out) if act_head else out


MIN_ANSWER_WORDS = 4  # shorter than this, a sentence after an answer is a byline ("Ph.Nhung - V.Duẩn"), not words


# A question of a printed interview after a sentence end: "... báo chí. - Phóng viên: ...".
_TURN = re.compile(rf"(?<=[.?!…]) (?=[-–] {CAPITAL})")


def _turns(text: str, sentences: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The sentences with each interview question ("- ...") starting a sentence of its own: the splitter
    joins it to the answer before, and retrieval keeps them joined, so a question alone is never quoted
    as an answer. An answer ("... không? + Họ gửi ...") stays with the question it answers: quoted, the
    reader sees what it answers."""
    out = []
    for start, end in sentences:
        for m in _TURN.finditer(text, start, end):
            out.append((start, m.start()))
            start = m.end()
        out.append((start, end))
    return out


def _answer_goes_on(article: Article, paragraph: int, start: int, end: int, answer: Statement) -> Statement:
    """A further sentence of an interview answer: the interviewee's words, whatever verbs it quotes."""
    stop = end
    while stop > start and article.text[stop - 1] in ".!?… ":
        stop -= 1
    content = Span(article.text[start:stop], start, stop)
    act = _refine("say", answer.speaker.text, content.text, "")
    sentence = Span(article.text[start:end], start, end)
    return replace(answer, paragraph=paragraph, sentence=sentence, act=act, content=content, target=None,
                   speaker_in_sentence=False)


def _paired_quotes(text: str) -> str:
    """`text` with a straight quote that closes a curly one (“...") written as ” (same length, same offsets).

    Reporters mix the two; read as they are, the quotation never closes and the
    sentence splitter joins every sentence up to the next quotation mark.
    """
    chars = list(text)
    inside = False
    for k, c in enumerate(chars):
        if c == "“":
            inside = True
        elif c == "”":
            inside = False
        elif c == '"' and inside:
            chars[k] = "”"
            inside = False
    return "".join(chars)


# Openings of a sentence that carries on what the previous one reports.
_GOES_ON = re.compile(
    r"^(?:cụ thể|vì thế|vì vậy|do đó|do vậy|thêm vào đó|đồng thời|nếu|"
    # the points of an enumeration ("Thứ nhất, ...")
    r"thứ nhất|thứ hai|thứ ba|trước hết)\b",
    re.IGNORECASE,
)


def _continued_quotation(
    article: Article, paragraph: int, start: int, end: int, previous: list[Statement]
) -> list[Statement]:
    """A sentence that is a quotation with no verb of its own goes on with the previous sentence's speaker.

    Reporters quote several sentences after one "ông X nói:"; the later ones
    ("“Họ đang cố giấu điều gì?”") are still X's.
    """
    text = article.text[start:end].strip()
    sentence = Span(article.text[start:end], start, end)
    quote = _quotation(article.text, sentence)
    if not text or text[0] not in _OPEN_QUOTES or quote is None or len(quote.text) < 0.6 * len(text):
        if not _GOES_ON.match(text):
            return []
        # "Cụ thể, ...", "Vì thế, ...": the reported speech goes on without a verb of its own.
        stop = end
        while stop > start and article.text[stop - 1] in ".!?…":
            stop -= 1
        quote = Span(article.text[start:stop], start, stop)
    last = next((s for s in reversed(previous) if not s.nominal and s.act != "other"), None)
    if last is None:
        return []
    act = _refine("say", last.speaker.text, quote.text, "")
    continued = replace(last, paragraph=paragraph, sentence=sentence, act=act, content=quote, target=None)
    return [replace(continued, speaker_in_sentence=False, passive=False)]


def _units(article: Article) -> list[tuple[int, int, int]]:
    """(paragraph number, start, end) of the title and every paragraph that is article prose."""
    units = []
    title_at = article.text.find(article.title) if article.title else -1
    if title_at >= 0 and (not article.paragraphs or title_at < article.paragraphs[0].start):
        units.append((0, title_at, title_at + len(article.title)))
    for p in article.paragraphs:
        if not (p.debris or p.byline):
            dateline = _DATELINE.match(article.text, p.start, p.end)
            units.append((p.number, dateline.end() if dateline else p.start, p.end))
    return units


# "Kinhtedothi - ", "HÀ NỘI – ": the place or outlet that opens a news paragraph, never a party.
_DATELINE = re.compile(r"[A-ZĐ][\w.]*(?: [A-ZĐ][\w.]*){0,2} [-–—] (?=[A-ZĐ])")


def _tokens(text: str, offset: int) -> list[_Tok]:
    return [_Tok(m.group(), m.group().lower(), offset + m.start(), offset + m.end()) for m in _TOKEN.finditer(text)]


def _quoted(toks: list[_Tok]) -> list[bool]:
    """For each token, whether it lies inside a quotation (the reporter's verbs are outside)."""
    inside = [False] * len(toks)
    depth = 0  # curly marks nest: a word quoted inside a quotation (“... “lờ” đi ...”) does not close it
    straight = sum(t.text in "\"'" for t in toks) % 2 == 0  # only paired straight quotes open a quotation
    for k, t in enumerate(toks):
        if t.text in "“‘" or (t.text in "\"'" and straight and not depth):
            depth += 1
        elif t.text in "”’" or (t.text in "\"'" and depth):
            depth = max(0, depth - 1)
        elif depth:
            inside[k] = True
    return inside


def _find_cues(toks: list[_Tok]) -> list[tuple[int, int, str]]:
    """(first token, end token, act) of every cue, longest match first, left to right."""
    cues = []
    quoted = _quoted(toks)
    i = 0
    while i < len(toks):
        if quoted[i] or (i and toks[i].text[:1].isupper()):
            i += 1  # inside a quotation, or part of a name ("báo Người Đưa Tin")
            continue
        for n in range(min(_MAX_CUE, len(toks) - i), 0, -1):
            phrase = " ".join(t.low for t in toks[i : i + n])
            act = _CUES.get(phrase)
            if act and _is_verb(toks, i, i + n, phrase):
                cues.append((i, i + n, act))
                i += n
                break
        else:
            i += 1
    return cues


# Words after which a cue is a noun ("những cáo buộc", "vụ kiện"), or a passive verb ("bị", "được").
# Second syllables that make a short verb part of another word ("tố chất", "quy định", "hủy diệt").
_WORD_ENDS = frozenset("chất định mô lý cả truyền ứng chế hoạch sĩ bỏ tụng tục bố diệt thác trương mạc triển".split())
_MEDIA = frozenset("mạng trang tài báo sóng truyền kênh twitter facebook blog".split())
_NOUN_BEFORE = frozenset("những các lời của với trong về mọi bản vụ đơn bị được phần phiên cuộc buổi sự".split())


# Verbs after which "được" means "manage to, obtain", not a passive.
_RESULTATIVE = frozenset("nhận có nắm biết nghe đọc thu tìm lấy".split())


def _is_verb(toks: list[_Tok], i: int, j: int, phrase: str) -> bool:
    """False where the cue word is a noun or part of another word here ("những cáo buộc", "tố chất")."""
    prev = toks[i - 1].low if i else ""
    nxt = toks[j].low if j < len(toks) else ""
    if nxt == "gì" or prev in {"hỏi", "đáng", "thắng", "thua", "xin", "lời"}:
        return False  # a question ("nói gì?"), "được hỏi", "đáng nói", "thắng kiện"
    if phrase == "gọi" and nxt in {"điện", "cho"}:
        return False
    if phrase == "kể" and prev == "chưa":
        return False  # "chưa kể": "not to mention"
    if phrase == "nói" and nxt in {"chung", "riêng", "chuyện", "dối", "xấu"}:
        return False  # "báo chí nói chung": "in general"; "nói chuyện" (talk), "nói dối" (lie): no statement
    if prev == "được" and i > 1 and toks[i - 2].low in _RESULTATIVE:
        return False  # "nhận được phản hồi", "nắm được thông tin": a noun after "được" that means "obtain"
    before = toks[i - 2].low if i > 1 else ""
    # A capitalised word after another ends a name ("Nhật Bản chỉ trích"): no determiner ("bản"). One after
    # a full stop may open a sentence the splitter missed ("19-6. Trong tuyên bố ...").
    in_name = i > 1 and toks[i - 1].text[:1].isupper() and toks[i - 2].text[:1].isupper()
    if (
        prev in _NOUN_BEFORE
        and not in_name
        and (prev, before) not in {("bản", "văn"), ("đơn", "bị"), ("đơn", "nguyên")}
    ):
        # Passives are verbs; nouns otherwise ("có văn bản khẳng định" is the verb, said in writing;
        # "phía bị đơn không chấp nhận": the defendant's verb).
        return prev in {"bị", "được"}
    after = toks[j + 1].low if j + 1 < len(toks) else ""
    if nxt == "trên" and (after in _MEDIA or (j + 1 < len(toks) and toks[j + 1].text[:1].isupper())):
        return True  # "viết trên Twitter", "chia sẻ trên trang cá nhân"
    if (
        nxt in {"của", "này", "đó", "trên"}
        and phrase not in {"cho biết", "cho hay", "nói"}
        and not phrase.endswith("rằng")
        and after not in {"là", "đều", "không", "chưa", "đã", "sẽ", "cần", "phải"}
    ):
        return False  # "cáo buộc của Mỹ", "tuyên bố này"; not "cho rằng đó là", "khẳng định đây là"
    if phrase in {"tố", "quy", "đáp", "kể", "xử", "tuyên", "gọi", "bác", "đòi", "hủy", "kiện", "khai"}:
        # Short verbs that also start common words ("tố chất", "quy định", "xử lý", "kể cả").
        if nxt in _WORD_ENDS:
            return False
        if prev in {"công", "yếu", "nhân", "tham", "quốc", "luật", "phiên"}:
            return False  # the end of a word: "công tố", "yếu tố", "quốc tế" ... not the verb
        if phrase == "kiện" and (prev in {"điều", "sự", "bưu", "linh", "biến", "văn"} or nxt in {"toàn", "hàng"}):
            return False  # "điều kiện", "sự kiện", "kiện toàn"
        if phrase == "gọi":
            return any(t.low == "là" for t in toks[j : j + 30])
        if phrase == "bác" and toks[j : j + 1] and toks[j].text[:1].isupper():
            return False
    if (before, prev) in {("vụ", "kiện"), ("vụ", "án"), ("tranh", "chấp"), ("vụ", "việc")}:
        return False  # "vụ kiện đòi bồi thường", "tranh chấp đòi nợ": what the case claims, not a party's act
    if phrase == "buộc" and (prev in {"bắt", "ràng", "trói", "cột"} or nxt in {"chặt", "dây"}):
        return False  # "bắt buộc", "ràng buộc": no ruling
    if phrase == "thông tin" and prev not in {"", ","}:
        return False
    # "ra quyết định", "đưa ra yêu cầu": a noun after "ra" ("ra tuyên bố" is the verb "declare").
    return not (prev == "ra" and phrase in {"quyết định", "cam kết", "phản ứng", "thông báo", "yêu cầu"})


def _sentence_statements(
    article: Article, paragraph: int, start: int, end: int, earlier: list[Statement]
) -> list[Statement]:
    text = article.text
    toks = _tokens(text[start:end], start)
    if not toks:
        return []
    sentence = Span(text[start:end], start, end)
    cues = _merge_generic(toks, _find_cues(toks))
    found: list[Statement] = []
    floor = 0
    for c, (i, j, act) in enumerate(cues):
        lo, floor = floor, j
        if act == "demand" and c and cues[c - 1][2] == "sue" and _claims_of_suit(toks, cues[c - 1][1], i):
            continue  # "kiện X đòi bồi thường": what the suit claims, not a demand of its own
        passive = i > 0 and toks[i - 1].low in {"bị", "được"}
        agent = _passive_agent(toks, i) if not passive else None
        if passive:
            speaker_toks = None
            target = _subject(toks, i - 1)
        elif agent is not None and act in _GENERIC and not _reports_on(toks, j):
            continue  # "những tin nhắn được báo chí công bố hôm nay": a noun's description, not a statement
        elif agent is not None:
            speaker_toks, bi = agent
            if not speaker_toks:
                continue  # "X bị đối tác kiện": who acts is named by no name; no party is guessed for it
            passive = True
            target = _subject(toks, bi)
        elif found and _joined(toks, i):
            speaker_toks, target = None, None  # "... và khẳng định": the subject of the verb before
        else:
            speaker_toks = _subject(toks, i, lo) or _purpose_subject(toks, i, lo)
            target = None
        resolved = True
        speaker: Span | None = None
        if speaker_toks and len(speaker_toks) > 2 and speaker_toks[0].low == "có" and speaker_toks[1].low in _GROUPS:
            # "X cho biết, có một số người phản ánh ...": those people complain; X only reports it.
            speaker_toks, outer = speaker_toks[1:], None
        else:
            outer = _embedding(toks, speaker_toks[0], found) if speaker_toks else None
        if outer is not None and _RELAY.fullmatch(outer.speaker.text) and outer.act in _GENERIC | {"accuse"}:
            # "Reuters cho biết hơn 20 bang đã từ chối ...": the agency relays; the states speak.
            found.remove(outer)
            outer = None
        if outer is not None:
            # An act inside what another speaker reports ("X cho biết, Trung Quốc phản đối ..."):
            # X's statement takes that stance; a plain report inside it adds nothing.
            inner = _span(text, speaker_toks).text
            named = _named(inner) or bool(_PRONOUNS.match(inner))  # "Bộ Tư pháp Mỹ cho biết, họ đã buộc tội"
            inner_act = _ruling(outer.speaker.text, act)
            if named and inner_act not in _GENERIC | {"other", None} and outer.act != inner_act:
                aimed = _object(toks, j)
                found.append(replace(outer, act=inner_act, target=_span(text, aimed) if aimed else None))
            continue
        if speaker_toks and _opens_with_act(speaker_toks):
            continue  # "về việc hủy bỏ Quyết định số 12 đã ban hành": an act's object, not who acts
        if speaker_toks:
            speaker = _span(text, speaker_toks)
            if _PRONOUNS.match(speaker.text):
                speaker, resolved = _antecedent(speaker.text, found, earlier, article, speaker.start), False
            elif not (_named(speaker.text) or _QUANTIFIED.match(speaker.text)):
                # Neither a name, a head noun ("đại diện"), nor a counted group ("hơn 20 bang"); but a long
                # apposition after a dash may have hidden the name ("NTK X – chủ nhân đêm diễn vì ... cho biết").
                named = _dash_apposition(toks, i, lo)
                speaker = _span(text, named) if named else None
        elif not passive and found and _coordinated(toks, i):
            # A verb without a subject of its own shares the sentence's last one ("..., đồng thời yêu cầu").
            speaker, resolved = found[-1].speaker, found[-1].speaker_in_sentence
        elif passive and act not in _GENERIC | {"other"}:
            # "Y bị cáo buộc": the accuser named before; "vụ việc được công bố" reports nobody's statement,
            # and "Quyết định này bị hủy" an event, not what anyone said.
            prior = _antecedent_acting(earlier, article.id, act)
            if prior is not None:
                speaker, resolved = prior, False
        if speaker is None:
            continue
        if " ".join(t.low for t in toks[i:j]) in {"buộc", "tuyên buộc"} and not _COURT.search(speaker.text):
            continue  # a court "buộc" (orders) a party; anything else that "forces" makes no statement
        until = _coordinator_at(toks, cues[c + 1][0]) if c + 1 < len(cues) else None
        content = _content(text, toks, i, j, sentence, until)
        final_act = _refine(act, speaker.text, content.text, text[toks[i].start : toks[j - 1].end])
        final_act = _ruling(speaker.text, final_act)
        if final_act is None:
            continue
        # "chỉ trích cáo buộc rằng X ...": the verb's object is the allegation, and X whom it is about, not
        # whom the act is aimed at; criticising an accusation rejects it.
        answers_allegation = act != "accuse" and _ALLEGATION_END.search(text[toks[i].start : toks[j - 1].end])
        if answers_allegation:
            final_act = "reject" if final_act == "criticize" else final_act
        elif target is None and final_act != "say":
            # Whom the act is aimed at: the verb's object, or the subject of the reported accusation.
            target = _object(toks, j)
        target_span = _span(text, target) if target else None
        if final_act == "criticize" and target_span is not None and _ALLEGATION.search(target_span.text):
            final_act = "reject"  # criticising an accusation rejects it
        if final_act == "say" and (_answers_frame(toks, i, sentence) or _was_targeted(speaker.text, earlier)):
            final_act = "respond"  # "Trả lời phóng viên, X cho biết ..." answers; so does the party accused
        # One act per statement: the stance the content shows wins over the plain "say" of its verb.
        found.append(
            Statement(
                article_id=article.id,
                paragraph=paragraph,
                sentence=sentence,
                speaker=speaker,
                act=final_act,
                content=content,
                target=target_span,
                speaker_in_sentence=resolved,
                passive=passive,
            )
        )
    answer = _interview_answer(article, paragraph, sentence)
    if answer:
        return answer  # the reporter's question and what the answer quotes are no statements of their own
    found += _nominal_statements(article, paragraph, toks, sentence)
    found += _signed_documents(article, paragraph, toks, sentence, found)
    found += _source_statement(article, paragraph, toks, sentence, found)
    if not found:
        found = _introduced_quotation(article, paragraph, toks, sentence) or _closing_source(
            article, paragraph, toks, sentence
        )
    return _dedupe(found)


# An interview printed as questions and answers: "- <question>? + Ông X: <answer>" names who answers;
# a later "+ <answer>" is the same person answering the next question.
_ANSWER_MARK = re.compile(r"(?:^|(?<=[?.!…”\"]) )\+ ")
_ANSWERER = re.compile(r"([^:?.!+\n]{2,60}?):\s")
_LABELLED_ANSWER = re.compile(r"(?:^|[?.!…”\"\n] )\+ ([^:?.!+\n]{2,60}?):\s")


def _interview_answer(article: Article, paragraph: int, sentence: Span) -> list[Statement]:
    """The answer in an interview's "+ ..." turn, said by the person its label (or an earlier one) names."""
    mark = _ANSWER_MARK.search(sentence.text)
    if mark is None or (mark.start() and sentence.text[: mark.start()].rstrip()[-1:] != "?"):
        return []  # "+ " answers a question: the sentence opens with it or it follows one
    start = sentence.start + mark.end()
    label = _ANSWERER.match(article.text, start, sentence.end)
    if label is not None and _named(label[1]) and len(label[1].split()) <= 8:
        speaker, resolved, start = Span(label[1], label.start(1), label.end(1)), True, label.end()
    else:
        named = [m for m in _LABELLED_ANSWER.finditer(article.text, 0, sentence.start) if _named(m[1])]
        if not named:
            return []
        speaker, resolved = Span(named[-1][1], named[-1].start(1), named[-1].end(1)), False
    stop = sentence.end
    while stop > start and article.text[stop - 1] in ".!?… ":
        stop -= 1
    if stop <= start:
        return []
    content = Span(article.text[start:stop], start, stop)
    act = _refine("say", speaker.text, content.text, "")
    return [Statement(article.id, paragraph, sentence, speaker, act, content, speaker_in_sentence=resolved)]


def _closing_source(article: Article, paragraph: int, toks: list[_Tok], sentence: Span) -> list[Statement]:
    """ "..., theo thống kê của X." or "“...”, báo Y dẫn lời ông X." closing a sentence: X said what comes before."""
    for k in range(len(toks) - 1, 1, -1):
        quoting = toks[k].low == "lời" and toks[k - 1].low == "dẫn"
        if toks[k].low != "theo" and not quoting:
            continue
        tail = toks[k + 1 :]
        while tail and tail[-1].low in {".", "!", "…", ")"}:
            tail = tail[:-1]
        text = " ".join(t.text for t in tail) + " "
        source = _SOURCE_NOUNS.match(text)
        # Without a source noun, only a person ("theo ông X", "dẫn lời Bộ trưởng Y"): "theo Nghị định 100" is no one.
        person = bool(_HONORIFIC.match(text) or _PERSON_TITLE.match(text)) or quoting
        if not (source or person) or any(t.low in _BOUNDARY_PUNCT for t in tail):
            return []
        seg = _trim_right(tail[len(text[: source.end()].split()) :] if source else tail)
        name = " ".join(t.text for t in seg)
        if not seg or len(seg) > 8 or not _named(name) or _PRONOUNS.match(name):
            return []
        if quoting:  # the outlet that quotes ("báo Y dẫn lời") is no part of what was said
            k = _clause_start(toks, k - 1)
            if k < 2:
                return []
        stop = toks[k - 1].end if toks[k - 1].low != "," else toks[k - 2].end
        content = Span(article.text[toks[0].start : stop], toks[0].start, stop)
        quote = _quotation(article.text, sentence)
        if quote is not None and quote.end <= stop:
            content = quote
        speaker = _span(article.text, seg)
        act = _refine("say", name, content.text, "theo")
        return [Statement(article.id, paragraph, sentence, speaker, act, content)]
    return []


# Words that end the name a quotation is introduced by ("HLV X rất ấn tượng với ...: “...”").
_AFTER_NAME = frozenset(
    "đã sẽ đang vừa chỉ không chưa phải cần mới vẫn cũng còn luôn lại rất có thì là với về trong khi đều".split()
)


def _introduced_quotation(article: Article, paragraph: int, toks: list[_Tok], sentence: Span) -> list[Statement]:
    """A clause naming a party, then a colon and a quotation, with no reporting verb: the party says the quotation.

    "HLV X rất ấn tượng với lối chơi của đối thủ: “...”", "Thông báo của Văn phòng công tố còn có đoạn: “...”".
    """
    colon = next((k for k, t in enumerate(toks) if t.low == ":"), None)
    if colon is None or colon + 1 >= len(toks) or toks[colon + 1].low not in _OPEN_QUOTES:
        return []
    quote = _quotation(article.text, sentence)
    if quote is None or quote.start < toks[colon].end or len(quote.text) < 0.5 * (sentence.end - toks[colon].end):
        return []
    start = colon
    while start > 0 and toks[start - 1].low not in _BOUNDARY_PUNCT:
        start -= 1
    seg = _trim_left(toks[start:colon])
    text = " ".join(t.text for t in seg) + " "
    source = _SOURCE_NOUNS.match(text)
    if source:  # "Thông báo của X ...": X
        seg = seg[len(text[: source.end()].split()) :]
    stop = next((k for k, t in enumerate(seg) if k and t.low in _AFTER_NAME), len(seg))
    seg = _trim_right(seg[:stop])
    if not seg or len(seg) > 8:
        return []
    name = " ".join(t.text for t in seg)
    if _PRONOUNS.match(name) or not (seg[0].text[:1].isupper() or _HEADS.match(name)) or not _named(name):
        return []
    speaker = _span(article.text, seg)
    act = _refine("say", speaker.text, quote.text, "")
    return [Statement(article.id, paragraph, sentence, speaker, act, quote)]


# Words that start a clause of its own after a reported one ("X nói ..., trong khi Y bác bỏ").
_CONTRAST = frozenset({"nhưng", "song", "còn", ";", "trong", "tuy", "ngược", "đồng"})
# Words that open a sentence with an adverbial phrase ("Trước thông tin X tuyên bố ..., Y lên tiếng").
_FRAME_OPENERS = frozenset({"trước", "sau", "về", "với", "trả", "phản", "nói", "khi", "theo", "tại", "trong", "đáp"})


def _embedding(toks: list[_Tok], first: _Tok, found: list[Statement]) -> Statement | None:
    """The earlier statement of the sentence whose reported clause holds a subject starting at `first`.

    "X cho biết, Y phản đối Z": Y's act is part of what X says. Not so after a
    contrast ("..., trong khi Y bác bỏ"), a full stop the sentence splitter
    left in, or for an act inside the sentence's opening adverbial phrase
    ("Trước thông tin X tuyên bố ..., Y lên tiếng").
    """
    at = toks.index(first)
    if at and toks[at - 1].low == "việc":
        return None  # "không có ý kiến về việc các đại lý tuyên bố kiện": the dealers' act, the topic of the answer
    opener = toks[0].low in _FRAME_OPENERS
    first_comma = next((t.start for t in toks if t.low == ","), None)
    for s in reversed(found):
        if s.nominal or not (s.content.start <= first.start < s.content.end):
            continue
        if opener and first_comma is not None and s.content.start < first_comma < first.start:
            continue
        between = [k for k, t in enumerate(toks) if s.content.start <= t.start < first.start]
        if any(toks[k].low in _CONTRAST or (toks[k].low == "." and toks[k - 1].text.islower()) for k in between):
            continue
        return s
    return None


# A sentence opening that makes what follows an answer: "Trả lời phóng viên, ...", "Về cáo buộc này, ...".
_RESPONSE_FRAME = re.compile(
    r"^\W*(?:trả lời|phản hồi|đáp lại|trao đổi với|khi được hỏi|được hỏi|nói về|lý giải|giải thích|"
    r"(?:về|trước|đối với|liên quan đến) (?:những |các |)(?:thông tin|cáo buộc|lời|nhận định|ý kiến|phản ánh|"
    r"chỉ trích|tố cáo|đơn kiện|vụ kiện|tuyên bố|động thái|phát biểu|việc|sự việc|vụ việc|nghi vấn|tin đồn))\b",
    re.IGNORECASE,
)


def _ruling(speaker: str, act: str) -> str | None:
    """The act of a court (`_BENCH`) as a court does it: it hears suits and charges and brings none
    ("Tòa chấp nhận yêu cầu khởi kiện": None, no statement), and its refusals are rulings ("Tòa không
    chấp nhận khoản bồi thường": other). Any other speaker's act as it is."""
    if not _BENCH.match(speaker):
        return act
    if act in {"sue", "accuse", "charge"}:
        return None
    return "other" if act in {"reject", "deny"} else act


def _was_targeted(speaker: str, earlier: list[Statement]) -> bool:
    """True when an earlier statement accused, sued, charged or criticised this speaker's party by name.

    The names are the speaker's capitalised words beyond its title ("đại diện Grab": Grab); all of
    them must name the earlier target ("Grab, Uber"), so a minister of "Mỹ" is not "Mỹ" itself.
    """
    names = {w.strip(",.()").lower() for w in speaker.split()[1:] if w[:1].isupper()}
    if not names:
        return False
    for s in earlier:
        if s.act in {"accuse", "charge", "sue", "criticize"} and s.target is not None:
            aimed = {w.strip(",.()").lower() for w in s.target.text.split()}
            if names <= aimed and not names & {w.strip(",.()").lower() for w in s.speaker.text.split()}:
                return True
    return False


def _answers_frame(toks: list[_Tok], i: int, sentence: Span) -> bool:
    """True when the verb at `i` follows an opening that makes it an answer ("Trả lời phóng viên, X nói")."""
    comma = next((k for k, t in enumerate(toks) if t.low == ","), None)
    return comma is not None and comma < i and bool(_RESPONSE_FRAME.match(sentence.text))


def _merge_generic(toks: list[_Tok], cues: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Join cues in one verb group ("lên tiếng chỉ trích", "ra tuyên bố bày tỏ"): the specific act wins."""
    out: list[tuple[int, int, str]] = []
    for cue in cues:
        if out:
            last = out[-1]
            gap = toks[last[1] : cue[0]]
            if len(gap) <= 2 and all(t.low in _ADVERBS for t in gap):
                acts = (last[2], cue[2])
                # The first specific verb governs ("chỉ trích cáo buộc": criticise the accusation).
                act = next((a for a in acts if a not in _GENERIC), acts[-1])
                asserts = " ".join(t.low for t in toks[last[0] : last[1]]) in {"khẳng định", "nhấn mạnh"}
                if asserts and any(t.low in {"không", "chưa"} for t in gap) and cue[2] in _STANCES | _GENERIC:
                    act = "deny"  # "khẳng định không trả lời phóng viên": asserting it never happened denies it
                out[-1] = (last[0], cue[1], act)
                continue
        out.append(cue)
    return out


def _reports_on(toks: list[_Tok], j: int) -> bool:
    """True when what follows the verb ending at `j` is what is reported ("lý giải rằng", ":", a quotation)."""
    return j >= len(toks) or toks[j].low in {"rằng", "là", ":", ",", "."} or toks[j].low in _OPEN_QUOTES


# Syllables before "bị"/"được" that make one word or verb with it ("chuẩn bị", "nhận được").
_NOT_PASSIVE = _RESULTATIVE | {
    "chuẩn", "thiết", "trang", "dự", "phòng", "sơ", "đạt", "giành", "làm", "mua", "bán", "trả", "kiếm"
}


def _passive_agent(toks: list[_Tok], i: int) -> tuple[list[_Tok], int] | None:
    """For "Y bị X cáo buộc": the agent X and the index of "bị", when the cue at `i` has one (no tokens
    for an agent that names no one: "Y bị đối tác kiện")."""
    for k in range(i - 1, max(-1, i - 10), -1):
        low = toks[k].low
        if low in _BOUNDARY_PUNCT:
            return None
        if low == "bị" and k + 2 < len(toks) and toks[k + 1].low in {"cáo", "đơn", "hại"} and toks[k + 2].low != "buộc":
            return None  # "bị cáo Dung khai", "phía bị đơn": the defendant, not a passive
        if low in {"bị", "được"} and k and toks[k - 1].low in _NOT_PASSIVE:
            return None  # "nhận được tin nhắn", "chuẩn bị hồ sơ": a verb's part, no passive
        if low in {"bị", "được"}:
            agent = toks[k + 1 : i]
            agent = _trim_right(agent)
            named = " ".join(t.text for t in agent)
            if agent and agent[-1].low not in {"và", "rồi", "mà"} and (_named(named) or _QUANTIFIED.match(named)):
                return agent, k  # "bị Mỹ cáo buộc", "bị 61 nghị sĩ đối lập đề nghị"
            # "X bị đối tác kiện": a passive whose agent names no one; X is who it is aimed at, not who acts
            unnamed = agent and len(agent) <= 3 and all(t.text[:1].islower() for t in agent)
            return ([], k) if unnamed and agent[0].low not in {"phép", "quyền"} else None  # not "được phép nói"
    return None


def _subject(toks: list[_Tok], i: int, lo: int = 0) -> list[_Tok] | None:
    """The subject noun phrase ending before token `i`, not reaching left of `lo` (None when there is none)."""
    k = i
    while k > lo and _is_adverb(toks, k - 1):
        k -= 1
    end = k
    if end > lo and toks[end - 1].low == ",":
        end -= 1  # "Ông X, Phó giám đốc Y, cho biết": the subject ends before the comma
    start = max(lo, _clause_start(toks, end))
    seg = toks[start:end]
    # Extend across commas over an apposition ("Ông X, Phó giám đốc Y, cho biết") or a
    # list ("Mỹ cùng các đồng minh gồm NATO, EU, Anh ... và Canada").
    if seg and start > lo and toks[start - 1].low == ",":
        items = [seg]
        at = start
        while at > lo and toks[at - 1].low == ",":
            prev_start = max(lo, _clause_start(toks, at - 1))
            prev = toks[prev_start : at - 1]
            framed = prev_start and toks[prev_start - 1].low in _SETTINGS
            if not prev or prev[0].low in _SETTINGS or framed:
                break  # "Tại cơ quan điều tra, X khai", "Theo ông X, Y cam kết": a setting or a source, no list
            items.insert(0, prev)
            at = prev_start
            if not _list_item(prev):
                break
        listed = [it for it in items if _list_item(it)]
        # "Sở Văn hóa, Thể thao và Du lịch X": one body whose name has a comma (its first part is short)
        body = len(items) == 2 and items[0][0].text in {"Bộ", "Sở"} and len(items[0]) <= 4
        # the "và" of a list joins names, before any predicate ("X, Y đã trả nợ và cam kết": two verbs)
        predicate = next((k for k in range(1, len(seg)) if _starts_predicate(seg, k)), len(seg))
        if (
            len(items) > 1
            and any(t.low == "và" for t in seg[:predicate])
            and (len(listed) == len(items) or _opens_list(items[0]) or body)
        ):
            start = at
        elif (
            len(items) > 1
            and _names_person(items[-2])
            and (_describes(" ".join(t.low for t in seg)) or (_lower_description(seg) and _has_name(items[-2])))
            and len(items[-2]) <= 10
            # the name opens its clause: "Trả lời phóng viên, ông X nói" has the reporter as an object
            and (toks.index(items[-2][0]) == 0 or toks[toks.index(items[-2][0]) - 1].low in _BOUNDARY_PUNCT | {"."})
        ):
            # "Ông X, Phó giám đốc Y, cho biết", "Nghị sĩ X, ứng viên tổng thống ... cũng chỉ trích": the
            # person named before the comma speaks; what follows it only describes them.
            start = toks.index(items[-2][0])
        seg = toks[start:end]
    seg = _trim_left(seg)
    # An auxiliary inside the span starts a predicate ("bà X đã chính thức thông tin"): the subject ends before it.
    aux = next((k for k, t in enumerate(seg) if k and _starts_predicate(seg, k)), None)
    if aux is not None:
        seg = _trim_right(seg[:aux])
    if seg and seg[0].low in {"trong", "gồm", "bao"}:
        lead = next((k for k, t in enumerate(seg[:4]) if t.low in {"có", "gồm"}), None)
        seg = seg[lead + 1 :] if lead is not None else seg  # "trong đó có Cloud Peak Energy"
    if not seg or sum(t.text[:1].isalnum() for t in seg) > _MAX_SPEAKER_TOKENS:
        return None
    speech = _SPEECH_NOUN.match(" ".join(t.low for t in seg))
    if speech:
        # "thông tin ca sĩ X tuyên bố": X speaks; "những lời tố cáo và ...": nobody named
        seg = seg[len(speech.group().split()) :]
        return seg if seg and _named(" ".join(t.text for t in seg)) and seg[0].text[:1].isalpha() else None
    if len(seg) > 1 and seg[-1].low == "ký" and start and toks[start - 1].low == "do":
        seg = seg[:-1]  # "Công văn do Sở Y tế ký nêu rõ": the signer speaks through the document
    if seg[-1].low in {"đến", "tới", "từ", "cho", "với"}:
        return None  # "từ chỉ trích các bang, báo đài đến giễu cợt ...": a list of acts, not a subject
    return seg


# Roles that open a description of a person named just before ("..., ứng viên tổng thống ...").
_DESCRIPTION = re.compile(
    r"^(?:cựu |nguyên |tân |đương kim )?(?:ứng viên|ứng cử viên|thành viên|người sáng lập|nhà sáng lập|chủ nhân|"
    r"chủ sở hữu|cố vấn|trợ lý|người đứng đầu|phó|trưởng|quản lý|người quản lý|thư ký|phụ trách|"
    # a chief of something: "Chi cục trưởng", "Đội trưởng Đội ...", "Vụ trưởng Vụ ..."
    r"(?:\w+ ){1,2}trưởng|"
    # kin: "bà X, mẹ của nạn nhân, cho biết"
    r"mẹ|bố|cha|vợ|chồng|con gái|con trai|em gái|em trai|anh trai|chị gái)\b"
)


def _names_person(seg: list[_Tok]) -> bool:
    """True when a part before a comma names a person: a title or honorific first, or a full name (two
    capitalised syllables in a row) in a part that does not open with a preposition or a time."""
    low = " ".join(t.low for t in seg)
    if _HONORIFIC.match(low) or _PERSON_TITLE.match(low):
        return True
    if seg[0].low in _NOT_A_NAME_START or not (seg[0].text[:1].isupper() or _HEADS.match(low)):
        return False  # "trao đổi với báo Pháp Luật, ...": a frame, not a name
    return any(a.text[:1].isupper() and b.text[:1].isupper() for a, b in pairwise(seg[1:]))


# Prepositions that open a setting or a source before a comma ("Tại cơ quan điều tra, ...", "Theo ông X, ...").
_SETTINGS = frozenset("tại theo ở trong với về".split())
# Words that open an adverbial, not a person's name ("Tại Hà Nội, ...", "Sáng 3/4, ...").
_NOT_A_NAME_START = frozenset(
    "tại theo trong ở từ với về sau trước khi ngày hôm sáng chiều tối trưa đêm tháng năm đến tới cùng "
    "nhưng tuy còn riêng đối trả phát".split()
)


def _has_name(seg: list[_Tok]) -> bool:
    """True when a part holds a proper name after its first word ("Luật sư Lê Thị Hà"; not "Phó giám đốc công ty")."""
    return any(t.text[:1].isupper() for t in seg[1:])


def _lower_description(seg: list[_Tok]) -> bool:
    """A part after a name's comma that starts in lower case and is no second person ("chủ một chiếc xe ...")."""
    return seg[0].text[:1].islower() and not _HONORIFIC.match(seg[0].low) and seg[0].low not in _NOT_A_NAME_START


def _describes(text: str) -> bool:
    """True when a comma-separated part reads as a description of a person: a role, title or head noun."""
    return bool(_HEADS.match(text) or _PERSON_TITLE.match(text) or _DESCRIPTION.match(text))


# Words that open an unnamed group of people ("một số người", "nhiều khách hàng").
_GROUPS = frozenset("một nhiều không vài những các hàng".split())
# Auxiliaries and modal words that start a predicate inside what looked like a subject.
_PREDICATE_START = frozenset({"đã", "sẽ", "đang", "vừa", "chỉ", "không", "chưa", "phải", "cần", "mới", "vẫn"})
_SPEECH_NOUN = re.compile(r"^(?:những |các |mọi )?(?:lời|thông tin|tin|tin đồn|nội dung|dư luận|cáo buộc)\b")


# Verbs that, right after a name, start the first of two verbs in a row ("X gửi đơn tới Y, yêu cầu ...",
# "X phát thông cáo bác bỏ ...", "X công bố ...", "X triệu tập đại sứ ..."): X is the subject of both.
_SERIAL_VERBS = frozenset(
    {("gửi",), ("nộp",), ("đệ",), ("đăng",), ("triệu", "tập"), ("rời",), ("trình", "chiếu"), ("công", "bố"),
     ("phát", "thông"), ("phát", "đi"), ("ra", "thông"), ("ra", "văn"), ("đưa", "ra"), ("tạm", "dừng"),
     ("cũng",), ("liền",), ("lập", "tức"), ("hôm", "qua"), ("hôm", "nay"), ("sáng", "nay"), ("chiều", "nay"),
     ("tối", "nay"), ("hôm",), ("tuần", "trước"), ("tuần", "qua"), ("thông", "qua"), ("ban", "hành"),
     ("ra", "nghị"), ("ra", "quyết")}
)


def _starts_predicate(seg: list[_Tok], k: int) -> bool:
    """True when the word at `k` starts a predicate ("bà X đã ...", "... có thể kiện"); not "Cục Hàng không"."""
    low = seg[k].low
    if seg[k].text[:1].isupper():
        return False  # inside a name: "TP Cần Thơ", "Bộ Ngoại giao Chỉ"
    if low == "có" and k + 1 < len(seg) and seg[k + 1].low == "thể":
        return True
    after_name = any(t.text[:1].isupper() for t in seg[:k]) or seg[k - 1].low == ")"
    if after_name and (
        (low,) in _SERIAL_VERBS
        or (k + 1 < len(seg) and (low, seg[k + 1].low) in _SERIAL_VERBS)
        # a date after the name: "Bộ Ngoại giao X ngày 22/3 triệu tập ...", "TAND Y sáng 4/7"
        or (low in _TIME_WORDS and k + 1 < len(seg) and bool(_DATE.match(seg[k + 1].low)))
    ):
        return True
    if low not in _PREDICATE_START:
        return False
    return not (low == "không" and seg[k - 1].low == "hàng")


def _before_verb(toks: list[_Tok], i: int) -> int:
    """Index of the word before the verb at `i` and its adverbs ("đồng thời" counts as a word), -1 at the start."""
    k = i
    while k > 0 and _is_adverb(toks, k - 1) and toks[k - 1].low not in {"đồng", "thời"}:
        k -= 1
    return k - 1


def _coordinated(toks: list[_Tok], i: int) -> bool:
    """True when the verb at `i` is coordinated with an earlier one ("..., đồng thời yêu cầu", "và khẳng định").

    Not so for a verb that a noun or preposition governs ("chỉ trích Mỹ vì quyết định ...").
    """
    k = _before_verb(toks, i)
    return k >= 0 and toks[k].low in {",", "và", "thời", "rồi", "lại", ";", "mà", "nhưng", "như"}


def _purpose_subject(toks: list[_Tok], i: int, lo: int) -> list[_Tok] | None:
    """For "X đã lên Twitter để chỉ trích Y": the subject of the clause the purpose verb at `i` depends on."""
    k = i
    while k > lo and _is_adverb(toks, k - 1):
        k -= 1
    if k - 1 <= lo or toks[k - 1].low != "để":
        return None
    return _subject(toks, k - 1, lo)


def _is_adverb(toks: list[_Tok], k: int) -> bool:
    low = toks[k].low
    if low == "không" and k and toks[k - 1].low == "hàng":
        return False  # "Cục Hàng không"
    if k and toks[k].text[:1].isupper():
        return False  # a syllable of a name ("huyện Cẩm Xuyên"), not the adverb it spells ("thường xuyên")
    if k and (toks[k - 1].low, low) in _TWO_SYLLABLES:
        return False  # "Bộ Tài chính cho biết": the end of a word, not "chính" of "chính thức"
    return low in _ADVERBS or bool(_DATE.match(low))


def _clause_start(toks: list[_Tok], end: int) -> int:
    """Index of the first token of the clause that ends at `end`."""
    k = end - 1
    while k >= 0:
        low = toks[k].low
        if low == ")":
            # A bracket describes the name before it, commas and all: "Anh X (35 tuổi, ngụ quận Y, Hà Nội) kể".
            depth, m = 0, k
            while m >= 0:
                depth += (toks[m].low == ")") - (toks[m].low == "(")
                if depth == 0:
                    break
                m -= 1
            if m > 0:
                k = m - 1
                continue
        if low in _BOUNDARY_PUNCT and low not in "()":
            return k + 1
        if low == "." and k and toks[k - 1].text.islower():
            return k + 1  # a sentence the splitter left joined ("... sai sự thật. Cục Hàng không khẳng định")
        if k and (toks[k].text, toks[k - 1].low) in {("vụ", "thẩm"), ("vụ", "xử"), ("xử", "phiên")}:
            return k + 1  # "xử vụ X kiện Y", "phiên xử X kiện Y": the case's parties, not who tries it
        for n in range(_MAX_SUB, 0, -1):
            if k - n + 1 >= 0 and tuple(t.low for t in toks[k - n + 1 : k + 1]) in _SUBORDINATORS:
                return k + 1
        k -= 1
    return 0


def _list_item(seg: list[_Tok]) -> bool:
    return 0 < len(seg) <= 5 and seg[0].text[:1].isupper() and seg[0].low not in _TIME_WORDS


_TIME_WORDS = {"ngày", "hôm", "sáng", "chiều", "tối", "trưa", "đêm", "tháng", "năm", "thứ", "trước", "sau", "cùng"}


def _opens_list(seg: list[_Tok]) -> bool:
    """The first item of a list of names ends in a name ("... tại Liên minh châu Âu (EU)", "... gồm NATO")."""
    last = seg[-1].text
    return last[:1].isupper() or (last == ")" and len(seg) > 1 and seg[-2].text[:1].isupper())


def _trim_left(seg: list[_Tok]) -> list[_Tok]:
    """Drop leading words that cannot start a subject ("Theo đó", "Ngoài ra", dates)."""
    k = 0
    while k < len(seg) and (
        seg[k].low
        in {
            "theo",
            "đó",
            "ngoài",
            "ra",
            "thì",
            "cũng",
            "đến",
            "lượt",
            "mình",
            "cả",
            "vậy",
            "tuy",
            "nhiên",
            "ngay",
            "sau",
            "trước",
            "-",
            "–",
            "—",
        }
        or _DATE.match(seg[k].low)
    ):
        k += 1
    seg = seg[k:]
    if len(seg) > 1 and seg[0].low in {"trong", "tại"} and seg[1].low not in {"đó", "khi", "số"}:
        seg = seg[1:]  # "Trong văn bản trả lời ...", "Tại tòa": a setting, not the subject's first word
    if seg and seg[0].low in {
        "mới",
        "chỉ",
        "đã",
        "đang",
        "sẽ",
        "vừa",
        "không",
        "chưa",
        "được",
        "bị",
        "việc",
        "vụ",
        "điều",
        "sự",
    } and not (seg[0].low == "bị" and len(seg) > 1 and seg[1].low in {"cáo", "đơn", "hại"}):
        return []  # a predicate, not a subject ("cho biết mới chỉ đọc ...")
    if seg:
        text = " ".join(t.text for t in seg) + " "
        m = _SOURCE_NOUNS.match(text)
        if m:  # "Thông báo của Văn phòng công tố nêu rõ": the office speaks
            skip = len(text[: m.end()].split())
            seg = seg[skip:]
    return _trim_right(seg)


def _trim_right(seg: list[_Tok]) -> list[_Tok]:
    while seg and (
        (_is_adverb(seg, len(seg) - 1) and seg[-1].low != "ra" and not _ends_word(seg))
        or seg[-1].low in {"(", "-", "–", ","}
    ):
        seg = seg[:-1]
    # A photo position after a name ("Ông X (trái)") is no part of it.
    if len(seg) > 3 and seg[-1].low == ")" and seg[-2].low in {"trái", "phải", "giữa"} and seg[-3].low == "(":
        seg = seg[:-3]
    return seg


# Words whose second syllable is also an adverb ("chính thức"): "Bộ Tài chính" keeps its "chính".
_TWO_SYLLABLES = frozenset(
    {("tài", "chính"), ("hành", "chính"), ("bưu", "chính"), ("nội", "chính"), ("đối", "lập"), ("độc", "lập")}
)


def _ends_word(seg: list[_Tok]) -> bool:
    return len(seg) > 1 and (seg[-2].low, seg[-1].low) in _TWO_SYLLABLES


def _named(text: str) -> bool:
    """True when `text` can name a party: a capitalised name or a head noun like "đại diện"."""
    words = text.split()
    if not words:
        return False
    if any(w[:1].isupper() for w in words[1:]) or (words[0][:1].isupper() and len(words) <= 8):
        return True
    return bool(_HEADS.match(text)) and len(words) >= 1


def _dash_apposition(toks: list[_Tok], i: int, lo: int) -> list[_Tok] | None:
    """For "X – <description> cho biết": the name X before the dash, when the clause of the verb at `i` has one."""
    for k in range(i - 1, lo - 1, -1):
        low = toks[k].low
        if low in {"–", "—", "-"}:
            start = k
            while start > lo and toks[start - 1].low not in _BOUNDARY_PUNCT:
                start -= 1
            seg = _trim_left(toks[start:k])
            return seg if 0 < len(seg) <= 8 and _named(" ".join(t.text for t in seg)) else None
        if low in _BOUNDARY_PUNCT:
            return None
    return None


def _antecedent(
    pronoun: str, found: list[Statement], earlier: list[Statement], article: Article, before: int
) -> Span | None:
    """What a pronoun or anaphoric subject refers to: the nearest earlier party it fits.

    "ông"/"bà" (or "ông này") fit a speaker or a name introduced with the same
    honorific; "nữ ca sĩ", "cơ quan này" fit a speaker or a mention with the same
    head noun ("ca sĩ Hồ Quỳnh Hương"); "họ" and the rest fit the last speaker.
    """
    words = [w for w in pronoun.lower().split() if w not in {"này", "đó", "ấy", "ta", "trên", "nói", "nữ", "nam"}]
    head = " ".join(words)
    pool = [s for s in reversed(found)] + [s for s in reversed(earlier) if s.article_id == article.id]
    pool = [s for s in pool[:12] if not _PRONOUNS.match(s.speaker.text)]
    if head and head not in {"họ", "tôi", "chúng tôi"}:
        person = head in {"ông", "bà", "anh", "chị", "cô"}
        same = [
            s
            for s in pool
            if re.search(rf"(?:^|\s){re.escape(head)}\s", s.speaker.text + " ", re.IGNORECASE)
            or (person and _PERSON_TITLE.match(s.speaker.text) and not _HONORIFIC.match(s.speaker.text))
        ]
        mention = _nearest_mention(article.text, head, before)
        if same and (mention is None or same[0].speaker.start >= mention.start):
            return same[0].speaker  # the nearest person: a speaker with the honorific or a title ("HLV X")
        if mention is not None:
            return mention
        if person and pool and _other_gender(head, pool[0].speaker.text):
            return None  # "cô" after "Ông X" spoke last: a woman only mentioned since, not him
    if head == "họ":
        # "Họ" (they) is a group: a body or several people, never one person named by a title
        # ("Họ đã giễu cợt tổng thống" after "Tổng thống X viết ..." is not the president). When the last
        # speaker is one person, they are people only mentioned since: left out, not guessed.
        pool = pool[:1] if pool and not _one_person(pool[0].speaker.text) else []
    return pool[0].speaker if pool else None


def _one_person(speaker: str) -> bool:
    """True when a speaker span names a single person: an honorific or person title, no list of names."""
    low = speaker.lower()
    if re.search(r"\bvà\b|,|\bcùng\b|^(?:các|những|nhiều|hai|ba)\b", low):
        return False
    return bool(_HONORIFIC.match(low) or (_PERSON_TITLE.match(low) and not _HEADS_OF_BODIES.match(low)))


# Titles that also head a body or a group's representative ("đại diện", "người phát ngôn" speak for one).
_HEADS_OF_BODIES = re.compile(r"^(?:đại diện|người phát ngôn|phát ngôn viên)\b")


_GENDER = {"ông": "m", "anh": "m", "bà": "f", "cô": "f", "chị": "f"}


def _other_gender(pronoun: str, speaker: str) -> bool:
    """True when a person pronoun ("cô") and a speaker's honorific ("Ông X") are of different genders."""
    honorific = _HONORIFIC.match(speaker)
    return bool(honorific) and _GENDER.get(pronoun) != _GENDER.get(honorific.group(1).lower())


def _nearest_mention(text: str, head: str, before: int) -> Span | None:
    """The last "<head> <Capitalised Name>" before offset `before` ("bà Lê Thu Hà").

    A body's name may hold a lowercase syllable between capitalised ones ("công ty" -> "Công ty CP Cà
    phê Ea Tam"); a person's may not ("ông Khải nói Hà Nội ..." is "ông Khải").
    """
    body = head not in _GENDER
    lo = max(0, before - 3000)
    last = None
    for m in re.finditer(rf"\b(?i:{re.escape(head)})\b", text[lo:before]):
        at = lo + m.end()
        toks = _tokens(text[at : min(before, at + 160)], at)
        taken = 0
        for k, t in enumerate(toks[:7]):  # a name is short
            capital = re.match(CAPITAL, t.text) is not None
            inside = (
                body
                and 0 < k < len(toks) - 1
                and re.fullmatch(r"[\w-]+", t.text) is not None  # a word, not a bracket
                and re.match(CAPITAL, toks[k + 1].text) is not None
                and t.low not in _MENTION_BREAKS
                and not any(cue[0] == 0 for cue in _find_cues(toks[k:]))  # a verb after the name ends it
            )
            if not (capital or inside) or t.start != (toks[k - 1].end if k else at) + 1:
                break  # a word that is no part of the name, or punctuation: the name ended
            taken = k + 1
        if taken:
            last = (lo + m.start(), toks[taken - 1].end)
    return Span(text[last[0] : last[1]], last[0], last[1]) if last else None


_MENTION_BREAKS = frozenset("của tại ở và với cho từ là thì đã sẽ đang bị được".split())


def _antecedent_acting(earlier: list[Statement], article_id: str, act: str) -> Span | None:
    """For an agentless passive: the nearest earlier speaker who did the same act."""
    for s in reversed(earlier[-12:]):
        if s.article_id == article_id and s.act in {act, "charge" if act == "accuse" else act}:
            return s.speaker
    return None


def _object(toks: list[_Tok], j: int) -> list[_Tok] | None:
    """The target noun phrase right of the verb ending at `j`."""
    k = j
    while k < len(toks) and toks[k].low in {"rằng", ":", "lại", "cả", "thẳng"}:
        k += 1
    if k < len(toks) and toks[k].low in _OPEN_QUOTES:
        close = next((m for m in range(k + 1, len(toks)) if toks[m].low in _CLOSE_QUOTES), None)
        if close is not None and close - k <= 16:
            return toks[k + 1 : close]
    seg = []
    for t in toks[k : k + 10]:
        if (
            t.low in _TARGET_STOP
            or t.low in _BOUNDARY_PUNCT
            or (t.low in {".", "và"} and seg and not _upper_next(toks, t))
        ):
            break
        seg.append(t)
    if not seg or not _named(" ".join(t.text for t in seg)):
        return None
    return seg


def _upper_next(toks: list[_Tok], t: _Tok) -> bool:
    idx = toks.index(t)
    return idx + 1 < len(toks) and toks[idx + 1].text[:1].isupper()


def _joined(toks: list[_Tok], i: int) -> bool:
    """True when the verb at `i` follows "và", "đồng thời" or "rồi": it shares the subject of the verb before."""
    k = _before_verb(toks, i)
    return k >= 0 and toks[k].low in {"và", "thời", "rồi"}


def _coordinator_at(toks: list[_Tok], i: int) -> int | None:
    """Offset of the "và"/"đồng thời" that joins the verb at `i` to the one before (whose clause ends there).

    None when the verb at `i` is not joined to the one before.
    """
    if not _joined(toks, i):
        return None
    k = _before_verb(toks, i)
    if toks[k].low == "thời" and k and toks[k - 1].low == "đồng":
        k -= 1
    return toks[k].start


def _content(text: str, toks: list[_Tok], i: int, j: int, sentence: Span, until: int | None = None) -> Span:
    """The quotation when the sentence has one, else the clause after the verb (up to `until`)."""
    quote = _quotation(text, sentence)
    # The quotation is the content when it is what the verb reports: before the verb ("“...”, ông nói")
    # or running to the end of the sentence ("ông nói: “...”"), not a phrase inside the reporter's clause.
    if quote is not None and (quote.end <= toks[i].start or not text[quote.end + 1 : sentence.end].strip(" .!?…")):
        return quote
    k = j
    while k < len(toks) and toks[k].low in {",", ":", "rằng", "là"}:
        k += 1
    if k >= len(toks):
        return Span(text[toks[i].start : toks[j - 1].end], toks[i].start, toks[j - 1].end)
    start = toks[k].start
    stop = sentence.end
    # The clause ends at a full stop the sentence splitter left in (after a quotation it misread).
    inside = _quoted(toks)
    full_stop = next(
        (t.start for m, t in enumerate(toks[k:-1], k) if t.low == "." and not inside[m] and toks[m - 1].text.islower()),
        None,
    )
    if full_stop is not None:
        stop = full_stop
    if until is not None and start < until < stop:
        stop = until
    while stop > start and text[stop - 1] in ".!?…, ":
        stop -= 1
    return Span(text[start:stop], start, stop)


_NO_QUOTES = str.maketrans("", "", "“”\"‘’")
_QUOTED = re.compile(r"[“\"]([^”\"]{12,})[”\"]")


def _quotation(text: str, sentence: Span) -> Span | None:
    """The sentence's longest quotation (at least four words), a quoted word inside it included.

    Reporters quote a word inside a quotation with the same curly marks (“... thành phố “lờ” đi ...”):
    curly marks are paired by depth, so the outer quotation is what was said, not the part up to the
    inner word's closing mark.
    """
    spans = [(m.start(1), m.end(1)) for m in _QUOTED.finditer(sentence.text)]
    opened: list[int] = []
    for k, c in enumerate(sentence.text):
        if c == "“":
            opened.append(k)
        elif c == "”" and opened:
            start = opened.pop()
            if not opened:
                spans.append((start + 1, k))
    best = None
    for a, b in spans:
        if b - a >= 12 and (best is None or b - a > len(best.text)):
            best = Span(sentence.text[a:b], sentence.start + a, sentence.start + b)
    return best if best is not None and len(best.text.split()) >= 4 else None


# A demand named as the object of a verb of saying ("Luật sư trình bày yêu cầu của thân chủ đòi ...").
_DEMAND_NOUN = re.compile(r"^(?:các |những |)(?:yêu cầu|đề nghị|kiến nghị|đòi hỏi)\b(?! (?:là|này|đó|trên)\b)", re.I)


def _refine(act: str, speaker: str, content: str, cue: str) -> str:
    """Acts the verb alone does not decide: formal charges, denials said with "khẳng định"."""
    content = content.translate(_NO_QUOTES)  # "hoạt động “rửa” tiền" is still money laundering
    if act == "accuse" and _AUTHORITY.search(speaker):
        return "charge"
    if act == "criticize" and _ALLEGATION.search(cue):
        return "reject"  # "chỉ trích cáo buộc": criticising the accusation rejects it
    if act == "say" and (_WARNING.search(content) or _MEASURES.search(content)):
        return "threaten"  # a condition and its consequence frame the whole statement, whatever follows
    if act == "say" and (_NEGATION.match(content) or _DENIAL.search(content)):
        return "deny"
    if act == "say" and _NO_COMMENT.search(content):
        return "respond"
    if act == "say" and _SUING.search(content):
        return "sue"
    if act == "say" and _DEMAND_NOUN.match(content):
        return "demand"  # "trình bày yêu cầu đòi bồi thường", "nêu đề nghị ...": what is said is a demand
    if act == "say" and _WRONGDOING.search(content) and cue.lower() not in {"thống kê", "thông tin", "đưa tin"}:
        return "charge" if _AUTHORITY.search(speaker) else "accuse"  # wrongdoing stated by a prosecutor charges
    if act == "say" and _DISPARAGING.search(content):
        return "criticize"
    return act


def _span(text: str, toks: list[_Tok]) -> Span:
    start, end = toks[0].start, toks[-1].end
    return Span(text[start:end], start, end)


def _nominal_statements(article: Article, paragraph: int, toks: list[_Tok], sentence: Span) -> list[Statement]:
    """Acts named as nouns with their author: "cáo buộc của Mỹ", "lệnh trừng phạt của X"."""
    out = []
    for k in range(len(toks) - 2):
        if toks[k].low == "cáo" and toks[k + 1].low == "buộc" and k + 2 < len(toks) and toks[k + 2].low == "của":
            seg = []
            for t in toks[k + 3 : k + 12]:
                if t.low in _TARGET_STOP or t.low in _BOUNDARY_PUNCT or t.low == ".":
                    break
                seg.append(t)
            seg = _trim_right(seg)
            if seg and _named(" ".join(t.text for t in seg)):
                speaker = _span(article.text, seg)
                content = Span(article.text[toks[k].start : seg[-1].end], toks[k].start, seg[-1].end)
                out.append(Statement(article.id, paragraph, sentence, speaker, "accuse", content, nominal=True))
    return out


def _claims_of_suit(toks: list[_Tok], after_sue: int, demand: int) -> bool:
    """True when nothing separates a suit's verb (ending at `after_sue`) from the demand at `demand`."""
    between = toks[after_sue:demand]
    return len(between) <= 15 and not any(t.low in _BOUNDARY_PUNCT | {".", "và", "thời", "rồi"} for t in between)


def _opens_with_act(seg: list[_Tok]) -> bool:
    """True when a would-be subject starts with a lower-case act verb ("hủy bỏ Quyết định ..."): a clause, no party."""
    if not seg or not seg[0].text[:1].islower():
        return False
    if " ".join(t.low for t in seg[:2]) in {"hủy bỏ", "thu hồi", "đình chỉ", "tạm đình"}:
        return True  # decisions' verbs that the cue list leaves out (a "hủy bỏ" is no party's statement)
    cues = _find_cues(seg)
    return bool(cues) and cues[0][0] == 0


_SIGNED = re.compile(r"^(?:quyết định|công văn|văn bản|thông báo|bản án|kết luận|chỉ thị|công điện|giấy)\b", re.I)


_PUBLISHING = frozenset({("công", "bố"), ("ban", "hành"), ("đưa", "ra"), ("cung", "cấp"), ("thống", "kê"), ("ký",)})


def _publisher(seg: list[_Tok]) -> list[_Tok] | None:
    """In "Theo quy định do X công bố ngày 15/8, ...": X, who published what the sentence goes on to say."""
    at = next((k for k, t in enumerate(seg) if t.low == "do"), None)
    if at is None:
        return None
    for k in range(at + 1, len(seg)):
        if (seg[k].low,) in _PUBLISHING or (k + 1 < len(seg) and (seg[k].low, seg[k + 1].low) in _PUBLISHING):
            name = seg[at + 1 : k]
            return name if name and _named(" ".join(t.text for t in name)) else None
    return None


def _signed_documents(
    article: Article, paragraph: int, toks: list[_Tok], sentence: Span, found: list[Statement]
) -> list[Statement]:
    """A document "do X ký" (signed by X): X decided what it says ("Quyết định số 12 do ông X (...) ký về việc ...")."""
    out = []
    for k, t in enumerate(toks):
        if t.low != "do":
            continue
        # the document right before "do": a few words back, no clause boundary between
        doc = next(
            (m for m in range(k - 1, max(-1, k - 8), -1) if _SIGNED.match(" ".join(x.low for x in toks[m : m + 2]))),
            None,
        )
        if doc is None or any(x.low in _BOUNDARY_PUNCT - {"(", ")"} for x in toks[doc:k]):
            continue
        sign = next((m for m in range(k + 1, min(len(toks), k + 30)) if toks[m].low == "ký"), None)
        if sign is None or (sign + 1 < len(toks) and toks[sign + 1].low == "kết"):
            continue  # "ký kết" a contract: no decision of the signer's
        name = toks[k + 1 : sign]
        bracket = next((m for m, x in enumerate(name) if x.low == "("), None)
        if bracket is not None:
            if name[-1].low != ")":
                continue
            name = name[:bracket]
        name = _trim_right(name)
        said = " ".join(x.text for x in name)
        if not name or len(name) > 10 or not _named(said) or _PRONOUNS.fullmatch(said.lower()):
            continue
        if any(s.speaker.start <= name[0].start < s.speaker.end for s in found):
            continue  # "Công văn do X ký nêu rõ ...": X's statement is already there, with its own verb
        end = sentence.end
        while end > toks[doc].start and article.text[end - 1] in ".!?…":
            end -= 1
        act, begin = "other", toks[doc].start
        if doc and toks[doc - 1].low == "theo" and sign + 2 < len(toks) and toks[sign + 1].low == ",":
            # "Theo văn bản do X ký, ...": what follows is what X's document says
            begin = toks[sign + 2].start
            act = _refine("say", said, article.text[begin:end], "theo")
        content = Span(article.text[begin:end], begin, end)
        out.append(Statement(article.id, paragraph, sentence, _span(article.text, name), act, content))
    return out


def _source_statement(
    article: Article, paragraph: int, toks: list[_Tok], sentence: Span, found: list[Statement]
) -> list[Statement]:
    """ "Theo X, ..." anywhere in the sentence: X said what follows (news agencies only when alone).

    Other frames name a source the same way: "Chia sẻ từ X, ...", "Thông tin từ X, ...", and "Trong
    thông cáo / đơn kiện / báo cáo của X, ..." (a document of X's).
    """
    out = []
    for k, t in enumerate(toks):
        words = " ".join(x.low for x in toks[k : k + 3])
        frame = 1 if t.low in {"theo", "trong"} else 3 if words in {"chia sẻ từ", "thông tin từ"} else 0
        if not frame or (k > 1 and toks[k - 1].low not in {",", "cũng", "đó"}):
            continue  # "Theo X," opens the sentence or a clause ("Trước đó theo X,")
        comma = next((m for m in range(k + frame, min(len(toks), k + 20)) if toks[m].low in {",", "thì"}), None)
        if comma is None or comma == k + frame:
            continue
        seg = toks[k + frame : comma]
        text = article.text[seg[0].start : seg[-1].end] if seg else ""
        m = _SOURCE_NOUNS.match(text + " ")
        if t.low == "trong" and not m:
            continue  # "Trong cuộc họp, ..." names a setting; "Trong thông cáo của X, ..." a source
        if not m and _DOCUMENT.match(text):
            continue  # "Theo đơn khởi kiện nộp lên TAND ..., X yêu cầu": a document without its author
        if m:
            seg = [s for s in seg if s.start >= seg[0].start + m.end()]
        seg = _publisher(seg) or seg
        seg = _trim_right(seg)
        if not seg or k + 1 >= len(toks) or toks[k + 1].low == "đó":
            continue
        name = article.text[seg[0].start : seg[-1].end]
        if not _named(name) or len(seg) > _MAX_SPEAKER_TOKENS:
            continue
        if found and len(seg) <= 2 and _RELAY.match(seg[0].text):
            continue  # "Theo Reuters, X nói ...": the agency only relays X
        rest = toks[comma + 1 :]
        if not rest:
            continue
        end = sentence.end
        while end > rest[0].start and article.text[end - 1] in ".!?…":
            end -= 1
        content = Span(article.text[rest[0].start : end], rest[0].start, end)
        if _PRONOUNS.match(name):
            continue
        speaker = _span(article.text, seg)
        relayed = any(
            content.start <= (s.speaker.start if s.speaker_in_sentence else s.content.start) < content.end
            for s in found
        )
        # "Theo báo chí, Ronaldo đã thừa nhận gian lận": the paper reports what Ronaldo did; its words are his.
        act = "say" if relayed else _refine("say", name, content.text, "theo")
        out.append(Statement(article.id, paragraph, sentence, speaker, act, content))
    return out


def _dedupe(found: list[Statement]) -> list[Statement]:
    """One statement per speaker and act in a sentence."""
    seen: set[tuple[str, str]] = set()
    out = []
    for s in found:
        key = (s.speaker.text.lower(), s.act)
        if key not in seen:
            seen.add(key)
            out.append(s)
    return out
