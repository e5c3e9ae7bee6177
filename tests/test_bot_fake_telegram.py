"""The stand-in Bot API server refuses what Telegram refuses (else the bot's tests could not fail)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from testing.fake_telegram import ALICE, TOKEN, ApiError, FakeTelegram, check_text, parse_html


@pytest.mark.parametrize(
    ("html", "error"),
    [
        ("Mã <script>alert(1)</script>", 'Unsupported start tag "script"'),
        ("<b>đậm", 'Can\'t find end tag corresponding to start tag "b"'),
        ("<b><i>x</b></i>", 'Can\'t find end tag corresponding to start tag "i"'),
        ("x</b>", 'Unexpected end tag "b"'),
        ("1 < 2", 'Unsupported start tag ""'),
        ("R&D", "Character entity expected"),
        ("&nbsp;", "Character entity expected"),
        ("<blockquote><blockquote>x</blockquote></blockquote>", "can't be nested"),
        ('<a href="javascript:alert(1)">x</a>', "Wrong HTTP URL"),
        ('<span class="x">x</span>', 'must have class "tg-spoiler"'),
        ("<b", "Unclosed start tag"),
    ],
)
def test_html_telegram_refuses(html: str, error: str) -> None:
    with pytest.raises(ApiError) as refused:
        check_text(html, "HTML")
    assert refused.value.code == 400 and error in refused.value.description
    assert refused.value.description.startswith("Bad Request: can't parse entities: ")


def test_html_telegram_accepts() -> None:
    html = (
        "<b>a</b><strong>b</strong><i>c</i><em>d</em><u>e</u><ins>f</ins><s>g</s><strike>h</strike><del>i</del>"
        '<span class="tg-spoiler">j</span><tg-spoiler>k</tg-spoiler><a href="https://e.vn/?a=1&amp;b=2">l</a>'
        '<code>m</code><pre><code class="language-python">n</code></pre><blockquote expandable>o</blockquote>'
        '<tg-emoji emoji-id="5368324170671202286">👍</tg-emoji> &lt;&gt;&amp;&quot;&#39;&#x1F600; > 😀'
    )
    plain, entities = parse_html(html)
    assert plain == "abcdefghijklmno👍 <>&\"'😀 > 😀"
    kinds = {e["type"] for e in entities}
    assert kinds >= {"bold", "italic", "underline", "strikethrough", "spoiler", "text_link", "code", "pre"}
    assert {"expandable_blockquote", "custom_emoji"} <= kinds
    link = next(e for e in entities if e["type"] == "text_link")
    assert link["url"] == "https://e.vn/?a=1&b=2" and (link["offset"], link["length"]) == (11, 1)
    # Offsets count UTF-16 code units: the emoji before the last bold counts 2.
    assert parse_html("😀<b>x</b>")[1] == [{"type": "bold", "offset": 2, "length": 1}]


def test_length_limit_counts_utf16_code_units() -> None:
    check_text("a" * 4096, None)
    check_text("<b>" + "a" * 4096 + "</b>", "HTML")  # tags do not count
    for text in ("a" * 4097, "😀" * 2049):  # 2,049 characters, but 4,098 code units
        with pytest.raises(ApiError, match="message is too long"):
            check_text(text, None)
    with pytest.raises(ApiError, match="message text is empty"):
        check_text("<b> </b>", "HTML")


@pytest.fixture
def fake() -> Iterator[FakeTelegram]:
    with FakeTelegram() as server:
        yield server


def test_server_speaks_the_bot_api(fake: FakeTelegram) -> None:
    api = f"{fake.base_url}{TOKEN}"
    with httpx.Client() as client:
        assert client.post(f"{fake.base_url}1:wrong/getMe").json() == {
            "ok": False,
            "error_code": 401,
            "description": "Unauthorized",
        }
        assert client.post(f"{api}/getMe").json()["result"]["username"] == fake.username
        assert client.post(f"{api}/noSuchMethod").status_code == 404

        message = fake.private("xin chào")
        updates = client.post(f"{api}/getUpdates", data={"offset": 0, "timeout": 1}).json()["result"]
        assert [u["message"]["text"] for u in updates] == ["xin chào"]
        assert client.post(f"{api}/getUpdates", data={"offset": message["update_id"] + 1}).json()["result"] == []

        sent = client.post(f"{api}/sendMessage", data={"chat_id": ALICE["id"], "text": "<b>x", "parse_mode": "HTML"})
        assert sent.status_code == 400 and "can't parse entities" in sent.json()["description"]
        markup = '{"inline_keyboard": [[{"text": "x", "callback_data": "' + "é" * 33 + '"}]]}'
        sent = client.post(f"{api}/sendMessage", data={"chat_id": ALICE["id"], "text": "x", "reply_markup": markup})
        assert sent.json()["description"] == "Bad Request: BUTTON_DATA_INVALID"  # 66 bytes
        reply = '{"message_id": 999}'
        sent = client.post(f"{api}/sendMessage", data={"chat_id": ALICE["id"], "text": "x", "reply_parameters": reply})
        assert sent.json()["description"] == "Bad Request: message to be replied not found"
        sent = client.post(f"{api}/sendMessage", data={"chat_id": 42, "text": "x"})
        assert sent.json()["description"] == "Bad Request: chat not found"
    assert fake.sent == []

    document = fake.document("a.txt", b"Tieu de\n\nNoi dung.")
    with httpx.Client() as client:
        path = client.post(f"{api}/getFile", data={"file_id": document["document"]["file_id"]}).json()["result"]
        content = client.get(f"{fake.base_file_url}{TOKEN.replace(':', '%3A')}/{path['file_path']}").content
    assert content == b"Tieu de\n\nNoi dung."


def test_server_faults_and_telegram_timing_rules(fake: FakeTelegram) -> None:
    api = f"{fake.base_url}{TOKEN}"
    fake.private("xin chào")
    with httpx.Client() as client:
        # A fault after the call took effect: the message is there, the answer is an error.
        fake.fail("sendMessage", 1, "502", after=True)
        assert client.post(f"{api}/sendMessage", data={"chat_id": ALICE["id"], "text": "a"}).status_code == 502
        fake.fail("sendMessage", 1, "429", retry_after=3)
        flood = client.post(f"{api}/sendMessage", data={"chat_id": ALICE["id"], "text": "b"}).json()
        assert flood["parameters"] == {"retry_after": 3}
        assert [s.text for s in fake.sent] == ["a"]  # the 429 delivered nothing

        # A callback query can be answered once, and only within `callback_ttl` seconds.
        [sent] = fake.sent
        sent.markup = {"inline_keyboard": [[{"text": "x", "callback_data": "d"}]]}
        first, late = fake.press(sent, "d"), fake.press(sent, "d")
        ok = client.post(f"{api}/answerCallbackQuery", data={"callback_query_id": first}).json()
        again = client.post(f"{api}/answerCallbackQuery", data={"callback_query_id": first}).json()
        fake.callback_ttl = 0.0
        too_old = client.post(f"{api}/answerCallbackQuery", data={"callback_query_id": late}).json()
    assert ok["ok"] and fake.callback_answered(first) and not fake.callback_answered(late)
    for refused in (again, too_old):
        assert refused["description"].startswith("Bad Request: query is too old and response timeout expired")
    assert fake.unacknowledged()  # nobody called getUpdates: Telegram still holds the updates


def test_send_photo_takes_an_upload_and_refuses_what_telegram_refuses(fake: FakeTelegram) -> None:
    api = f"{fake.base_url}{TOKEN}"
    png = _png(40, 30)
    fake.private("/who")  # the bot may write to a chat that wrote to it
    with httpx.Client() as client:
        def send(content: bytes, **data: str) -> httpx.Response:
            return client.post(f"{api}/sendPhoto", data={"chat_id": str(ALICE["id"]), **data},
                               files={"photo": ("map.png", content, "image/png")})

        sent = send(png, caption="<b>Bản đồ</b> các bên", parse_mode="HTML")
        assert sent.status_code == 200, sent.text
        photo = sent.json()["result"]
        assert photo["caption"] == "Bản đồ các bên" and photo["photo"][0]["width"] == 40
        assert send(png, caption="x" * 1025).json()["description"] == "Bad Request: message caption is too long"
        assert send(png, caption="é" * 1024).status_code == 200  # 1,024 characters are allowed
        assert send(b"not a picture").json()["description"] == "Bad Request: IMAGE_PROCESS_FAILED"
        assert send(_png(6000, 5000)).json()["description"] == "Bad Request: PHOTO_INVALID_DIMENSIONS"
        assert send(_png(2100, 100)).json()["description"] == "Bad Request: PHOTO_INVALID_DIMENSIONS"  # 21:1
        again = client.post(f"{api}/sendPhoto", data={"chat_id": ALICE["id"], "photo": photo["photo"][0]["file_id"]})
        assert again.status_code == 200  # a photo already sent, by its file_id
        unknown = client.post(f"{api}/sendPhoto", data={"chat_id": ALICE["id"], "photo": "nope"})
        assert unknown.json()["description"] == "Bad Request: wrong file identifier/HTTP URL specified"
    assert [s.photo == png for s in fake.sent] == [True, True, True]


def _png(width: int, height: int) -> bytes:
    """The first bytes of a PNG of that size (the stand-in reads the header only)."""
    ihdr = width.to_bytes(4, "big") + height.to_bytes(4, "big") + bytes([8, 2, 0, 0, 0])
    return b"\x89PNG\r\n\x1a\n" + (13).to_bytes(4, "big") + b"IHDR" + ihdr + b"\x00" * 4
