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
