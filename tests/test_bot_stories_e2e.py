"""Stories on Telegram end to end: /who's map picture, /stories, /timeline's pages, against the stand-in Bot API."""

from __future__ import annotations

from testing.fake_telegram import ALICE, BOB, FakeTelegram, Upload, photo_size

from .test_bot_e2e import SEED_TEXT, SEED_TITLE, ask, fake, seed_bot  # noqa: F401 (fixtures)


async def test_who_sends_the_map_as_a_photo_under_the_list(seed_bot: FakeTelegram) -> None:  # noqa: F811
    tg = seed_bot
    overview = await ask(tg, "/who Trung Quốc bác cáo buộc tin tặc")
    [story_map] = (await tg.wait_sent(ALICE["id"], 2))[1:]
    assert overview.text.startswith("Các bên trong câu chuyện:")
    assert story_map.photo is not None and photo_size(story_map.photo) == (1080, 1080)
    assert story_map.text == "Ai nói gì với ai: Trung Quốc bác cáo buộc tin tặc"  # the caption
    [call] = tg.calls_of("sendPhoto")
    assert isinstance(call.params["photo"], Upload)  # uploaded as multipart/form-data, as the Bot API wants
    english = await ask(tg, "/who", user=BOB)
    [english_map] = (await tg.wait_sent(BOB["id"], 2))[1:]
    assert english.text.startswith("The parties") and english_map.text.startswith("Who said what to whom: ")
    assert SEED_TITLE[:20] in english_map.text  # no topic: the story's name


async def test_stories_and_a_paged_timeline(seed_bot: FakeTelegram) -> None:  # noqa: F811
    tg = seed_bot
    stories = await ask(tg, "/stories")
    assert stories.text.startswith("Các câu chuyện (1):") and f"#1 {SEED_TITLE}" in stories.text

    first = await ask(tg, "/timeline 1")
    assert first.text.startswith(f"Diễn biến: {SEED_TITLE} — trang 1/")
    assert "📅 " in first.text and first.quotes and all(q.rstrip("…") in SEED_TEXT for q in first.quotes)
    # "Một quốc gia nào đó ở phương Tây" names no party: the act stands without a target.
    assert "• phái đoàn ngoại giao Trung Quốc tại EU → cáo buộc\n" in first.text
    assert f"— {SEED_TITLE}, đoạn 6" in first.text  # speaker → act, the verbatim quote, its source
    [following] = first.buttons  # page 1: only "next"
    assert following["text"] == "Sau ›" and len(following["callback_data"].encode()) <= 64
    query = tg.press(first, following["callback_data"])
    await tg.wait_for(lambda: first.edits == 1 and tg.callback_answered(query), what="page 2 shown")
    assert "trang 2/" in first.text and first.text != ""
    assert "‹ Trước" in [b["text"] for b in first.buttons]
    same_topic = await ask(tg, "/timeline tin tặc Trung Quốc")  # words naming the story
    assert same_topic.text.startswith(f"Diễn biến: {SEED_TITLE}")

    # A button from before the story changed still works, and says the timeline is newer.
    stale = following["callback_data"].rsplit(":", 1)[0] + ":00000000"
    tg.press(first, stale, forged=True)
    await tg.wait_for(lambda: first.edits == 2, what="the old page's button answered")
    assert "Câu chuyện đã có thêm bài" in first.text
    # A story no longer indexed is said to be gone, in an alert.
    gone = tg.press(first, "tl:vi:999:0:00000000", forged=True)
    await tg.wait_for(lambda: tg.callback_answered(gone), what="the gone story's button answered")
    [answer] = [c for c in tg.calls_of("answerCallbackQuery") if c.params["callback_query_id"] == gone]
    assert "không còn trong chỉ mục" in answer.params["text"] and first.edits == 2

    english = await ask(tg, "/timeline", user=BOB)
    assert english.text.startswith(f"Timeline: {SEED_TITLE}") and ", paragraph " in english.text
    missing = await ask(tg, "/timeline sourdough bread recipe", user=BOB)
    assert missing.text == "No story about “sourdough bread recipe” found. Type /stories to see the stories."
