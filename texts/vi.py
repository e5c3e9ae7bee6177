"""Every Vietnamese text storybot shows people, in one file: a translator edits this one (texts/en.py
holds the same keys in English; tests/test_texts.py checks that both have every key).

Telegram messages (BOT) are Telegram HTML; the others are plain text. {name} marks a value filled in.
"""


# An answer's frame (storybot ask, the chat and the bot), and the notice on a question cut short.
ANSWER = {
    "header": "Theo các bài báo:",
    "not_found": "Không tìm thấy câu trả lời trong các bài báo hiện có.",
    "paragraph": "đoạn",
    "read_as": "Hiểu tiếp câu hỏi trước: “{question}”",
    "truncated": "Câu hỏi dài hơn {limit} ký tự nên chỉ {limit} ký tự đầu được dùng.",
}

# A who-question's answer, party by party.
PARTIES = {
    "header": "Các bên trong câu chuyện:",
    "paragraph": "đoạn",
    "none": "Chưa tìm thấy ai lên tiếng.",
    # What of the target's an act answers: "bác bỏ cáo buộc của Mỹ".
    "claim_accusation": "cáo buộc của {party}",
    "claim_statement": "tuyên bố của {party}",
    "claim_report": "thông tin của {party}",
    "claim_demand": "yêu cầu của {party}",
    "claim_criticism": "chỉ trích của {party}",
    "claim_lawsuit": "đơn kiện của {party}",
    "claim_decision": "quyết định của {party}",
    "claim_warning": "cảnh báo của {party}",
}

# What a party did, before its target: "cáo buộc Bắc Kinh", "denies".
ACTS = {
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
}

# The Telegram bot's messages (Telegram HTML).
BOT = {
    "new_conversation": "Cuộc trò chuyện mới: câu hỏi tiếp theo của bạn sẽ được hiểu riêng, không theo câu trước.",
    "feedback_wrong_quote": "❌ Trích dẫn sai",
    "feedback_elsewhere": "🔎 Câu trả lời nằm chỗ khác",
    "feedback_week": (
        "<b>Đánh giá trong 7 ngày qua</b>\nĐã gửi {answers} câu trả lời; 👍 {up}, 👎 {down} "
        "(trích dẫn sai: {wrong_quote}, câu trả lời nằm chỗ khác: {elsewhere}).\n"
        "Lệnh storybot feedback --json xuất các đánh giá thành bộ câu hỏi kiểm thử."
    ),
    "inline_not_found": "Không tìm thấy trong các bài báo: bấm để hỏi tôi trong khung chat",
    "inline_empty": "Gõ một câu hỏi về tin tức: bấm vào đây để xem hướng dẫn",
    "link_reader": (
        "Tôi trả lời câu hỏi từ các bài báo đã có; tôi không tự đọc các đường link được gửi tới. Chỉ quản "
        "trị viên của bot mới thêm được bài báo, và tôi đã chuyển đường link này cho họ. Trong lúc chờ, hãy "
        "đặt một câu hỏi về tin tức, hoặc gõ /sources để xem các bài báo."
    ),
    "link_reader_no_admins": (
        "Tôi trả lời câu hỏi từ các bài báo đã có; tôi không tự đọc các đường link được gửi tới, và chỉ quản "
        "trị viên của bot mới thêm được bài báo. Hãy đặt một câu hỏi về tin tức, hoặc gõ /sources để xem các "
        "bài báo."
    ),
    "link_suggested": "{user} gửi cho tôi đường link này, chưa có trong các bài báo:\n{url}\nThêm bài này?",
    "link_add_button": "➕ Thêm bài này",
    "link_gone": "Tôi không còn giữ đường link này; hãy gửi lại nó (hoặc dùng /add) để thêm bài.",
    "not_found_hint": "Gõ /sources để xem các bài báo đang có.",
    "you_asked": "Câu hỏi",
    "more": "tiếp",
    "full_paragraph": "Xem cả đoạn {paragraph}",
    "ask_usage": "Hãy gõ câu hỏi sau lệnh, ví dụ:\n/ask {example}",
    "empty_mention": "Bạn muốn hỏi gì về các bài báo? Ví dụ: {example}",
    "non_text": "Tôi chỉ đọc được tin nhắn chữ. Hãy gõ câu hỏi về các bài báo, ví dụ: {example}",
    "unknown_command": "Tôi không biết lệnh này. Gõ /help để xem các lệnh.",
    "rate_limited": (
        "Bạn gửi hơi nhanh: mỗi người được gửi tối đa {limit} câu hỏi, lệnh hoặc lượt bấm mỗi phút. Vui lòng "
        "thử lại sau {seconds} giây."
    ),
    "admins_only": "Xin lỗi, chỉ quản trị viên của bot mới dùng được lệnh này.",
    "upload_refused": (
        "Xin lỗi, chỉ quản trị viên của bot mới thêm được bài báo. Bạn vẫn có thể hỏi về các bài đang có "
        "(/sources)."
    ),
    "error": "Xin lỗi, đã có lỗi khi xử lý tin nhắn này. Vui lòng thử lại sau ít phút.",
    "unavailable": "Xin lỗi, kho bài báo tạm thời chưa dùng được. Vui lòng thử lại sau ít phút.",
    "paragraph_gone": "Bài báo này đã thay đổi hoặc không còn trong chỉ mục. Hãy hỏi lại để có trích dẫn mới.",
    "who_none": "Chưa thấy bên nào lên tiếng trong các bài báo về chủ đề này.",
    "who_topic": "Chỉ mục có nhiều câu chuyện. Hãy gõ chủ đề sau lệnh, ví dụ:\n/who {example}",
    "who_button": "{number}. {speaker}",
    "more_parties": "➕ {count} bên khác",
    "more_quotes": "💬 Thêm trích dẫn",
    "button_stale": "Nút này đã cũ. Gõ /start để có các câu hỏi mẫu mới.",
    "reindexing": "Đang cập nhật chỉ mục…",
    "reindex_failed": "Không cập nhật được chỉ mục: {error}",
    "reindex_disk_full": (
        "Không cập nhật được chỉ mục: ổ đĩa đã đầy. Tôi vẫn trả lời bằng chỉ mục cũ; hãy giải phóng dung "
        "lượng rồi gõ /reindex."
    ),
    "reindex_error": (
        "Không cập nhật được chỉ mục do một lỗi không mong đợi (chi tiết trong nhật ký của bot). Tôi vẫn trả "
        "lời bằng chỉ mục cũ."
    ),
    "sources_header": (
        "Các bài báo đang có ({count}), bài có ngày đăng xếp mới nhất trước, bài không rõ ngày xếp sau theo tên:"
    ),
    "sources_page": (
        "Các bài báo đang có ({count}), bài có ngày đăng xếp mới nhất trước, bài không rõ ngày xếp sau theo "
        "tên — trang {page}/{pages}:"
    ),
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
    "upload_bad_type": (
        "Tôi chỉ nhận bài báo dạng tệp văn bản .txt hoặc .md (UTF-8), dòng đầu là tiêu đề. Tệp này là "
        "{name}."
    ),
    "upload_too_big": "Tệp {name} quá lớn ({size} KB); giới hạn là {limit} KB. Hãy chia bài thành nhiều tệp.",
    "upload_too_big_telegram": (
        "Tệp {name} lớn hơn {mb} MB, mức Telegram cho bot tải về; giới hạn bài báo là {limit} KB. Hãy chia "
        "bài thành nhiều tệp."
    ),
    "upload_disk_full": "Không lưu được {name}: ổ đĩa của bot đã đầy. Hãy giải phóng dung lượng rồi gửi lại tệp.",
    "upload_no_folder": (
        "Không lưu được {name}: thư mục bài báo {folder} không còn nữa. Hãy tạo lại thư mục đó (hoặc sửa "
        "--articles) rồi gửi lại tệp."
    ),
    "upload_cannot_write": "Không lưu được {name} vào {folder}: {reason}.",
    "upload_duplicate": "Tệp {name} có nội dung giống hệt bài {existing} đã có, nên không được lưu thêm.",
    "upload_changed": (
        "Bài {name} đã bị sửa sau khi tôi hỏi, nên tôi không thay để khỏi mất bản sửa đó. Hãy gửi lại tệp nếu "
        "vẫn muốn thay."
    ),
    "upload_unusable": "Không dùng được tệp {name}: {reason}.",
    "upload_no_paragraphs": (
        "Tệp {name} chỉ có tiêu đề, chưa có đoạn văn nào. Dòng đầu là tiêu đề, các dòng sau là nội dung "
        "bài."
    ),
    "upload_failed": "Đã lưu {name} nhưng chưa lập chỉ mục được: {error}",
    "summary": (
        "Chỉ mục có {articles} bài báo, {chunks} đoạn ({seconds:.1f} giây).\nBài báo: {added} mới, {changed} "
        "sửa, {removed} xóa, {unchanged} giữ nguyên.\nĐoạn văn: {embedded} đoạn mới hoặc đã sửa được đọc vào, "
        "{reused} đoạn không đổi được giữ nguyên."
    ),
    "summary_unchanged": "Không có gì thay đổi; chỉ mục đã mới nhất: {articles} bài báo, {chunks} đoạn.",
    "summary_reembedded": "Mọi bài được lập chỉ mục lại: {why}.",
    "summary_skipped": "Bỏ qua {file}: {reason}.",
    "summary_more_skipped": "… và {count} tệp khác bị bỏ qua (xem nhật ký).",
    "start": "<b>Xin chào!</b> Tôi trả lời câu hỏi về các bài báo bằng những câu trích <b>nguyên văn</b>, kèm nguồn.",
    "start_articles": "Tôi đang có {count} bài báo, ví dụ:",
    "start_how": (
        "Cứ gõ câu hỏi, tiếng Việt có dấu hay không dấu đều được, hoặc tiếng Anh. Trong nhóm: dùng /ask câu "
        "hỏi, nhắc tên tôi hoặc trả lời tin nhắn của tôi."
    ),
    "start_examples": "Bấm một câu hỏi mẫu để thử:",
    "help": (
        "<b>Cách dùng</b>\nGõ câu hỏi về các bài báo (tiếng Việt có dấu hay không dấu, hoặc tiếng Anh); tôi "
        "trả lời bằng câu trích nguyên văn, kèm tên bài và số đoạn. Nút dưới câu trả lời cho xem cả đoạn "
        "văn.\nTrong nhóm: /ask câu hỏi, nhắc tên tôi, hoặc trả lời tin nhắn của tôi.\n\n<b>Lệnh</b>\n/ask "
        "câu hỏi — hỏi\n/who [chủ đề] — các bên: ai cáo buộc, ai bác bỏ, ai nói gì, kèm bản đồ\n"
        "/stories — các câu chuyện\n/timeline [số hoặc chủ đề] — diễn biến "
        "theo ngày: ai nói gì, khi nào\n/follow [số hoặc chủ đề] — theo dõi câu chuyện, nhận tin khi có bài "
        "mới (/following, /unfollow)\n/sources — các bài báo "
        "đang có\n/start — giới thiệu và câu hỏi mẫu\n/help — hướng dẫn này\n/reindex — cập nhật chỉ mục "
        "(quản trị viên)"
    ),
    "help_admin": (
        "<b>Quản trị viên</b>\nGửi một tệp .txt hoặc .md (UTF-8, dòng đầu là tiêu đề, tối đa {limit} KB) để "
        "thêm bài báo; tôi lưu và lập chỉ mục ngay. /reindex cập nhật chỉ mục khi thư mục bài báo thay đổi."
    ),
    "help_admin_web": (
        "Gửi đường dẫn bài báo (hoặc /add đường-dẫn) để thêm bài từ web. /follow đường-dẫn-RSS theo dõi một "
        "nguồn tin và tự thêm bài mới; /feeds xem các nguồn, /unfollow bỏ một nguồn."
    ),
}

# The bot's command menu (setMyCommands).
COMMANDS = (
    ("ask", "Hỏi về các bài báo"),
    ("who", "Các bên: ai cáo buộc, ai bác bỏ"),
    ("sources", "Các bài báo đang có"),
    ("new", "Bắt đầu cuộc trò chuyện mới"),
    ("help", "Hướng dẫn"),
    ("stories", "Các câu chuyện"),
    ("timeline", "Diễn biến một câu chuyện theo ngày"),
    ("follow", "Theo dõi một câu chuyện"),
    ("following", "Các câu chuyện đang theo dõi"),
    ("start", "Giới thiệu và câu hỏi mẫu"),
    ("add", "Thêm bài báo từ đường link (quản trị viên)"),
    ("reindex", "Cập nhật chỉ mục (quản trị viên)"),
    ("feeds", "Các nguồn tin đang theo dõi (quản trị viên)"),
    ("feedback", "Đánh giá của độc giả trong tuần (quản trị viên)"),
)

# Adding articles by link, file or feed: outcomes and problems (plain text).
INGEST = {
    "not_http": "{url} không phải địa chỉ web http(s). Hãy gửi đường dẫn bắt đầu bằng https://",
    "bad_url": "{url} không phải đường dẫn hợp lệ. Hãy sao chép lại đường dẫn đầy đủ của bài báo.",
    "private_address": (
        "{url} trỏ tới địa chỉ nội bộ ({address}); tôi chỉ tải trang web công khai (trừ khi người vận hành "
        "bật STORYBOT_ALLOW_PRIVATE_URLS=1)."
    ),
    "unreachable": "Không tải được {url}: {reason}. Hãy kiểm tra đường dẫn hoặc thử lại sau.",
    "http_error": "Trang {url} trả về lỗi HTTP {status}; hãy kiểm tra lại đường dẫn.",
    "too_many_redirects": "{url} chuyển hướng quá {limit} lần; hãy gửi đường dẫn cuối cùng của bài.",
    "not_html": "{url} không phải trang web (HTML) mà là {kind}. Hãy gửi đường dẫn tới trang bài báo.",
    "not_feed": (
        "{url} không phải nguồn tin RSS/Atom ({reason}). Trang web thường có đường dẫn RSS ở cuối trang hoặc "
        "trong mục RSS."
    ),
    "too_large": "Trang {url} quá lớn (hơn {limit} MB); tôi không tải trang lớn như vậy.",
    "undecodable": "Không đọc được chữ của trang {url}: bảng mã {charset} không dùng được.",
    "unreadable_page": "Không tách được nội dung bài từ trang {url}; trang có cấu trúc lạ.",
    "cannot_save": "Không lưu được bài từ {url} vào {file} ({reason}). Hãy kiểm tra thư mục bài báo.",
    "too_little_text": (
        "Trang {url} có quá ít chữ để là một bài báo ({chars} ký tự). Có thể đó là trang chủ, trang chuyên "
        "mục, hoặc bài cần đăng nhập."
    ),
    "added": "Đã thêm “{title}” ({paragraphs} đoạn{when}).",
    "duplicate_url": "Bài này đã có (cùng địa chỉ): “{title}” ({file}).",
    "duplicate_text": "Nội dung này đã có trong bài “{title}” ({file}); không thêm lần nữa.",
    "following": "Đang theo dõi “{title}” ({entries} bài trong nguồn). Bài mới được thêm mỗi {minutes} phút.",
    "already_following": "Đã theo dõi nguồn “{title}” từ trước.",
    "file_upload_too_big": "Tệp {file} nặng {size} KB; tệp bài báo tối đa {limit} KB.",
    "file_upload_unusable": "Tệp {file} không dùng được làm bài báo: {reason}.",
    "file_upload_no_paragraphs": "Tệp {file} không có đoạn văn nào để trích dẫn.",
    "file_taken": "Tệp {file}: đã có một bài khác tên {name}. Hãy đổi tên tệp hoặc sửa bài đó.",
    "unfollowed": "Đã bỏ theo dõi “{title}”. Các bài đã thêm vẫn được giữ.",
    "not_following": "Không có nguồn nào là {url}. Gõ /feeds để xem các nguồn đang theo dõi.",
    "feeds_empty": "Chưa theo dõi nguồn tin nào. Dùng /follow đường-dẫn-RSS để thêm.",
    "feeds_header": "Các nguồn tin đang theo dõi ({count}):",
    "feed_line": "{title} — {url}\n    {added} bài đã thêm; {status}",
    "feed_ok": "kiểm tra lần cuối {checked}",
    "feed_never": "chưa kiểm tra",
    "feed_failing": "lỗi {failures} lần liên tiếp ({error}); thử lại lúc {retry}",
    "feed_added": "Nguồn “{feed}”: đã thêm {count} bài mới:",
    "feed_failed": "Nguồn “{feed}” đang lỗi: {error}. Sẽ thử lại lúc {retry}.",
    "feed_round": "Nguồn “{feed}”: {counts}:",
    "feed_last_round": "bài mới lần gần nhất ({when}): {counts}",
    "count_added": "{count} bài đã thêm",
    "count_present": "{count} bài đã có",
    "count_refused": "{count} bài bị từ chối",
    "count_retry": "{count} bài sẽ thử lại",
    "entry_present": "“{entry}”: {detail}",
    "entry_present_as": "“{entry}” đã có: {file} ({how})",
    "same_address": "cùng địa chỉ",
    "same_text": "cùng nội dung",
    "entry_refused": "“{entry}” không được thêm: {error}",
    "entry_gave_up": "“{entry}” không được thêm sau {tries} lần thử: {error}",
    "entry_retry": "“{entry}” chưa thêm được (lần thử {tries}): {error} Sẽ thử lại lúc {retry}.",
    "entry_waiting": "“{entry}” chờ thử lại lúc {retry} ({error})",
    "entry_deferred": "“{entry}” để lượt sau (mỗi lượt tối đa {limit} bài), khoảng {retry}.",
    "entry_no_link": "mục này trong nguồn tin không có đường dẫn tới bài báo.",
    "add_usage": "Gửi đường dẫn bài báo sau lệnh, ví dụ:\n/add https://vnexpress.net/bai-bao.html",
    "follow_usage": "Gửi đường dẫn nguồn RSS/Atom sau lệnh, ví dụ:\n/follow https://vnexpress.net/rss/the-gioi.rss",
    "unfollow_usage": "Gửi đường dẫn nguồn cần bỏ sau lệnh, ví dụ:\n/unfollow https://vnexpress.net/rss/the-gioi.rss",
    "fetching": "Đang tải {count} đường dẫn…",
    "too_many_links": (
        "Mỗi lần tôi chỉ nhận {limit} đường dẫn; {dropped} đường dẫn sau chưa được thêm, hãy gửi chúng trong "
        "tin nhắn khác."
    ),
    "index_failed": "Đã lưu nhưng chưa lập chỉ mục được: {error}",
    "round_nothing": "Không có bài mới trong {feeds} nguồn.",
    "reason_dns": "không tìm thấy tên miền {host}",
    "reason_timeout": "trang không trả lời trong {seconds} giây",
    "reason_tls": "chứng chỉ HTTPS của trang không hợp lệ",
    "reason_refused": "máy chủ {host} từ chối kết nối",
    "reason_closed": "máy chủ ngắt kết nối giữa chừng",
    "reason_web_page": "đó là một trang web",
    "reason_no_feed_content": "không có nội dung RSS hay Atom",
}


# The terminal chat (storybot chat), in the language of the conversation (plain text).
CHAT = {
    "new": "Cuộc trò chuyện mới: câu hỏi tiếp theo sẽ được hiểu riêng, không theo câu trước.",
    "welcome": "Hỏi về {count} bài báo, ví dụ {titles}.",
    "how": (
        "Gõ câu hỏi rồi nhấn Enter (tiếng Việt có dấu hay không dấu, hoặc tiếng Anh). /help liệt kê các lệnh; "
        "Ctrl-D để thoát."
    ),
    "help": (
        "Gõ câu hỏi rồi nhấn Enter; câu trả lời là những câu trích nguyên văn từ các bài báo, xếp dưới tên "
        "từng bài, kèm số đoạn."
    ),
    "keys": "Phím mũi tên để sửa dòng và gọi lại câu hỏi trước; Ctrl-C xóa dòng; Ctrl-D hoặc /quit để thoát.",
    "unknown": "Không có lệnh {command}. Gõ /help để xem các lệnh.",
    "sources_header": "Các bài báo ({count}), bài có ngày đăng xếp mới nhất trước, bài không rõ ngày xếp sau theo tên:",
    "sources_empty": "Chưa có bài báo nào trong chỉ mục.",
    "not_found_hint": "Gõ /sources để xem các bài báo đang có.",
    "interrupted": "(đã ngắt)",
    "error": "lỗi: {error}",
    "who_topic": "Các bài báo có nhiều câu chuyện: hãy gõ chủ đề sau lệnh, ví dụ /who {example}",
    "language_set": "Từ giờ tôi nói tiếng Việt.",
    "language_usage": "Gõ /language vi để nói tiếng Việt, /language en để nói tiếng Anh.",
    "cmd_help": "hướng dẫn này",
    "cmd_sources": "các bài báo đang có",
    "cmd_who": "ai cáo buộc ai, ai nói hay làm gì (có thể kèm chủ đề)",
    "cmd_new": "bắt đầu cuộc trò chuyện mới: câu hỏi tiếp theo được hiểu riêng",
    "cmd_language": "nói tiếng Việt (/language vi) hoặc tiếng Anh (/language en)",
    "cmd_quit": "thoát (hoặc Ctrl-D)",
}


# The summary of an index build or update (storybot index, add, ingest; plain text).
SUMMARY = {
    "unchanged": "Không có gì thay đổi; chỉ mục đã mới nhất: {articles} bài báo, {chunks} đoạn "
    "(kiểm tra trong {seconds} giây).",
    "indexed": "Đã lập chỉ mục {articles} bài báo, {chunks} đoạn trong {seconds} giây.",
    "articles": "Bài báo: {added} thêm, {changed} sửa, {removed} xoá, {unchanged} giữ nguyên.",
    "chunks": "Đoạn văn: {embedded} đoạn mới hoặc đã sửa được đọc vào, {reused} đoạn không đổi được giữ nguyên.",
    "reembedded": "Mọi bài được lập chỉ mục lại: {why}.",
    "merged": "Đã gộp {merged} phân đoạn chỉ mục trong {seconds} giây.",
    "skipped": "Bỏ qua {file}: {reason}.",
    "reason_empty": "tệp trống; hãy viết nội dung bài vào tệp hoặc xóa tệp đi",
    "reason_too_large": "tệp lớn hơn {mb} MB; hãy chia bài thành nhiều tệp",
    "reason_binary": "tệp không phải văn bản (có thể là ảnh hay một chương trình); hãy lưu bài dưới dạng văn bản UTF-8",
    "reason_not_utf8": "dòng {line} không phải chữ UTF-8 hợp lệ (byte {byte}); hãy lưu lại tệp theo bảng mã UTF-8",
    "reason_no_text": "tệp không có chữ nào",
    "reason_unreadable": "không đọc được tệp ({error})",
    "reason_disk_full": "ổ đĩa đã đầy",
    "reason_no_folder": "thư mục bài báo không còn nữa",
    "reason_os_error": "{error}",
    "reason_current_unreadable": "không đọc được chỉ mục cũ (tệp CURRENT của nó bị hỏng)",
    "reason_manifest_unreadable": "không đọc được chỉ mục cũ (tệp mô tả của {generation} bị mất hoặc hỏng)",
    "reason_index_unreadable": "không đọc được chỉ mục cũ ({error})",
    "reason_model_changed": "mô hình ngôn ngữ đã đổi ({old} -> {new})",
    "reason_prompts_changed": "cách mô hình đọc câu hỏi và bài báo đã đổi",
    "reason_format_changed": "cách lưu chỉ mục đã đổi (phiên bản {old} -> {new})",
    "interrupted": "Đã dừng. Chỉ mục vẫn như trước lần chạy này và vẫn trả lời được; các bài đã lưu vẫn ở "
    "thư mục bài báo. Chạy storybot index để làm tiếp.",
}

# Stories, their timelines, maps and alerts (storybot stories / timeline / who --png, /timeline, /follow).
STORIES = {
    "list_header": "Các câu chuyện ({count}):",
    "none": "Chưa có câu chuyện nào: hãy thêm bài báo.",
    "line": "#{id} {name} — {articles} bài{dates}",
    "not_found": "Không tìm thấy câu chuyện nào về “{words}”. Gõ /stories để xem các câu chuyện.",
    "timeline_header": "Diễn biến: {name}",
    "undated": "Không nêu ngày (cả câu lẫn bài đều không ghi ngày)",
    "no_statements": "Các bài của câu chuyện này chưa có lời phát biểu nào.",
    "page": "trang {page}/{pages}",
    "previous": "‹ Trước",
    "next": "Sau ›",
    "map_caption": "Ai nói gì với ai: {name}",
    "map_more": "+{count} bên khác",
    "map_none": "Chưa có bên nào lên tiếng để vẽ bản đồ.",
    "timeline_updated": "(Câu chuyện đã có thêm bài từ khi trang trước được gửi: đây là diễn biến mới nhất.)",
    "timeline_gone": "Câu chuyện này không còn trong chỉ mục: gõ /stories để xem các câu chuyện hiện có.",
    "statement_source": "{title}, đoạn {paragraph}",
    "more_stories": "… và {count} câu chuyện khác.",
    "alert_header": "Tin mới trong câu chuyện bạn theo dõi: {name}",
    "following_header": "Bạn đang theo dõi {count} câu chuyện:",
    "following_none": "Bạn chưa theo dõi câu chuyện nào. Gõ /follow kèm số hoặc vài từ của câu chuyện.",
    "follow_usage": "Gõ /follow kèm số của câu chuyện (xem /stories) hoặc vài từ về nó, ví dụ /follow 1.",
    "followed": (
        "Đã theo dõi câu chuyện #{id} {name}. Khi có bài mới, tôi sẽ gửi những lời phát biểu mới "
        "(gõ /unfollow {id} để thôi)."
    ),
    "already_followed": "Bạn đã theo dõi câu chuyện #{id} {name}.",
    "unfollowed": "Đã thôi theo dõi câu chuyện #{id} {name}.",
    "not_followed": "Bạn không theo dõi câu chuyện nào như vậy. Gõ /following để xem danh sách.",
    "follow_button": "🔔 Theo dõi câu chuyện này",
    "follow_admins": "Trong nhóm, chỉ quản trị viên của nhóm mới đăng ký theo dõi được.",
}
