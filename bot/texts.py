"""Everything the bot says, in one place: its messages in Vietnamese and English, its command menu, and the
retrieval core's answer frames (index/texts.py), which it shares with `storybot ask`.

Values are Telegram HTML; `text` fills them in with already-escaped values.
"""

from __future__ import annotations

from index.texts import FRAMES, PARTY_FRAMES, TRUNCATION_NOTICE

__all__ = ["CHAT_TEXTS", "COMMANDS", "FRAMES", "PARTY_FRAMES", "TEXTS", "TRUNCATION_NOTICE", "text"]

TEXTS: dict[str, dict[str, str]] = {
    "vi": {
        "not_found_hint": "Gõ /sources để xem các bài báo đang có.",
        "you_asked": "Câu hỏi",
        "more": "tiếp",
        "full_paragraph": "Xem cả đoạn {paragraph}",
        "ask_usage": "Hãy gõ câu hỏi sau lệnh, ví dụ:\n/ask {example}",
        "empty_mention": "Bạn muốn hỏi gì về các bài báo? Ví dụ: {example}",
        "non_text": "Tôi chỉ đọc được tin nhắn chữ. Hãy gõ câu hỏi về các bài báo, ví dụ: {example}",
        "unknown_command": "Tôi không biết lệnh này. Gõ /help để xem các lệnh.",
        "rate_limited": "Bạn gửi hơi nhanh: mỗi người được gửi tối đa {limit} câu hỏi, lệnh hoặc lượt bấm mỗi phút. "
        "Vui lòng thử lại sau {seconds} giây.",
        "admins_only": "Xin lỗi, chỉ quản trị viên của bot mới dùng được lệnh này.",
        "upload_refused": "Xin lỗi, chỉ quản trị viên của bot mới thêm được bài báo. "
        "Bạn vẫn có thể hỏi về các bài đang có (/sources).",
        "error": "Xin lỗi, đã có lỗi khi xử lý tin nhắn này. Vui lòng thử lại sau ít phút.",
        "unavailable": "Xin lỗi, kho bài báo tạm thời chưa dùng được. Vui lòng thử lại sau ít phút.",
        "paragraph_gone": "Bài báo này đã thay đổi hoặc không còn trong chỉ mục. Hãy hỏi lại để có trích dẫn mới.",
        "who_none": "Chưa thấy bên nào lên tiếng trong các bài báo về chủ đề này.",
        "who_topic": "Chỉ mục có nhiều câu chuyện. Hãy gõ chủ đề sau lệnh, ví dụ:\n/who {example}",
        "who_button": "{number}. {speaker}",
        "button_stale": "Nút này đã cũ. Gõ /start để có các câu hỏi mẫu mới.",
        "reindexing": "Đang cập nhật chỉ mục…",
        "reindex_failed": "Không cập nhật được chỉ mục: {error}",
        "reindex_disk_full": "Không cập nhật được chỉ mục: ổ đĩa đã đầy. Tôi vẫn trả lời bằng chỉ mục cũ; "
        "hãy giải phóng dung lượng rồi gõ /reindex.",
        "reindex_error": "Không cập nhật được chỉ mục do một lỗi không mong đợi (chi tiết trong nhật ký của bot). "
        "Tôi vẫn trả lời bằng chỉ mục cũ.",
        "sources_header": "Các bài báo đang có ({count}):",
        "sources_page": "Các bài báo đang có ({count}), mới nhất trước — trang {page}/{pages}:",
        "sources_newer": "◀ Mới hơn",
        "sources_older": "Cũ hơn ▶",
        "sources_empty": "Chưa có bài báo nào trong chỉ mục.",
        "paragraph_chunks": "{chunks} đoạn",
        "upload_received": "Đã nhận {name}, đang lưu và lập chỉ mục…",
        "upload_added": "Đã thêm bài “{title}” ({name}).",
        "upload_replaced": "Đã thay bài {name} bằng bản mới: “{title}”.",
        "upload_same": "Bài {name} đã có với đúng nội dung này; không cần thay đổi gì.",
        "upload_exists": "Đã có bài {name} (“{old_title}”) với nội dung khác. Thay bằng bản mới (“{title}”)?",
        "upload_replace_button": "Thay bằng bản mới",
        "upload_keep_button": "Giữ bài cũ",
        "upload_kept": "Đã giữ bài cũ {name}; bản mới không được lưu.",
        "upload_expired": "Yêu cầu này đã hết hạn. Hãy gửi lại tệp.",
        "upload_bad_type": "Tôi chỉ nhận bài báo dạng tệp văn bản .txt hoặc .md (UTF-8), "
        "dòng đầu là tiêu đề. Tệp này là {name}.",
        "upload_too_big": "Tệp {name} quá lớn ({size} KB); giới hạn là {limit} KB. Hãy chia bài thành nhiều tệp.",
        "upload_too_big_telegram": "Tệp {name} lớn hơn {mb} MB, mức Telegram cho bot tải về; "
        "giới hạn bài báo là {limit} KB. Hãy chia bài thành nhiều tệp.",
        "upload_disk_full": "Không lưu được {name}: ổ đĩa của bot đã đầy. Hãy giải phóng dung lượng rồi gửi lại tệp.",
        "upload_no_folder": "Không lưu được {name}: thư mục bài báo {folder} không còn nữa. "
        "Hãy tạo lại thư mục đó (hoặc sửa --articles) rồi gửi lại tệp.",
        "upload_cannot_write": "Không lưu được {name} vào {folder}: {reason}.",
        "upload_duplicate": "Tệp {name} có nội dung giống hệt bài {existing} đã có, nên không được lưu thêm.",
        "upload_changed": "Bài {name} đã bị sửa sau khi tôi hỏi, nên tôi không thay để khỏi mất bản sửa đó. "
        "Hãy gửi lại tệp nếu vẫn muốn thay.",
        "upload_unusable": "Không dùng được tệp {name}: {reason}.",
        "upload_no_paragraphs": "Tệp {name} chỉ có tiêu đề, chưa có đoạn văn nào. "
        "Dòng đầu là tiêu đề, các dòng sau là nội dung bài.",
        "upload_failed": "Đã lưu {name} nhưng chưa lập chỉ mục được: {error}",
        "summary": "Chỉ mục có {articles} bài báo, {chunks} đoạn ({seconds:.1f} giây).\n"
        "Bài báo: {added} mới, {changed} sửa, {removed} xóa, {unchanged} giữ nguyên.\n"
        "Đoạn: {embedded} mã hóa mới, {reused} dùng lại.",
        "summary_unchanged": "Không có gì thay đổi; chỉ mục đã mới nhất: {articles} bài báo, {chunks} đoạn.",
        "summary_reembedded": "Mọi bài được lập chỉ mục lại: {why}.",
        "summary_skipped": "Bỏ qua {file}: {reason}.",
        "summary_more_skipped": "… và {count} tệp khác bị bỏ qua (xem nhật ký).",
        "start": "<b>Xin chào!</b> Tôi trả lời câu hỏi về các bài báo bằng những câu trích <b>nguyên văn</b>, "
        "kèm nguồn.",
        "start_articles": "Tôi đang có {count} bài báo, ví dụ:",
        "start_how": "Cứ gõ câu hỏi, tiếng Việt có dấu hay không dấu đều được, hoặc tiếng Anh. "
        "Trong nhóm: dùng /ask câu hỏi, nhắc tên tôi hoặc trả lời tin nhắn của tôi.",
        "start_examples": "Bấm một câu hỏi mẫu để thử:",
        "help": "<b>Cách dùng</b>\n"
        "Gõ câu hỏi về các bài báo (tiếng Việt có dấu hay không dấu, hoặc tiếng Anh); "
        "tôi trả lời bằng câu trích nguyên văn, kèm tên bài và số đoạn. "
        "Nút dưới câu trả lời cho xem cả đoạn văn.\n"
        "Trong nhóm: /ask câu hỏi, nhắc tên tôi, hoặc trả lời tin nhắn của tôi.\n\n"
        "<b>Lệnh</b>\n"
        "/ask câu hỏi — hỏi\n"
        "/who [chủ đề] — các bên: ai cáo buộc, ai bác bỏ, ai nói gì\n"
        "/sources — các bài báo đang có\n"
        "/start — giới thiệu và câu hỏi mẫu\n"
        "/help — hướng dẫn này\n"
        "/reindex — cập nhật chỉ mục (quản trị viên)",
        "help_admin": "<b>Quản trị viên</b>\n"
        "Gửi một tệp .txt hoặc .md (UTF-8, dòng đầu là tiêu đề, tối đa {limit} KB) để thêm bài báo; "
        "tôi lưu và lập chỉ mục ngay. /reindex cập nhật chỉ mục khi thư mục bài báo thay đổi.",
        "help_admin_web": "Gửi đường dẫn bài báo (hoặc /add đường-dẫn) để thêm bài từ web. "
        "/follow đường-dẫn-RSS theo dõi một nguồn tin và tự thêm bài mới; /feeds xem các nguồn, "
        "/unfollow bỏ một nguồn.",
    },
    "en": {
        "not_found_hint": "Type /sources to see the articles I have.",
        "you_asked": "Question",
        "more": "continued",
        "full_paragraph": "Full paragraph {paragraph}",
        "ask_usage": "Type your question after the command, e.g.:\n/ask {example}",
        "empty_mention": "What would you like to ask about the articles? For example: {example}",
        "non_text": "I can only read text messages. Type a question about the articles, e.g.: {example}",
        "unknown_command": "I don't know that command. Type /help to see the commands.",
        "rate_limited": "You are going a bit fast: at most {limit} questions, commands or taps a minute per person. "
        "Please try again in {seconds} seconds.",
        "admins_only": "Sorry, only the bot's admins can use this command.",
        "upload_refused": "Sorry, only the bot's admins can add articles. "
        "You can still ask about the articles I have (/sources).",
        "error": "Sorry, something went wrong while handling this message. Please try again in a few minutes.",
        "unavailable": "Sorry, the articles are not available right now. Please try again in a few minutes.",
        "paragraph_gone": "This article has changed or is no longer indexed. Ask again for fresh quotes.",
        "who_none": "No party speaks in the articles on this topic.",
        "who_topic": "The index holds several stories. Type a topic after the command, e.g.:\n/who {example}",
        "who_button": "{number}. {speaker}",
        "button_stale": "This button is out of date. Type /start for fresh example questions.",
        "reindexing": "Updating the index…",
        "reindex_failed": "Could not update the index: {error}",
        "reindex_disk_full": "Could not update the index: the disk is full. I keep answering from the previous "
        "index; free some space, then send /reindex.",
        "reindex_error": "Could not update the index because of an unexpected error (details in the bot's log). "
        "I keep answering from the previous index.",
        "sources_header": "The articles I have ({count}):",
        "sources_page": "The articles I have ({count}), newest first — page {page}/{pages}:",
        "sources_newer": "◀ Newer",
        "sources_older": "Older ▶",
        "sources_empty": "No articles are indexed yet.",
        "paragraph_chunks": "{chunks} passages",
        "upload_received": "Got {name}; saving and indexing it…",
        "upload_added": "Added “{title}” ({name}).",
        "upload_replaced": "Replaced {name} with the new version: “{title}”.",
        "upload_same": "{name} is already here with exactly this content; nothing to do.",
        "upload_exists": "{name} already exists (“{old_title}”) with different content. "
        "Replace it with the new version (“{title}”)?",
        "upload_replace_button": "Replace it",
        "upload_keep_button": "Keep the old one",
        "upload_kept": "Kept the existing {name}; the new version was not saved.",
        "upload_expired": "This request has expired. Please send the file again.",
        "upload_bad_type": "I only take articles as .txt or .md text files (UTF-8), title on the first line. "
        "This file is {name}.",
        "upload_too_big": "{name} is too large ({size} KB); the limit is {limit} KB. Split the article into files.",
        "upload_too_big_telegram": "{name} is larger than {mb} MB, the most Telegram lets a bot download; "
        "the limit for an article is {limit} KB. Split the article into files.",
        "upload_disk_full": "Could not save {name}: the bot's disk is full. Free some space, then send the file again.",
        "upload_no_folder": "Could not save {name}: the articles folder {folder} is gone. "
        "Create it again (or fix --articles), then send the file again.",
        "upload_cannot_write": "Could not save {name} in {folder}: {reason}.",
        "upload_duplicate": "{name} has exactly the content of the existing article {existing}, so it was not saved "
        "again.",
        "upload_changed": "{name} was edited after I asked, so I did not replace it (that edit would be lost). "
        "Send the file again if you still want to replace it.",
        "upload_unusable": "Cannot use {name}: {reason}.",
        "upload_no_paragraphs": "{name} has only a title and no paragraphs. "
        "Put the title on the first line and the article's text below it.",
        "upload_failed": "Saved {name} but could not index it: {error}",
        "summary": "The index has {articles} article(s), {chunks} passage(s) ({seconds:.1f} s).\n"
        "Articles: {added} added, {changed} changed, {removed} removed, {unchanged} unchanged.\n"
        "Passages: {embedded} embedded, {reused} reused.",
        "summary_unchanged": "Nothing changed; the index is up to date: {articles} article(s), {chunks} passage(s).",
        "summary_reembedded": "Every article was indexed again: {why}.",
        "summary_skipped": "Skipped {file}: {reason}.",
        "summary_more_skipped": "… and {count} more skipped file(s) (see the log).",
        "start": "<b>Hello!</b> I answer questions about news articles with quotes taken <b>word for word</b> "
        "from them, each with its source.",
        "start_articles": "I have {count} article(s), for example:",
        "start_how": "Just type a question, in Vietnamese (with or without diacritics) or English. "
        "In a group: use /ask question, mention me, or reply to my message.",
        "start_examples": "Tap an example question to try:",
        "help": "<b>How to use</b>\n"
        "Type a question about the articles (Vietnamese with or without diacritics, or English); "
        "I answer with quotes taken word for word, with the article and paragraph number. "
        "The buttons under an answer show the whole paragraph.\n"
        "In a group: /ask question, mention me, or reply to my message.\n\n"
        "<b>Commands</b>\n"
        "/ask question — ask\n"
        "/who [topic] — the parties: who accused, who denied, who said what\n"
        "/sources — the articles I have\n"
        "/start — introduction and example questions\n"
        "/help — this help\n"
        "/reindex — update the index (admins)",
        "help_admin": "<b>Admins</b>\n"
        "Send a .txt or .md file (UTF-8, title on the first line, at most {limit} KB) to add an article; "
        "I save and index it at once. /reindex updates the index after the articles folder changed.",
        "help_admin_web": "Send an article's link (or /add link) to add it from the web. "
        "/follow RSS-link follows a feed and adds its new articles by itself; /feeds lists the feeds, "
        "/unfollow drops one.",
    },
}

COMMANDS = {
    "vi": (
        ("ask", "Hỏi về các bài báo"),
        ("who", "Các bên: ai cáo buộc, ai bác bỏ"),
        ("sources", "Các bài báo đang có"),
        ("start", "Giới thiệu và câu hỏi mẫu"),
        ("help", "Hướng dẫn"),
        ("reindex", "Cập nhật chỉ mục (quản trị viên)"),
    ),
    "en": (
        ("ask", "Ask about the articles"),
        ("who", "The parties: who accused, who denied"),
        ("sources", "The articles I have"),
        ("start", "Introduction and example questions"),
        ("help", "How to use the bot"),
        ("reindex", "Update the index (admins)"),
    ),
}


def text(language: str, key: str, **values: object) -> str:
    """A framing text in `language` ("vi" or "en"), formatted with already-escaped `values`."""
    return TEXTS[language if language in TEXTS else "vi"][key].format(**values)


# The terminal chat (`storybot chat`, cli/chat.py): plain text, in English like the rest of the
# command line; the answers themselves are framed by FRAMES in the question's language.
CHAT_TEXTS = {
    "welcome": "Ask about {count} article(s), e.g. {titles}.",
    "how": "Type a question and press Enter (Vietnamese, with or without diacritics, or English). "
    "/help lists the commands; Ctrl-D quits.",
    "help": "Type a question and press Enter; answers are quotes taken word for word from the articles, "
    "grouped under each article's title with the paragraph number.",
    "keys": "Arrow keys edit the line and recall earlier questions; Ctrl-C clears the line; Ctrl-D or /quit quits.",
    "unknown": "Unknown command {command}. Type /help to see the commands.",
    "sources_header": "The articles ({count}):",
    "sources_empty": "No articles are indexed yet.",
    "not_found_hint": "Type /sources to see the articles.",
    "interrupted": "(interrupted)",
    "error": "error: {error}",
}
