"""What the retrieval core says to people, in one place: answer frames and notices, Vietnamese and English.

Front ends word their own messages (bot/texts.py for Telegram) and take these
from here, so `storybot ask` and the bot frame answers the same way.
"""

from __future__ import annotations

FRAMES = {
    "vi": {
        "header": "Theo các bài báo:",
        "not_found": "Không tìm thấy câu trả lời trong các bài báo hiện có.",
        "paragraph": "đoạn",
    },
    "en": {
        "header": "From the articles:",
        "not_found": "Not found in the articles.",
        "paragraph": "paragraph",
    },
}

TRUNCATION_NOTICE = {
    "vi": "Câu hỏi dài hơn {limit} ký tự nên chỉ {limit} ký tự đầu được dùng.",
    "en": "The question was longer than {limit} characters; only the first {limit} were used.",
}

# A who-question's answer (answer/parties.py), party by party.
PARTY_FRAMES = {
    "vi": {"header": "Các bên trong câu chuyện:", "paragraph": "đoạn", "none": "Chưa tìm thấy ai lên tiếng."},
    "en": {"header": "The parties in the story:", "paragraph": "paragraph", "none": "No party found."},
}
# What a party did, before its target: "cáo buộc Bắc Kinh", "denies".
ACT_WORDS = {
    "vi": {
        "accuse": "cáo buộc",
        "charge": "buộc tội",
        "sue": "kiện",
        "criticize": "chỉ trích",
        "deny": "bác bỏ",
        "reject": "phản đối",
        "demand": "yêu cầu",
        "say": "cho biết",
        "respond": "đáp lại",
        "threaten": "cảnh báo",
        "other": "",
    },
    "en": {
        "accuse": "accuses",
        "charge": "charges",
        "sue": "sues",
        "criticize": "criticises",
        "deny": "denies",
        "reject": "rejects",
        "demand": "demands",
        "say": "says",
        "respond": "responds",
        "threaten": "warns",
        "other": "",
    },
}
