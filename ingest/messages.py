"""What ingestion says to an operator, in Vietnamese and English, as plain text.

The command line prints these as they are; the bot escapes them for HTML (the
templates hold no markup).
"""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "vi": {
        "not_http": "{url} không phải địa chỉ web http(s). Hãy gửi đường dẫn bắt đầu bằng https://",
        "bad_url": "{url} không phải đường dẫn hợp lệ. Hãy sao chép lại đường dẫn đầy đủ của bài báo.",
        "private_address": "{url} trỏ tới địa chỉ nội bộ ({address}); tôi chỉ tải trang web công khai "
        "(trừ khi người vận hành bật STORYBOT_ALLOW_PRIVATE_URLS=1).",
        "unreachable": "Không tải được {url}: {reason}. Hãy kiểm tra đường dẫn hoặc thử lại sau.",
        "http_error": "Trang {url} trả về lỗi HTTP {status}; hãy kiểm tra lại đường dẫn.",
        "too_many_redirects": "{url} chuyển hướng quá {limit} lần; hãy gửi đường dẫn cuối cùng của bài.",
        "not_html": "{url} không phải trang web (HTML) mà là {kind}. Hãy gửi đường dẫn tới trang bài báo.",
        "not_feed": "{url} không phải nguồn tin RSS/Atom ({reason}). Trang web thường có đường dẫn RSS "
        "ở cuối trang hoặc trong mục RSS.",
        "too_large": "Trang {url} quá lớn (hơn {limit} MB); tôi không tải trang lớn như vậy.",
        "undecodable": "Không đọc được chữ của trang {url}: bảng mã {charset} không dùng được.",
        "unreadable_page": "Không tách được nội dung bài từ trang {url}; trang có cấu trúc lạ.",
        "cannot_save": "Không lưu được bài từ {url} vào {file} ({reason}). Hãy kiểm tra thư mục bài báo.",
        "too_little_text": "Trang {url} có quá ít chữ để là một bài báo ({chars} ký tự). "
        "Có thể đó là trang chủ, trang chuyên mục, hoặc bài cần đăng nhập.",
        "added": "Đã thêm “{title}” ({paragraphs} đoạn{when}).",
        "duplicate_url": "Bài này đã có (cùng địa chỉ): “{title}” ({file}).",
        "duplicate_text": "Nội dung này đã có trong bài “{title}” ({file}); không thêm lần nữa.",
        "following": "Đang theo dõi “{title}” ({entries} bài trong nguồn). Bài mới được thêm mỗi {minutes} phút.",
        "already_following": "Đã theo dõi nguồn “{title}” từ trước.",
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
        "too_many_links": "Mỗi lần tôi chỉ nhận {limit} đường dẫn; {dropped} đường dẫn sau chưa được thêm, "
        "hãy gửi chúng trong tin nhắn khác.",
        "index_failed": "Đã lưu nhưng chưa lập chỉ mục được: {error}",
        "round_nothing": "Không có bài mới trong {feeds} nguồn.",
        "reason_dns": "không tìm thấy tên miền {host}",
        "reason_timeout": "trang không trả lời trong {seconds} giây",
        "reason_tls": "chứng chỉ HTTPS của trang không hợp lệ",
        "reason_refused": "máy chủ {host} từ chối kết nối",
        "reason_closed": "máy chủ ngắt kết nối giữa chừng",
        "reason_web_page": "đó là một trang web",
        "reason_no_feed_content": "không có nội dung RSS hay Atom",
    },
    "en": {
        "not_http": "{url} is not an http(s) web address. Send a link that starts with https://",
        "bad_url": "{url} is not a valid link. Copy the article's full address again.",
        "private_address": "{url} points to a private address ({address}); I only fetch public web pages "
        "(unless the operator allows them: --allow-private-urls or STORYBOT_ALLOW_PRIVATE_URLS=1).",
        "unreachable": "Could not fetch {url}: {reason}. Check the link or try again later.",
        "http_error": "The page {url} answered with HTTP error {status}; check the link.",
        "too_many_redirects": "{url} redirects more than {limit} times; send the article's final address.",
        "not_html": "{url} is not a web page (HTML) but {kind}. Send the link of the article's page.",
        "not_feed": "{url} is not an RSS/Atom feed ({reason}). Sites usually link their RSS feeds at the "
        "bottom of the page or on an RSS page.",
        "too_large": "The page {url} is too large (over {limit} MB); I do not fetch pages that big.",
        "undecodable": "Cannot read the text of {url}: its character set {charset} is unusable.",
        "unreadable_page": "Could not take the story out of {url}; the page is built in an unusual way.",
        "cannot_save": "Could not save the article from {url} as {file} ({reason}). Check the articles folder.",
        "too_little_text": "The page {url} has too little text to be an article ({chars} characters). "
        "It may be a home page, a section page, or behind a login.",
        "added": "Added “{title}” ({paragraphs} paragraphs{when}).",
        "duplicate_url": "Already here (same address): “{title}” ({file}).",
        "duplicate_text": "This text is already here as “{title}” ({file}); not added again.",
        "following": "Following “{title}” ({entries} entries in the feed). New entries are added every "
        "{minutes} minutes.",
        "already_following": "Already following “{title}”.",
        "unfollowed": "Stopped following “{title}”. The articles added from it are kept.",
        "not_following": "No feed {url} is followed. Type /feeds to see the followed feeds.",
        "feeds_empty": "No feeds are followed yet. Use /follow RSS-link to add one.",
        "feeds_header": "Followed feeds ({count}):",
        "feed_line": "{title} — {url}\n    {added} article(s) added; {status}",
        "feed_ok": "last checked {checked}",
        "feed_never": "not checked yet",
        "feed_failing": "failed {failures} time(s) in a row ({error}); next try {retry}",
        "feed_added": "Feed “{feed}”: added {count} new article(s):",
        "feed_failed": "Feed “{feed}” is failing: {error}. Next try {retry}.",
        "feed_round": "Feed “{feed}”: {counts}:",
        "feed_last_round": "latest new entries ({when}): {counts}",
        "count_added": "{count} added",
        "count_present": "{count} already here",
        "count_refused": "{count} refused",
        "count_retry": "{count} to be tried again",
        "entry_present": "“{entry}”: {detail}",
        "entry_present_as": "“{entry}” already here as {file} ({how})",
        "same_address": "same address",
        "same_text": "same text",
        "entry_refused": "“{entry}” not added: {error}",
        "entry_gave_up": "“{entry}” not added after {tries} tries: {error}",
        "entry_retry": "“{entry}” not added yet (try {tries}): {error} Next try {retry}.",
        "entry_waiting": "“{entry}” waits for its next try at {retry} ({error})",
        "entry_deferred": "“{entry}” waits for the next round (at most {limit} entries a round), about {retry}.",
        "entry_no_link": "the feed entry has no link to an article.",
        "add_usage": "Send the article's link after the command, e.g.:\n/add https://vnexpress.net/article.html",
        "follow_usage": "Send the RSS/Atom feed's link after the command, e.g.:\n"
        "/follow https://vnexpress.net/rss/the-gioi.rss",
        "unfollow_usage": "Send the feed's link after the command, e.g.:\n/unfollow https://vnexpress.net/rss/the-gioi.rss",
        "fetching": "Fetching {count} link(s)…",
        "too_many_links": "I take {limit} links at a time; the last {dropped} were not added. "
        "Send them in another message.",
        "index_failed": "Saved, but could not update the index: {error}",
        "round_nothing": "No new entries in {feeds} feed(s).",
        "reason_dns": "the name {host} does not resolve",
        "reason_timeout": "no answer within {seconds} s",
        "reason_tls": "its HTTPS certificate is not valid",
        "reason_refused": "{host} refused the connection",
        "reason_closed": "the server closed the connection",
        "reason_web_page": "it is a web page",
        "reason_no_feed_content": "no RSS or Atom content in it",
    },
}


def message(language: str, key: str, **values: object) -> str:
    """The text `key` in `language` ("vi" or "en"), filled in with `values`."""
    return TEXTS[language if language in TEXTS else "vi"][key].format(**values)


class IngestProblem(Exception):
    """A link or feed that cannot be used; `key` names the message, `values` fill it in."""

    def __init__(self, key: str, **values: object) -> None:
        super().__init__(key)
        self.key = key
        self.values = values

    def describe(self, language: str = "en") -> str:
        """The problem as a sentence in `language`."""
        values = dict(self.values)
        if "reason" in values and f"reason_{self.values['reason']}" in TEXTS["en"]:
            values["reason"] = message(language, f"reason_{self.values['reason']}", **values)
        return message(language, self.key, **values)

    def __str__(self) -> str:
        return self.describe("en")
